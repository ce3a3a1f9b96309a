using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    public class MEM031To033Tests
    {
        // ---------------------------------------------------------------- MEM031: token registrations

        [Fact]
        public Task MEM031_RegisterOnStoppingTokenInWorkerLoop()
            => VerifyHandles.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = new byte[1024];
            {|MEM031:stoppingToken.Register(() => batch[0] = 0)|};
            var registration = {|MEM031:stoppingToken.Register(() => System.Console.WriteLine(batch.Length))|};
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Hosting);

        [Fact]
        public Task MEM031_RegisterOnApplicationStoppingInQuartzJob()
            => VerifyHandles.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Quartz;

public sealed class ExportJob : IJob
{
    private readonly IHostApplicationLifetime _lifetime;
    public ExportJob(IHostApplicationLifetime lifetime) => _lifetime = lifetime;

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        {|MEM031:_lifetime.ApplicationStopping.Register(() => System.Console.WriteLine(context.FireInstanceId))|};
        return default;
    }
}", Packages.Of(Packages.Hosting, Packages.Quartz));

        [Fact]
        public Task MEM031_InfiniteDelayRacedInWhenAnyPerIteration()
            => VerifyHandles.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Racer : BackgroundService
{
    private readonly Channel<int> _channel = Channel.CreateBounded<int>(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var read = _channel.Reader.ReadAsync().AsTask();
            var stop = {|MEM031:Task.Delay(Timeout.Infinite, stoppingToken)|};
            await Task.WhenAny(read, stop);
            await Task.WhenAny(read, {|MEM031:Task.Delay(Timeout.InfiniteTimeSpan, stoppingToken)|});
            var signal = new TaskCompletionSource();
            await Task.WhenAny(read, {|MEM031:signal.Task.WaitAsync(stoppingToken)|});
            await Task.WhenAny(read, read.WaitAsync(stoppingToken));        // the same task: completes with the race
        }
    }
}", Packages.Hosting);

        [Fact]
        public Task MEM031_LookAlikes_AreNotFlagged()
            => VerifyHandles.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Hosting;

public sealed class Msg { }

public sealed class Poller : BackgroundService
{
    private CancellationTokenRegistration _kept;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _kept = cancellationToken.Register(() => { });                    // run once, stored
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        stoppingToken.Register(() => { });                                 // once per process, before the loop
        while (!stoppingToken.IsCancellationRequested)
        {
            using var registration = stoppingToken.Register(() => { });    // disposed per iteration
            var other = stoppingToken.Register(() => { });
            other.Dispose();
            await Task.WhenAny(Task.Delay(1000, stoppingToken));           // short delay: its registration ends with it
        }
    }
}

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        context.CancellationToken.Register(() => { });                     // a per-message token
        return Task.CompletedTask;
    }
}", Packages.Of(Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task MEM031_Fix_UsingDeclaration()
            => VerifyHandles.FixAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // cancel the batch on shutdown
            var registration = {|MEM031:stoppingToken.Register(() => { })|};
            await Task.Delay(1000, stoppingToken);
        }
    }
}", @"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // cancel the batch on shutdown
            using var registration = stoppingToken.Register(() => { });
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Hosting);

        // ---------------------------------------------------------------- MEM032: linked / timed token sources

        [Fact]
        public Task MEM032_LinkedAndTimedSourcesPerUnitOfWork()
            => VerifyHandles.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Hosting;

public sealed class Msg { }

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var timeout = {|MEM032:CancellationTokenSource.CreateLinkedTokenSource(stoppingToken)|};
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await Task.Delay(100, timeout.Token);
        }
    }
}

public sealed class Consumer : IConsumer<Msg>
{
    public async Task Consume(ConsumeContext<Msg> context)
    {
        var timed = {|MEM032:new CancellationTokenSource(TimeSpan.FromSeconds(30))|};
        var later = {|MEM032:new CancellationTokenSource()|};
        later.CancelAfter(1000);
        await Task.Delay(10, timed.Token);
    }
}", Packages.Of(Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task MEM032_LookAlikes_AreNotFlagged()
            => VerifyHandles.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    private CancellationTokenSource _shared;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var once = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);   // once per process
        _shared = once;
        while (!stoppingToken.IsCancellationRequested)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var plain = new CancellationTokenSource();                                  // no parent, no timer
            plain.Cancel();
            var disposed = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try { await Task.Delay(10, disposed.Token); } finally { disposed.Dispose(); }
        }
    }
}", Packages.Hosting);

        [Fact]
        public Task MEM032_FixAll_UsingDeclarations()
            => VerifyMEM032.FixAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var a = {|MEM032:CancellationTokenSource.CreateLinkedTokenSource(stoppingToken)|};
            var b = {|MEM032:new CancellationTokenSource(TimeSpan.FromSeconds(1))|};
            await Task.Delay(10, a.Token);
            await Task.Delay(10, b.Token);
        }
    }
}", @"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using var a = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            using var b = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await Task.Delay(10, a.Token);
            await Task.Delay(10, b.Token);
        }
    }
}", Packages.Hosting);

        // ---------------------------------------------------------------- MEM033: timers

        [Fact]
        public Task MEM033_TimersCreatedPerMessage()
            => VerifyHandles.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Rebus.Handlers;
using Coravel.Invocable;

public sealed class Ping { }

public sealed class PingHandler : IHandleMessages<Ping>
{
    public Task Handle(Ping message)
    {
        var payload = new byte[4096];
        {|MEM033:new Timer(_ => Console.WriteLine(payload.Length), null, 1000, 1000)|};
        var elapsed = {|MEM033:new System.Timers.Timer(1000)|};
        elapsed.Elapsed += (s, e) => Console.WriteLine(payload.Length);
        elapsed.Start();
        return Task.CompletedTask;
    }
}

public sealed class Heartbeat : IInvocable
{
    public async Task Invoke()
    {
        var ticker = {|MEM033:new PeriodicTimer(TimeSpan.FromSeconds(1))|};
        await ticker.WaitForNextTickAsync();
        var fromProvider = {|MEM033:TimeProvider.System.CreateTimer(_ => { }, null, TimeSpan.Zero, TimeSpan.FromSeconds(1))|};
    }
}", Packages.Of(Packages.Rebus, Packages.Coravel));

        [Fact]
        public Task MEM033_LookAlikes_AreNotFlagged()
            => VerifyHandles.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    private Timer _heartbeat;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _heartbeat = new Timer(_ => { }, null, 0, 1000);                  // stored, once
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));    // once, disposed
        while (await ticker.WaitForNextTickAsync(stoppingToken))
        {
            using var perTick = new Timer(_ => { }, null, 100, Timeout.Infinite);
        }
    }

    public override void Dispose()
    {
        _heartbeat?.Dispose();
        base.Dispose();
    }
}", Packages.Hosting);

        [Fact]
        public Task MEM033_Fix_PeriodicTimerWithUsing_CallbackTimerToAField()
            => VerifyMEM033.FixAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Coravel.Invocable;

public sealed class Heartbeat : IInvocable
{
    public async Task Invoke()
    {
        var ticker = {|MEM033:new PeriodicTimer(TimeSpan.FromSeconds(1))|};
        await ticker.WaitForNextTickAsync();
        {|MEM033:new Timer(_ => { }, null, 1000, 1000)|};
    }
}", @"
using System;
using System.Threading;
using System.Threading.Tasks;
using Coravel.Invocable;

public sealed class Heartbeat : IInvocable, IDisposable
{
    private Timer _timer;

    public async Task Invoke()
    {
        using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
        await ticker.WaitForNextTickAsync();
        _timer?.Dispose();
        _timer = new Timer(_ => { }, null, 1000, 1000);
    }

    public void Dispose()
    {
        _timer?.Dispose();
    }
}", Packages.Coravel);

        [Fact]
        public Task MEM033_Fix_CallbackTimerOfAPerMessageHandler_GoesToAFieldDisposedInDispose()
            => VerifyMEM033.FixAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Ping { }

public sealed class PingHandler : IHandleMessages<Ping>
{
    public Task Handle(Ping message)
    {
        // remind in a minute
        var reminder = {|MEM033:new Timer(_ => Console.WriteLine(""remind""), null, 60_000, Timeout.Infinite)|};
        reminder.Change(30_000, Timeout.Infinite);
        return Task.CompletedTask;
    }
}", @"
using System;
using System.Threading;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Ping { }

public sealed class PingHandler : IHandleMessages<Ping>, IDisposable
{
    private Timer _reminder;

    public Task Handle(Ping message)
    {
        // remind in a minute
        _reminder?.Dispose();
        _reminder = new Timer(_ => Console.WriteLine(""remind""), null, 60_000, Timeout.Infinite);
        _reminder.Change(30_000, Timeout.Infinite);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _reminder?.Dispose();
    }
}", Packages.Rebus);

        [Fact]
        public Task IncompleteCode_DoesNotCrash()
            => VerifyHandles.NoCrashAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            stoppingToken.Register(
            var cts = CancellationTokenSource.CreateLinkedTokenSource(
            new Timer(
            await Task.WhenAny(Task.Delay(Timeout.Infinite, 
", Packages.Hosting);
    }
}
