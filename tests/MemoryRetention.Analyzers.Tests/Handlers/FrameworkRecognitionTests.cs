using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Handlers
{
    /// <summary>
    /// Entry points, instance lifetimes and look-alikes for every framework the recognizer claims, each compiled
    /// against the real package (NServiceBus and the Azure Functions isolated worker against exact-name stubs).
    /// </summary>
    public class FrameworkRecognitionTests
    {
        private static void AssertEntry(RecognitionHarness harness, string method, HandlerFramework framework, HandlerLifetime lifetime)
        {
            var entry = harness.EntryPoint(method);
            Assert.True(entry is not null, method + " was not recognised");
            Assert.Equal(framework, entry!.Framework);
            Assert.Equal(lifetime, entry.InstanceLifetime);
        }

        [Fact]
        public void Hangfire_JobMethodsNamedByExpressions_AndBackgroundProcesses()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading.Tasks;
using Hangfire;
using Hangfire.Server;

public class ReportJob { public void Run(int id) { } public void NotAJob() { } }
public class CleanupJob { public Task RunAsync() => Task.CompletedTask; }
public class SingletonJob { public void Run() { } }
public class Poller : IBackgroundProcess { public void Execute(BackgroundProcessContext context) { } }

public static class Setup
{
    public static void Configure(IBackgroundJobClient client)
    {
        BackgroundJob.Enqueue<ReportJob>(job => job.Run(42));
        RecurringJob.AddOrUpdate<CleanupJob>(""cleanup"", job => job.RunAsync(), Cron.Daily());
        client.Enqueue<SingletonJob>(job => job.Run());
    }

    public static void Register(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
        => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<SingletonJob>(services);
}", Packages.Of(Packages.Hangfire, Packages.Hosting));
            AssertEntry(harness, "ReportJob.Run", HandlerFramework.Hangfire, HandlerLifetime.PerInvocation);
            AssertEntry(harness, "CleanupJob.RunAsync", HandlerFramework.Hangfire, HandlerLifetime.PerInvocation);
            AssertEntry(harness, "SingletonJob.Run", HandlerFramework.Hangfire, HandlerLifetime.LongLived);
            AssertEntry(harness, "Poller.Execute", HandlerFramework.Hangfire, HandlerLifetime.LongLived);
            Assert.Null(harness.EntryPoint("ReportJob.NotAJob"));
        }

        [Fact]
        public void Quartz4_JobsAndSingletonUpgrade()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

public class NightlyJob : IJob { public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => default; }
public class ExplicitJob : IJob { ValueTask IJob.Execute(IJobExecutionContext context, CancellationToken cancellationToken) => default; }
public abstract class JobBase : IJob { public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => Run(); protected abstract ValueTask Run(); }
public class DerivedJob : JobBase { protected override ValueTask Run() => default; }
public class SharedJob : IJob { public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => default; }
public class NotAJob { public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => default; }

public static class Setup
{
    public static void Register(IServiceCollection services) => services.AddSingleton<SharedJob>();
}", Packages.Of(Packages.Quartz, Packages.Hosting));
            AssertEntry(harness, "NightlyJob.Execute", HandlerFramework.Quartz, HandlerLifetime.PerInvocation);
            Assert.NotNull(harness.Recognizer.GetEntryPoint(harness.Type("ExplicitJob").GetMembers()[0] as Microsoft.CodeAnalysis.IMethodSymbol));
            AssertEntry(harness, "JobBase.Execute", HandlerFramework.Quartz, HandlerLifetime.PerInvocation);
            Assert.Equal(HandlerFramework.Quartz, harness.Recognizer.GetHandlerType(harness.Type("DerivedJob"))?.Framework);
            AssertEntry(harness, "SharedJob.Execute", HandlerFramework.Quartz, HandlerLifetime.LongLived);
            Assert.Null(harness.EntryPoint("NotAJob.Execute"));
        }

        [Fact]
        public void Quartz3_SignatureFromItsOwnAssemblyShape()
        {
            // Quartz 3.x: Task Execute(IJobExecutionContext), compiled without the 4.x package.
            var harness = RecognitionHarness.Create(@"
using System.Threading.Tasks;
public class LegacyJob : Quartz.IJob { public Task Execute(Quartz.IJobExecutionContext context) => Task.CompletedTask; }
", Packages.Hosting, null, @"
namespace Quartz
{
    public interface IJobExecutionContext { }
    public interface IJob { System.Threading.Tasks.Task Execute(IJobExecutionContext context); }
}");
            AssertEntry(harness, "LegacyJob.Execute", HandlerFramework.Quartz, HandlerLifetime.PerInvocation);
        }

        [Fact]
        public void MassTransit_ConsumersJobConsumersAndStateMachines()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading.Tasks;
using MassTransit;

public class OrderSubmitted { }
public class OrderAccepted { }
public class ExportJob { }
public class OrderConsumer : IConsumer<OrderSubmitted>, IConsumer<OrderAccepted>
{
    public Task Consume(ConsumeContext<OrderSubmitted> context) => Task.CompletedTask;
    Task IConsumer<OrderAccepted>.Consume(ConsumeContext<OrderAccepted> context) => Task.CompletedTask;
}
public class ExportConsumer : IJobConsumer<ExportJob> { public Task Run(JobContext<ExportJob> context) => Task.CompletedTask; }
public class OrderState : SagaStateMachineInstance { public System.Guid CorrelationId { get; set; } public string CurrentState { get; set; } }
public class OrderStateMachine : MassTransitStateMachine<OrderState> { }
", Packages.MassTransit);
            AssertEntry(harness, "OrderConsumer.Consume", HandlerFramework.MassTransit, HandlerLifetime.PerInvocation);
            AssertEntry(harness, "ExportConsumer.Run", HandlerFramework.MassTransit, HandlerLifetime.PerInvocation);
            Assert.Equal((HandlerFramework.MassTransit, HandlerLifetime.LongLived), harness.Recognizer.GetHandlerType(harness.Type("OrderStateMachine")));
        }

        [Fact]
        public void Kafka_ConsumeLoopIsAWorkerLoop_ButMassTransitConsumeIsNot()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading;
using System.Threading.Tasks;
using Confluent.Kafka;

public class KafkaPump
{
    public void Run(IConsumer<string, string> consumer, CancellationToken token)
    {
        while (true)
        {
            var result = consumer.Consume(token);
            Probe.Here(""kafka"");
        }
    }
}

public class FakeConsumer { public string Consume(CancellationToken token) => null; }
public class NotKafka
{
    public void Run(FakeConsumer consumer, CancellationToken token)
    {
        while (true)
        {
            consumer.Consume(token);
            Probe.Here(""look-alike"");
        }
    }
}", Packages.Kafka);
            Assert.Equal(HandlerCodeKind.WorkerLoopBody, harness.Classify("kafka").Kind);
            Assert.Equal(HandlerCodeKind.None, harness.Classify("look-alike").Kind);
        }

        [Fact]
        public void Rebus_And_NServiceBus_AreTellApartByFullName()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading.Tasks;

public class Ping { }
public class RebusHandler : Rebus.Handlers.IHandleMessages<Ping> { public Task Handle(Ping message) => Task.CompletedTask; }
public class NsbHandler : NServiceBus.IHandleMessages<Ping> { public Task Handle(Ping message, NServiceBus.IMessageHandlerContext context) => Task.CompletedTask; }
[NServiceBus.Handler]
public class ConventionHandler { public Task Handle(Ping message, NServiceBus.IMessageHandlerContext context) => Task.CompletedTask; }
public class PlainHandler { public Task Handle(Ping message) => Task.CompletedTask; }
public class ActivatorSetup
{
    public void Configure(Rebus.Activation.BuiltinHandlerActivator activator)
    {
        activator.Handle<Ping>(async message => { Probe.Here(""inline""); await Task.Yield(); });
    }
}", Packages.Rebus, null, Stubs.NServiceBus);
            AssertEntry(harness, "RebusHandler.Handle", HandlerFramework.Rebus, HandlerLifetime.PerInvocation);
            AssertEntry(harness, "NsbHandler.Handle", HandlerFramework.NServiceBus, HandlerLifetime.PerInvocation);
            AssertEntry(harness, "ConventionHandler.Handle", HandlerFramework.NServiceBus, HandlerLifetime.PerInvocation);
            Assert.Null(harness.EntryPoint("PlainHandler.Handle"));
            Assert.Equal(HandlerCodeKind.EntryPointBody, harness.Classify("inline").Kind);
        }

        [Fact]
        public void MediatR_HandlersAndBehaviors_PerInvocation_UnlessSingleton()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.DependencyInjection;

public class Ping : IRequest<string> { }
public class Pinged : INotification { }
public class PingHandler : IRequestHandler<Ping, string> { public Task<string> Handle(Ping request, CancellationToken cancellationToken) => Task.FromResult(""pong""); }
public class PingedHandler : INotificationHandler<Pinged> { public Task Handle(Pinged notification, CancellationToken cancellationToken) => Task.CompletedTask; }
public class Logging<TRequest, TResponse> : IPipelineBehavior<TRequest, TResponse>
{
    public Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next) => next();
}
public class SharedHandler : INotificationHandler<Pinged> { public Task Handle(Pinged notification, CancellationToken cancellationToken) => Task.CompletedTask; }
public static class Setup { public static void Register(IServiceCollection services) => services.AddSingleton(typeof(SharedHandler)); }
", Packages.Of(Packages.MediatR, Packages.Hosting));
            AssertEntry(harness, "PingHandler.Handle", HandlerFramework.MediatR, HandlerLifetime.PerInvocation);
            AssertEntry(harness, "PingedHandler.Handle", HandlerFramework.MediatR, HandlerLifetime.PerInvocation);
            AssertEntry(harness, "Logging.Handle", HandlerFramework.MediatR, HandlerLifetime.PerInvocation);
            AssertEntry(harness, "SharedHandler.Handle", HandlerFramework.MediatR, HandlerLifetime.LongLived);
        }

        [Fact]
        public void Mediator_HandlersAreSingletonsByDefault()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading;
using System.Threading.Tasks;
using Mediator;

public sealed record Ping : IRequest<string>;
public sealed record Pinged : INotification;
public class PingHandler : IRequestHandler<Ping, string> { public ValueTask<string> Handle(Ping request, CancellationToken cancellationToken) => new ValueTask<string>(""pong""); }
public class PingedHandler : INotificationHandler<Pinged> { public ValueTask Handle(Pinged notification, CancellationToken cancellationToken) => default; }
", Packages.Mediator);
            AssertEntry(harness, "PingHandler.Handle", HandlerFramework.Mediator, HandlerLifetime.LongLived);
            AssertEntry(harness, "PingedHandler.Handle", HandlerFramework.Mediator, HandlerLifetime.LongLived);
        }

        [Fact]
        public void Mediator_ScopedByTheGeneratedOptionsAttribute()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading;
using System.Threading.Tasks;
using Mediator;

[assembly: Mediator.MediatorOptions(ServiceLifetime = Microsoft.Extensions.DependencyInjection.ServiceLifetime.Scoped)]

public sealed record Ping : IRequest<string>;
public class PingHandler : IRequestHandler<Ping, string> { public ValueTask<string> Handle(Ping request, CancellationToken cancellationToken) => new ValueTask<string>(""pong""); }
", Packages.Of(Packages.Mediator, Packages.Hosting), null, @"
namespace Mediator
{
    [System.AttributeUsage(System.AttributeTargets.Assembly)]
    public sealed class MediatorOptionsAttribute : System.Attribute
    {
        public Microsoft.Extensions.DependencyInjection.ServiceLifetime ServiceLifetime { get; set; } = Microsoft.Extensions.DependencyInjection.ServiceLifetime.Singleton;
    }
}");
            AssertEntry(harness, "PingHandler.Handle", HandlerFramework.Mediator, HandlerLifetime.PerInvocation);
        }

        [Fact]
        public void Wolverine_ConventionsOnlyWhenWolverineIsReferenced()
        {
            const string source = @"
using System.Threading.Tasks;
public class CreateOrder { }
public class CreateOrderHandler { public Task Handle(CreateOrder command) => Task.CompletedTask; public void Helper(CreateOrder command) { } }
internal class InternalHandler { public void Handle(CreateOrder command) { } }
public class OrderConsumer { public static void Consume(CreateOrder command) { } }
";
            var withWolverine = RecognitionHarness.Create(source, Packages.Wolverine);
            AssertEntry(withWolverine, "CreateOrderHandler.Handle", HandlerFramework.Wolverine, HandlerLifetime.PerInvocation);
            Assert.NotNull(withWolverine.EntryPoint("OrderConsumer.Consume"));
            Assert.Null(withWolverine.EntryPoint("CreateOrderHandler.Helper"));
            Assert.Null(withWolverine.EntryPoint("InternalHandler.Handle"));

            var withoutWolverine = RecognitionHarness.Create(source, Packages.Hosting);
            Assert.Null(withoutWolverine.EntryPoint("CreateOrderHandler.Handle"));
        }

        [Fact]
        public void Coravel_InvocablesListenersAndSchedulerLambdas()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading.Tasks;
using Coravel.Events.Interfaces;
using Coravel.Invocable;
using Coravel.Scheduling.Schedule.Interfaces;
using Microsoft.Extensions.DependencyInjection;

public class SendEmails : IInvocable { public Task Invoke() => Task.CompletedTask; }
public class Shared : IInvocable { public Task Invoke() => Task.CompletedTask; }
public class UserCreated : IEvent { }
public class OnUserCreated : IListener<UserCreated> { public Task HandleAsync(UserCreated broadcasted) => Task.CompletedTask; }
public static class Setup
{
    public static void Register(IServiceCollection services) => services.AddSingleton<Shared>();
    public static void Schedule(IScheduler scheduler) => scheduler.Schedule(() => Probe.Here(""scheduled"")).EveryMinute();
}", Packages.Of(Packages.Coravel, Packages.Hosting));
            AssertEntry(harness, "SendEmails.Invoke", HandlerFramework.Coravel, HandlerLifetime.PerInvocation);
            AssertEntry(harness, "Shared.Invoke", HandlerFramework.Coravel, HandlerLifetime.LongLived);
            AssertEntry(harness, "OnUserCreated.HandleAsync", HandlerFramework.Coravel, HandlerLifetime.PerInvocation);
            Assert.Equal(HandlerCodeKind.EntryPointBody, harness.Classify("scheduled").Kind);
        }

        [Fact]
        public void AzureFunctions_InProcessAndIsolated()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading.Tasks;

public static class InProcess
{
    [Microsoft.Azure.WebJobs.FunctionName(""Tick"")]
    public static Task Run(string input) => Task.CompletedTask;
    public static Task NotAFunction() => Task.CompletedTask;
}

public class Isolated
{
    [Microsoft.Azure.Functions.Worker.Function(""Tick"")]
    public Task Run([Microsoft.Azure.Functions.Worker.TimerTrigger(""0 * * * * *"")] object timer) => Task.CompletedTask;
}", Packages.WebJobs, null, Stubs.AzureFunctionsWorker);
            AssertEntry(harness, "InProcess.Run", HandlerFramework.AzureFunctions, HandlerLifetime.PerInvocation);
            AssertEntry(harness, "Isolated.Run", HandlerFramework.AzureFunctions, HandlerLifetime.PerInvocation);
            Assert.Null(harness.EntryPoint("InProcess.NotAFunction"));
        }

        [Fact]
        public void Cap_SubscribersByAttribute()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading.Tasks;
using DotNetCore.CAP;

public class OrderEvents : ICapSubscribe
{
    [CapSubscribe(""order.created"")]
    public Task OnCreated(string id) => Task.CompletedTask;
    public Task NotSubscribed(string id) => Task.CompletedTask;
}", Packages.Cap);
            AssertEntry(harness, "OrderEvents.OnCreated", HandlerFramework.Cap, HandlerLifetime.PerInvocation);
            Assert.Null(harness.EntryPoint("OrderEvents.NotSubscribed"));
        }

        [Fact]
        public void RabbitMQ_ConsumerOverridesAndReceivedLambdas()
        {
            var harness = RecognitionHarness.Create(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

public class OrdersConsumer : AsyncDefaultBasicConsumer
{
    public OrdersConsumer(IChannel channel) : base(channel) { }
    public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
        => Task.CompletedTask;
}

public static class Wiring
{
    public static void Attach(IChannel channel)
    {
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (sender, ea) => { Probe.Here(""received""); await Task.Yield(); };
    }
}", Packages.RabbitMQ);
            AssertEntry(harness, "OrdersConsumer.HandleBasicDeliverAsync", HandlerFramework.RabbitMQ, HandlerLifetime.LongLived);
            Assert.Equal(HandlerCodeKind.EntryPointBody, harness.Classify("received").Kind);
        }

        [Fact]
        public void Akka_ActorsAndReceiveLambdas()
        {
            var harness = RecognitionHarness.Create(@"
using Akka.Actor;

public class Counter : UntypedActor { protected override void OnReceive(object message) { } }
public class Greeter : ReceiveActor
{
    public Greeter() { Receive<string>(name => Probe.Here(""receive"")); }
}", Packages.Akka);
            AssertEntry(harness, "Counter.OnReceive", HandlerFramework.Akka, HandlerLifetime.LongLived);
            Assert.Equal((HandlerFramework.Akka, HandlerLifetime.LongLived), harness.Recognizer.GetHandlerType(harness.Type("Greeter")));
            Assert.Equal(HandlerCodeKind.EntryPointBody, harness.Classify("receive").Kind);
        }

        [Fact]
        public void Orleans_GrainInterfacesRemindersAndTimers()
        {
            var harness = RecognitionHarness.Create(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Orleans;
using Orleans.Runtime;

public interface ICounterGrain : IGrainWithStringKey { Task Increment(int by); }
public class CounterGrain : Grain, ICounterGrain, IRemindable
{
    public Task Increment(int by) => Task.CompletedTask;
    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(() => { Probe.Here(""timer""); return Task.CompletedTask; }, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        return Task.CompletedTask;
    }
    public void Helper() { }
}", Packages.Orleans);
            AssertEntry(harness, "CounterGrain.Increment", HandlerFramework.Orleans, HandlerLifetime.LongLived);
            AssertEntry(harness, "CounterGrain.ReceiveReminder", HandlerFramework.Orleans, HandlerLifetime.LongLived);
            AssertEntry(harness, "CounterGrain.OnActivateAsync", HandlerFramework.Orleans, HandlerLifetime.LongLived);
            Assert.Null(harness.EntryPoint("CounterGrain.Helper"));
            Assert.Equal(HandlerCodeKind.EntryPointBody, harness.Classify("timer").Kind);
        }

        [Fact]
        public void Timers_CallbacksAreEntryPoints()
        {
            var harness = RecognitionHarness.Create(@"
using System;
using System.Threading;

public class Heartbeats
{
    private Timer _timer;
    private System.Timers.Timer _elapsed;
    public void Start()
    {
        _timer = new Timer(_ => Probe.Here(""threading""), null, 0, 1000);
        _elapsed = new System.Timers.Timer(1000);
        _elapsed.Elapsed += (s, e) => Probe.Here(""elapsed"");
        var itimer = TimeProvider.System.CreateTimer(_ => Probe.Here(""provider""), null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Probe.Here(""start"");
    }
}", Packages.Hosting);
            Assert.Equal(HandlerCodeKind.EntryPointBody, harness.Classify("threading").Kind);
            Assert.Equal(HandlerCodeKind.EntryPointBody, harness.Classify("elapsed").Kind);
            Assert.Equal(HandlerCodeKind.EntryPointBody, harness.Classify("provider").Kind);
            Assert.Equal(HandlerCodeKind.None, harness.Classify("start").Kind);
        }

        [Fact]
        public void Options_CustomContractsLifetimesAndDisabledFrameworks()
        {
            const string source = @"
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace MyCo
{
    public interface IMessageHandler<T> { Task HandleAsync(T message, CancellationToken token); }
    public abstract class JobBase { public abstract Task RunAsync(); }
    [System.AttributeUsage(System.AttributeTargets.Method)] public sealed class RecurringAttribute : System.Attribute { }
    public class Msg { }
    public class MsgHandler : IMessageHandler<Msg> { public Task HandleAsync(Msg message, CancellationToken token) => Task.CompletedTask; }
    public class Cleanup : JobBase { public override Task RunAsync() => Task.CompletedTask; }
    public class Scheduled { [Recurring] public void Tick() { } public void Poll() { } }
    public class NightlyJob : IJob { public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => default; }
}";
            var configured = RecognitionHarness.Create(source, Packages.Quartz, @"
memory_retention.handler_types = MyCo.IMessageHandler`1; MyCo.JobBase
memory_retention.handler_attributes = MyCo.RecurringAttribute
memory_retention.handler_methods = M:MyCo.Scheduled.Poll
memory_retention.long_lived_types = MyCo.Cleanup
memory_retention.disabled_frameworks = quartz");
            AssertEntry(configured, "MsgHandler.HandleAsync", HandlerFramework.Custom, HandlerLifetime.PerInvocation);
            AssertEntry(configured, "Cleanup.RunAsync", HandlerFramework.Custom, HandlerLifetime.LongLived);
            AssertEntry(configured, "Scheduled.Tick", HandlerFramework.Custom, HandlerLifetime.PerInvocation);
            AssertEntry(configured, "Scheduled.Poll", HandlerFramework.Custom, HandlerLifetime.PerInvocation);
            Assert.Null(configured.EntryPoint("NightlyJob.Execute"));

            var plain = RecognitionHarness.Create(source, Packages.Quartz);
            Assert.Null(plain.EntryPoint("MsgHandler.HandleAsync"));
            Assert.NotNull(plain.EntryPoint("NightlyJob.Execute"));
        }

        [Fact]
        public void Options_PerInvocationOverrideBeatsTheDefault()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
public class Pump : BackgroundService { protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask; }
", Packages.Hosting, "memory_retention.per_invocation_types = Pump");
            Assert.Equal(HandlerLifetime.PerInvocation, harness.EntryPoint("Pump.ExecuteAsync")!.InstanceLifetime);
        }
    }
}
