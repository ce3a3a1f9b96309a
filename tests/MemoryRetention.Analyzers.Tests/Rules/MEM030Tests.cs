using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    public class MEM030Tests
    {
        private const string Publisher = @"
public static class Metrics
{
    public static event System.EventHandler<string> Recorded;
    public static void Record(string name) => Recorded?.Invoke(null, name);
}
";

        [Fact]
        public Task StaticEvent_LambdaSubscribedPerJob()
            => VerifyMEM030.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var rows = new byte[100_000];
        {|MEM030:Metrics.Recorded += (sender, name) => System.Console.WriteLine(rows.Length)|};
        return default;
    }
}" + Publisher, Packages.Quartz);

        [Fact]
        public Task AppDomainEvent_MethodGroupSubscribedPerMessage()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        {|MEM030:AppDomain.CurrentDomain.UnhandledException += OnUnhandled|};
        return Task.CompletedTask;
    }

    private void OnUnhandled(object sender, UnhandledExceptionEventArgs e) { }
}", Packages.MassTransit);

        [Fact]
        public Task LongLivedHandlerEvent_SubscribedInEveryLoopIteration()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Notifier { public event EventHandler Changed; }

public sealed class Worker : BackgroundService
{
    private readonly Notifier _notifier = new Notifier();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = new object();
            {|MEM030:_notifier.Changed += (s, e) => GC.KeepAlive(batch)|};
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Hosting);

        [Fact]
        public Task RemovingWithANewLambda_IsANoOp()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Msg { }

public sealed class Handler : IHandleMessages<Msg>
{
    public Task Handle(Msg message)
    {
        {|MEM030:Metrics.Recorded += (s, n) => Console.WriteLine(n)|};
        try { return Task.CompletedTask; }
        finally { {|MEM030:Metrics.Recorded -= (s, n) => Console.WriteLine(n)|}; }
    }
}" + Publisher, Packages.Rebus);

        [Fact]
        public Task OptionsMonitorOnChangeDropped_PerMessage()
            => VerifyMEM030.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.Options;

public sealed class Settings { public int Limit { get; set; } }
public sealed class Ping : IRequest<int> { }

public sealed class PingHandler : IRequestHandler<Ping, int>
{
    private readonly IOptionsMonitor<Settings> _settings;
    public PingHandler(IOptionsMonitor<Settings> settings) => _settings = settings;

    public Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        var seen = 0;
        {|MEM030:_settings.OnChange(s => seen = s.Limit)|};
        return Task.FromResult(seen);
    }
}", Packages.Of(Packages.MediatR, Packages.Hosting));

        [Fact]
        public Task LookAlikes_AreNotFlagged()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Quartz;

public sealed class Notifier { public event EventHandler Changed; }

public sealed class Worker : BackgroundService
{
    private readonly Notifier _notifier;
    public Worker(Notifier notifier) => _notifier = notifier;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _notifier.Changed += OnChanged;                  // once, removed in StopAsync
        return base.StartAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _notifier.Changed -= OnChanged;
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var local = new Notifier();
            local.Changed += (s, e) => { };              // a publisher this iteration owns
            EventHandler handler = (s, e) => { };
            Metrics.Recorded += OnRecorded;
            try { await Task.Delay(1000, stoppingToken); }
            finally { Metrics.Recorded -= OnRecorded; }  // unsubscribed in finally
        }
    }

    private void OnChanged(object sender, EventArgs e) { }
    private void OnRecorded(object sender, string name) { }
}

public sealed class InjectedJob : IJob
{
    private readonly Notifier _notifier;
    public InjectedJob(Notifier notifier) => _notifier = notifier;

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        _notifier.Changed += (s, e) => { };              // injected: may be scoped; reported only with the option
        return default;
    }
}" + Publisher, Packages.Of(Packages.Hosting, Packages.Quartz));

        [Fact]
        public Task InjectedPublisher_IsFlaggedWhenTheOptionSaysSo()
            => VerifyMEM030.DiagnosticsWithConfigAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class Notifier { public event EventHandler Changed; }

public sealed class InjectedJob : IJob
{
    private readonly Notifier _notifier;
    public InjectedJob(Notifier notifier) => _notifier = notifier;

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        {|MEM030:_notifier.Changed += (s, e) => { }|};
        return default;
    }
}", Packages.Quartz, "memory_retention.MEM030.include_injected_publishers = true");

        [Fact]
        public Task Fix_StoresTheLambdaAndUnsubscribesInFinally()
            => VerifyMEM030.FixAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var rows = new byte[100];
        // count what is recorded while the job runs
        {|MEM030:Metrics.Recorded += (sender, name) => rows[0]++|};
        await Task.Delay(10, cancellationToken);
        System.Console.WriteLine(rows[0]);
    }
}" + Publisher, @"
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var rows = new byte[100];
        // count what is recorded while the job runs
        System.EventHandler<string> handler = (sender, name) => rows[0]++;
        Metrics.Recorded += handler;
        try
        {
            await Task.Delay(10, cancellationToken);
            System.Console.WriteLine(rows[0]);
        }
        finally
        {
            Metrics.Recorded -= handler;
        }
    }
}" + Publisher, Packages.Quartz);

        [Fact]
        public Task Fix_MethodGroupAndOnChange()
        {
            var test = VerifyMEM030.CreateFixTest(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.Options;

public sealed class Settings { public int Limit { get; set; } }
public sealed class Ping : IRequest<int> { }

public sealed class PingHandler : IRequestHandler<Ping, int>
{
    private readonly IOptionsMonitor<Settings> _settings;
    public PingHandler(IOptionsMonitor<Settings> settings) => _settings = settings;

    public Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        {|MEM030:_settings.OnChange(s => Console.WriteLine(s.Limit))|};
        {|MEM030:AppDomain.CurrentDomain.ProcessExit += OnExit|};
        return Task.FromResult(1);
    }

    private void OnExit(object sender, EventArgs e) { }
}", @"
using System;
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.Options;

public sealed class Settings { public int Limit { get; set; } }
public sealed class Ping : IRequest<int> { }

public sealed class PingHandler : IRequestHandler<Ping, int>
{
    private readonly IOptionsMonitor<Settings> _settings;
    public PingHandler(IOptionsMonitor<Settings> settings) => _settings = settings;

    public Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        using var disposable = _settings.OnChange(s => Console.WriteLine(s.Limit));
        AppDomain.CurrentDomain.ProcessExit += OnExit;
        try
        {
            return Task.FromResult(1);
        }
        finally
        {
            AppDomain.CurrentDomain.ProcessExit -= OnExit;
        }
    }

    private void OnExit(object sender, EventArgs e) { }
}", Packages.Of(Packages.MediatR, Packages.Hosting));
            // Two kinds of fix (using, unsubscribe) still converge in one Fix All pass, as dotnet format needs.
            return test.RunAsync();
        }

        [Fact]
        public Task Fix_ConstructorSubscriptionOfAPerMessageHandler_UnsubscribesInANewDispose()
        {
            var test = VerifyMEM030.CreateFixTest(@"
using System;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    private int _count;

    public Consumer()
    {
        {|MEM030:Metrics.Recorded += (sender, name) => _count++|};
        {|MEM030:AppDomain.CurrentDomain.ProcessExit += OnExit|};
    }

    public Task Consume(ConsumeContext<Msg> context) => Task.CompletedTask;

    private void OnExit(object sender, EventArgs e) { }
}" + Publisher, @"
using System;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>, IDisposable
{
    private readonly EventHandler<string> _recordedHandler;
    private int _count;

    public Consumer()
    {
        _recordedHandler = (sender, name) => _count++;
        Metrics.Recorded += _recordedHandler;
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    public Task Consume(ConsumeContext<Msg> context) => Task.CompletedTask;

    private void OnExit(object sender, EventArgs e) { }

    public void Dispose()
    {
        Metrics.Recorded -= _recordedHandler;
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
    }
}" + Publisher, Packages.MassTransit);
            return test.RunAsync();
        }

        // ---------------------------------------------------------------- static events of the base library, in every handler shape

        [Fact]
        public Task BaseLibraryStaticEvents_SubscribedPerUnitOfWork_InEveryFramework()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using System.Runtime.Loader;
using Coravel.Invocable;
using Hangfire;
using MassTransit;
using MediatR;
using Microsoft.Extensions.Hosting;
using Quartz;

public sealed class Msg { }
public sealed class Ping : IRequest<int> { }

public sealed class QuartzJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var rows = new byte[1000];
        {|MEM030:TaskScheduler.UnobservedTaskException += (s, e) => GC.KeepAlive(rows)|};
        return default;
    }
}

public sealed class Cleanup
{
    public void Run() => {|MEM030:AppDomain.CurrentDomain.FirstChanceException += (s, e) => Console.WriteLine(e.Exception.Message)|};
}

public sealed class Scheduler
{
    public void Schedule() => RecurringJob.AddOrUpdate<Cleanup>(""cleanup"", job => job.Run(), Cron.Hourly());
}

public sealed class Heartbeat : IInvocable
{
    public Task Invoke()
    {
        {|MEM030:Console.CancelKeyPress += OnCancel|};
        return Task.CompletedTask;
    }

    private void OnCancel(object sender, ConsoleCancelEventArgs e) { }
}

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        {|MEM030:AssemblyLoadContext.Default.Unloading += c => GC.KeepAlive(context)|};
        return Task.CompletedTask;
    }
}

public sealed class PingHandler : IRequestHandler<Ping, int>
{
    public Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        {|MEM030:AppDomain.CurrentDomain.AssemblyLoad += (s, e) => GC.KeepAlive(request)|};
        return Task.FromResult(1);
    }
}

public sealed class Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TaskScheduler.UnobservedTaskException += OnUnobserved;   // once per process: not per unit of work
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = new byte[100];
            {|MEM030:AppDomain.CurrentDomain.ProcessExit += (s, e) => GC.KeepAlive(batch)|};
            await Task.Delay(1000, stoppingToken);
        }
    }

    private void OnUnobserved(object sender, UnobservedTaskExceptionEventArgs e) { }
}", Packages.Of(Packages.Quartz, Packages.Hangfire, Packages.Coravel, Packages.MassTransit, Packages.MediatR, Packages.Hosting));

        [Fact]
        public Task BaseLibraryStaticEvents_LookAlikes_AreNotFlagged()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class QuartzJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try { await Task.Delay(10, cancellationToken); }
        finally { TaskScheduler.UnobservedTaskException -= OnUnobserved; }

        ConsoleCancelEventHandler cancel = (s, e) => e.Cancel = true;
        Console.CancelKeyPress += cancel;
        Console.CancelKeyPress -= cancel;                // the same delegate: removed
    }

    private void OnUnobserved(object sender, UnobservedTaskExceptionEventArgs e) { }
}

public static class Startup
{
    // Program start-up code, not a handler: subscribes once.
    public static void Main() => AppDomain.CurrentDomain.UnhandledException += (s, e) => Console.WriteLine(e.ExceptionObject);
}", Packages.Quartz);

        [Fact]
        public Task SystemEvents_SubscribedPerUnitOfWork_AreFlagged()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Win32;
using Quartz;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        {|MEM030:SystemEvents.PowerModeChanged += (s, e) => GC.KeepAlive(context)|};     // the message, kept until the process ends
        return Task.CompletedTask;
    }
}

public sealed class ThemeJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        {|MEM030:SystemEvents.UserPreferenceChanged += OnPreferenceChanged|};           // the job instance, once per fire
        return default;
    }

    private void OnPreferenceChanged(object sender, UserPreferenceChangedEventArgs e) { }
}

public sealed class Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = new byte[100];
            {|MEM030:SystemEvents.TimeChanged += (s, e) => GC.KeepAlive(batch)|};
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Of(Packages.MassTransit, Packages.Quartz, Packages.Hosting, Packages.SystemEvents));

        [Fact]
        public Task SystemEvents_LookAlikes_AreNotFlagged()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Win32;
using Quartz;

public sealed class ThemeJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        SystemEvents.UserPreferenceChanged += OnPreferenceChanged;
        try { await Task.Delay(10, cancellationToken); }
        finally { SystemEvents.UserPreferenceChanged -= OnPreferenceChanged; }      // removed on every path
    }

    private void OnPreferenceChanged(object sender, UserPreferenceChangedEventArgs e) { }
}

public sealed class PowerWatcher : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        SystemEvents.PowerModeChanged += OnPowerModeChanged;                        // once per process
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        SystemEvents.PowerModeChanged -= OnPowerModeChanged;
        return Task.CompletedTask;
    }

    private void OnPowerModeChanged(object sender, PowerModeChangedEventArgs e) { }
}

public sealed class Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        SystemEvents.TimeChanged += (s, e) => Console.WriteLine(""time"");          // before the loop: once
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Of(Packages.Quartz, Packages.Hosting, Packages.SystemEvents));

        [Fact]
        public Task BaseLibraryStaticEvents_InTheOtherHandlerShapes_AreFlagged()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Akka.Actor;
using Confluent.Kafka;
using DotNetCore.CAP;
using Hangfire;
using Microsoft.Azure.WebJobs;
using NServiceBus;

public sealed record Import(string Path);
public sealed class Ship { }
public sealed class Seen { }

public static class ImportHandler                                                  // Wolverine: found by convention
{
    public static Task Handle(Import message)
    {
        {|MEM030:AppDomain.CurrentDomain.FirstChanceException += (s, e) => Console.WriteLine(message.Path)|};
        return Task.CompletedTask;
    }
}

public sealed class RebusHandler : Rebus.Handlers.IHandleMessages<Seen>
{
    public Task Handle(Seen message)
    {
        {|MEM030:TaskScheduler.UnobservedTaskException += (s, e) => GC.KeepAlive(message)|};
        return Task.CompletedTask;
    }
}

public sealed class ShipHandler : NServiceBus.IHandleMessages<Ship>
{
    public Task Handle(Ship message, IMessageHandlerContext context)
    {
        {|MEM030:Console.CancelKeyPress += (s, e) => GC.KeepAlive(message)|};
        return Task.CompletedTask;
    }
}

public static class Functions
{
    [FunctionName(""Poll"")]
    public static void Run([TimerTrigger(""0 */5 * * * *"")] object timer)
    {
        {|MEM030:AppDomain.CurrentDomain.ProcessExit += (s, e) => GC.KeepAlive(timer)|};
    }
}

public class OrderEvents : ICapSubscribe
{
    [CapSubscribe(""order.created"")]
    public Task OnCreated(string id)
    {
        {|MEM030:AppDomain.CurrentDomain.UnhandledException += (s, e) => Console.WriteLine(id)|};
        return Task.CompletedTask;
    }
}

public class KafkaPump
{
    public void Run(IConsumer<string, string> consumer, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            var result = consumer.Consume(token);
            {|MEM030:AppDomain.CurrentDomain.AssemblyLoad += (s, e) => GC.KeepAlive(result)|};
        }
    }
}

public sealed class Tracker : ReceiveActor
{
    public Tracker()
    {
        Receive<Seen>(m => {|MEM030:TaskScheduler.UnobservedTaskException += (s, e) => GC.KeepAlive(m)|});
    }
}

public sealed class Report                                                         // a Hangfire job that implements nothing
{
    public void Render(int id) => {|MEM030:AppDomain.CurrentDomain.FirstChanceException += (s, e) => Console.WriteLine(id)|};
}

public static class Schedules
{
    public static void Enqueue(int id) => BackgroundJob.Enqueue<Report>(job => job.Render(id));
}

namespace Microsoft.Azure.WebJobs
{
    [System.AttributeUsage(System.AttributeTargets.Parameter)]
    public sealed class TimerTriggerAttribute : System.Attribute { public TimerTriggerAttribute(string schedule) { } }
}", Packages.Of(Packages.Wolverine, Packages.Rebus, Packages.WebJobs, Packages.Cap, Packages.Kafka, Packages.Akka, Packages.Hangfire), Stubs.NServiceBus);

        [Fact]
        public Task RemovingNull_RemovesNothing_TheSubscriptionIsStillFlagged()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var rows = new byte[1000];
        {|MEM030:TaskScheduler.UnobservedTaskException += (s, e) => GC.KeepAlive(rows)|};
        {|MEM030:AppDomain.CurrentDomain.ProcessExit += OnExit|};
        TaskScheduler.UnobservedTaskException -= null;                              // removes nothing
        AppDomain.CurrentDomain.ProcessExit -= null;
        return default;
    }

    private void OnExit(object sender, EventArgs e) { }
}", Packages.Quartz);

        [Fact]
        public Task HangfireJobClassesThatImplementNothing_TakingPerformContextOrTheCancellationToken_AreJobs()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading.Tasks;
using Hangfire;
using Hangfire.Server;

public sealed class Cleanup
{
    public void Run(PerformContext context)
    {
        {|MEM030:AppDomain.CurrentDomain.UnhandledException += (s, e) => Console.WriteLine(context.BackgroundJob.Id)|};
    }

    public async Task RunAsync(IJobCancellationToken token)
    {
        {|MEM030:TaskScheduler.UnobservedTaskException += (s, e) => e.SetObserved()|};
        await Task.Delay(10);
    }

    private void Helper(PerformContext context) => AppDomain.CurrentDomain.ProcessExit += (s, e) => { };   // not public: not a job
    public static void Configure(PerformContext context) => AppDomain.CurrentDomain.ProcessExit += (s, e) => { };   // static: not a job class method
}

public sealed class NotAJob
{
    public void Run(string name) => AppDomain.CurrentDomain.ProcessExit += (s, e) => { };   // nothing says it is a job
}", Packages.Hangfire);

        [Fact]
        public Task DiagnosticListenerAllListenersSubscribe_HandleDropped_PerJob_IsFlaggedAndFixed()
            => VerifyMEM030.FixAsync(@"
using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class TracingJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        {|MEM030:DiagnosticListener.AllListeners.Subscribe(new ListenerObserver())|};
        await Task.Delay(10, cancellationToken);
    }
}

public sealed class ListenerObserver : IObserver<DiagnosticListener>
{
    public void OnCompleted() { }
    public void OnError(Exception error) { }
    public void OnNext(DiagnosticListener value) { }
}", @"
using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class TracingJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        using var disposable = DiagnosticListener.AllListeners.Subscribe(new ListenerObserver());
        await Task.Delay(10, cancellationToken);
    }
}

public sealed class ListenerObserver : IObserver<DiagnosticListener>
{
    public void OnCompleted() { }
    public void OnError(Exception error) { }
    public void OnNext(DiagnosticListener value) { }
}", Packages.Quartz);

        [Fact]
        public Task DiagnosticListenerSubscribe_LookAlikes_AreNotFlagged()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Quartz;

public sealed class TracingJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        using (DiagnosticListener.AllListeners.Subscribe(new ListenerObserver())) { }
        return default;
    }
}

public sealed class Tracing : BackgroundService
{
    private IDisposable _subscription;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = DiagnosticListener.AllListeners.Subscribe(new ListenerObserver());   // kept and disposed
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;

    public override void Dispose() { _subscription?.Dispose(); base.Dispose(); }
}

public sealed class ListenerObserver : IObserver<DiagnosticListener>
{
    public void OnCompleted() { }
    public void OnError(Exception error) { }
    public void OnNext(DiagnosticListener value) { }
}", Packages.Of(Packages.Quartz, Packages.Hosting));

        // ---------------------------------------------------------------- RabbitMQ: a consumer per request / RPC call

        private const string RabbitRpc = @"
using System;
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

public sealed class Ping : IRequest<int> { }
";

        [Fact]
        public Task RabbitConsumerPerRpcCall_NeverCancelled_IsFlagged()
            => VerifyMEM030.DiagnosticsAsync(RabbitRpc + @"
public sealed class RpcHandler : IRequestHandler<Ping, int>
{
    private readonly IChannel _channel;
    public RpcHandler(IChannel channel) => _channel = channel;

    public async Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<int>();
        var consumer = new AsyncEventingBasicConsumer(_channel);
        {|MEM030:consumer.ReceivedAsync += (sender, delivery) => { reply.TrySetResult(delivery.Body.Length); return Task.CompletedTask; }|};
        await _channel.BasicConsumeAsync(""amq.rabbitmq.reply-to"", true, consumer, cancellationToken);
        var result = await reply.Task;
        consumer.ReceivedAsync -= null;                  // removes nothing
        return result;
    }
}", Packages.Of(Packages.RabbitMQ, Packages.MediatR));

        [Fact]
        public Task RabbitConsumerPerLoopIterationOrWolverineMessage_NeverCancelled_IsFlagged()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

public sealed record Lookup(string Key);

public sealed class Poller : BackgroundService
{
    private readonly IChannel _channel;
    public Poller(IChannel channel) => _channel = channel;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var consumer = new AsyncEventingBasicConsumer(_channel);               // one more consumer per iteration
            {|MEM030:consumer.ReceivedAsync += (sender, delivery) => Task.CompletedTask|};
            await _channel.BasicConsumeAsync(""status"", true, consumer, stoppingToken);
            await Task.Delay(1000, stoppingToken);
        }
    }
}

public sealed class LookupHandler                                                  // Wolverine: found by convention
{
    private readonly IChannel _channel;
    public LookupHandler(IChannel channel) => _channel = channel;

    public async Task Handle(Lookup message)
    {
        var consumer = new AsyncEventingBasicConsumer(_channel);
        {|MEM030:consumer.ReceivedAsync += (sender, delivery) => { Console.WriteLine(message.Key); return Task.CompletedTask; }|};
        await _channel.BasicConsumeAsync(""amq.rabbitmq.reply-to"", true, consumer);
    }
}", Packages.Of(Packages.RabbitMQ, Packages.Hosting, Packages.Wolverine));

        [Fact]
        public Task RabbitConsumerPerRpcCall_LookAlikes_AreNotFlagged()
            => VerifyMEM030.DiagnosticsAsync(@"
using Microsoft.Extensions.Hosting;" + RabbitRpc + @"
public sealed class CancelledRpc : IRequestHandler<Ping, int>
{
    private readonly IChannel _channel;
    public CancelledRpc(IChannel channel) => _channel = channel;

    public async Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (sender, delivery) => Task.CompletedTask;
        var tag = await _channel.BasicConsumeAsync(""replies"", true, consumer, cancellationToken);
        await _channel.BasicCancelAsync(tag, false, cancellationToken);   // the channel lets go of the consumer
        return 1;
    }
}

public sealed class RemovedRpc : IRequestHandler<Ping, int>
{
    private readonly IChannel _channel;
    public RemovedRpc(IChannel channel) => _channel = channel;

    public async Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        var consumer = new AsyncEventingBasicConsumer(_channel);
        AsyncEventHandler<BasicDeliverEventArgs> onReply = (sender, delivery) => Task.CompletedTask;
        consumer.ReceivedAsync += onReply;
        await _channel.BasicConsumeAsync(""replies"", true, consumer, cancellationToken);
        consumer.ReceivedAsync -= onReply;
        return 1;
    }
}

public sealed class OwnChannelRpc : IRequestHandler<Ping, int>
{
    private readonly IConnection _connection;
    public OwnChannelRpc(IConnection connection) => _connection = connection;

    public async Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        await using var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (sender, delivery) => Task.CompletedTask;   // closed with the channel
        await channel.BasicConsumeAsync(""replies"", true, consumer, cancellationToken);
        return 1;
    }
}

public sealed class ConsumerService : BackgroundService
{
    private readonly IChannel _channel;
    public ConsumerService(IChannel channel) => _channel = channel;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (sender, delivery) => Task.CompletedTask;   // the one consumer of the process
        await _channel.BasicConsumeAsync(""orders"", false, consumer, stoppingToken);
    }
}", Packages.Of(Packages.RabbitMQ, Packages.MediatR, Packages.Hosting));

        [Fact]
        public Task IncompleteCode_SystemEventsAndRemovals_DoesNotCrash()
            => VerifyMEM030.NoCrashAsync(@"
using System;
using System.Threading.Tasks;
using Microsoft.Win32;
using Coravel.Invocable;

public sealed class Heartbeat : IInvocable
{
    public Task Invoke()
    {
        SystemEvents.PowerModeChanged += (s, e) => 
        SystemEvents.UserPreferenceChanged -= null
        SystemEvents. += OnChanged;
        SystemEvents.TimeChanged += Missing;
", Packages.Of(Packages.Coravel, Packages.SystemEvents));

        [Fact]
        public Task IncompleteCode_DoesNotCrash()
            => VerifyMEM030.NoCrashAsync(@"
using System;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Msg { }

public sealed class Handler : IHandleMessages<Msg>
{
    public Task Handle(Msg message)
    {
        AppDomain.CurrentDomain.UnhandledException += 
        Metrics.Recorded -= (s, 
        AppDomain.CurrentDomain. += x;
", Packages.Rebus, Publisher);
    }
}
