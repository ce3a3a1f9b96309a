using System.Collections.Immutable;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>An interface whose implemented members are entry points.</summary>
    internal sealed class InterfaceContract
    {
        public InterfaceContract(string metadataName, HandlerFramework framework, HandlerLifetime lifetime, params string[] members)
        {
            MetadataName = metadataName;
            Framework = framework;
            Lifetime = lifetime;
            Members = ImmutableArray.Create(members);
        }

        public string MetadataName { get; }
        public HandlerFramework Framework { get; }
        public HandlerLifetime Lifetime { get; }

        /// <summary>Member names that are entry points; empty means every method of the interface.</summary>
        public ImmutableArray<string> Members { get; }

        /// <summary>True for members the host calls once per process.</summary>
        public bool RunsOnce { get; set; }
    }

    /// <summary>A base class whose overridden members are entry points.</summary>
    internal sealed class BaseClassContract
    {
        public BaseClassContract(string metadataName, HandlerFramework framework, HandlerLifetime lifetime, params string[] members)
        {
            MetadataName = metadataName;
            Framework = framework;
            Lifetime = lifetime;
            Members = ImmutableArray.Create(members);
        }

        public string MetadataName { get; }
        public HandlerFramework Framework { get; }
        public HandlerLifetime Lifetime { get; }
        public ImmutableArray<string> Members { get; }

        /// <summary>Members (by name) that run once per process.</summary>
        public ImmutableArray<string> RunsOnceMembers { get; set; } = ImmutableArray<string>.Empty;
    }

    /// <summary>A method whose delegate argument is a handler (its lambda body runs per unit of work).</summary>
    internal sealed class RegistrationContract
    {
        public RegistrationContract(string containingType, HandlerFramework framework, params string[] methodNames)
        {
            ContainingType = containingType;
            Framework = framework;
            MethodNames = ImmutableArray.Create(methodNames);
        }

        public string ContainingType { get; }
        public HandlerFramework Framework { get; }

        /// <summary>Method names; ".ctor" for constructors; a trailing '*' matches a prefix.</summary>
        public ImmutableArray<string> MethodNames { get; }
    }

    /// <summary>
    /// The static catalog of handler contracts (see <c>../shared/handler-catalog.md</c>). Names are full metadata
    /// names; nothing here is matched by simple name except the documented <c>IBackgroundTaskQueue</c> sample.
    /// </summary>
    internal static class HandlerCatalog
    {
        public static readonly ImmutableArray<InterfaceContract> Interfaces = ImmutableArray.Create(
            new InterfaceContract("Microsoft.Extensions.Hosting.IHostedService", HandlerFramework.Hosting, HandlerLifetime.LongLived, "StartAsync", "StopAsync") { RunsOnce = true },
            new InterfaceContract("Microsoft.Extensions.Hosting.IHostedLifecycleService", HandlerFramework.Hosting, HandlerLifetime.LongLived, "StartingAsync", "StartedAsync", "StoppingAsync", "StoppedAsync") { RunsOnce = true },
            new InterfaceContract("Hangfire.Server.IBackgroundProcess", HandlerFramework.Hangfire, HandlerLifetime.LongLived, "Execute"),
            new InterfaceContract("Hangfire.Server.IBackgroundProcessAsync", HandlerFramework.Hangfire, HandlerLifetime.LongLived, "ExecuteAsync"),
            new InterfaceContract("Quartz.IJob", HandlerFramework.Quartz, HandlerLifetime.PerInvocation, "Execute"),
            new InterfaceContract("Quartz.IJobListener", HandlerFramework.Quartz, HandlerLifetime.LongLived),
            new InterfaceContract("Quartz.ITriggerListener", HandlerFramework.Quartz, HandlerLifetime.LongLived),
            new InterfaceContract("MassTransit.IConsumer`1", HandlerFramework.MassTransit, HandlerLifetime.PerInvocation, "Consume"),
            new InterfaceContract("MassTransit.IJobConsumer`1", HandlerFramework.MassTransit, HandlerLifetime.PerInvocation, "Run"),
            new InterfaceContract("MassTransit.IFilter`1", HandlerFramework.MassTransit, HandlerLifetime.PerInvocation, "Send"),
            new InterfaceContract("MassTransit.IStateMachineActivity`1", HandlerFramework.MassTransit, HandlerLifetime.PerInvocation, "Execute", "Faulted"),
            new InterfaceContract("MassTransit.IStateMachineActivity`2", HandlerFramework.MassTransit, HandlerLifetime.PerInvocation, "Execute", "Faulted"),
            new InterfaceContract("MassTransit.IExecuteActivity`1", HandlerFramework.MassTransit, HandlerLifetime.PerInvocation, "Execute"),
            new InterfaceContract("MassTransit.ICompensateActivity`1", HandlerFramework.MassTransit, HandlerLifetime.PerInvocation, "Compensate"),
            new InterfaceContract("NServiceBus.IHandleMessages`1", HandlerFramework.NServiceBus, HandlerLifetime.PerInvocation, "Handle"),
            new InterfaceContract("NServiceBus.IHandleTimeouts`1", HandlerFramework.NServiceBus, HandlerLifetime.PerInvocation, "Timeout"),
            new InterfaceContract("Rebus.Handlers.IHandleMessages`1", HandlerFramework.Rebus, HandlerLifetime.PerInvocation, "Handle"),
            new InterfaceContract("MediatR.IRequestHandler`2", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Handle"),
            new InterfaceContract("MediatR.IRequestHandler`1", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Handle"),
            new InterfaceContract("MediatR.INotificationHandler`1", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Handle"),
            new InterfaceContract("MediatR.IStreamRequestHandler`2", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Handle"),
            new InterfaceContract("MediatR.IPipelineBehavior`2", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Handle"),
            new InterfaceContract("MediatR.IStreamPipelineBehavior`2", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Handle"),
            new InterfaceContract("MediatR.Pipeline.IRequestPreProcessor`1", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Process"),
            new InterfaceContract("MediatR.Pipeline.IRequestPostProcessor`2", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Process"),
            new InterfaceContract("MediatR.Pipeline.IRequestExceptionHandler`3", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Handle"),
            new InterfaceContract("MediatR.Pipeline.IRequestExceptionAction`2", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Execute"),
            new InterfaceContract("Mediator.IRequestHandler`2", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new InterfaceContract("Mediator.ICommandHandler`2", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new InterfaceContract("Mediator.IQueryHandler`2", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new InterfaceContract("Mediator.INotificationHandler`1", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new InterfaceContract("Mediator.IStreamRequestHandler`2", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new InterfaceContract("Mediator.IStreamQueryHandler`2", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new InterfaceContract("Mediator.IStreamCommandHandler`2", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new InterfaceContract("Mediator.IPipelineBehavior`2", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new InterfaceContract("Mediator.IStreamPipelineBehavior`2", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new InterfaceContract("Wolverine.IWolverineHandler", HandlerFramework.Wolverine, HandlerLifetime.PerInvocation),
            new InterfaceContract("Coravel.Invocable.IInvocable", HandlerFramework.Coravel, HandlerLifetime.PerInvocation, "Invoke"),
            new InterfaceContract("Coravel.Events.Interfaces.IListener`1", HandlerFramework.Coravel, HandlerLifetime.PerInvocation, "HandleAsync"),
            new InterfaceContract("RabbitMQ.Client.IAsyncBasicConsumer", HandlerFramework.RabbitMQ, HandlerLifetime.LongLived, "HandleBasicDeliverAsync", "HandleBasicDeliver"),
            new InterfaceContract("RabbitMQ.Client.IBasicConsumer", HandlerFramework.RabbitMQ, HandlerLifetime.LongLived, "HandleBasicDeliver"),
            new InterfaceContract("Orleans.IRemindable", HandlerFramework.Orleans, HandlerLifetime.LongLived, "ReceiveReminder"),
            new InterfaceContract("Orleans.Streams.IAsyncObserver`1", HandlerFramework.Orleans, HandlerLifetime.LongLived, "OnNextAsync"));

        public static readonly ImmutableArray<BaseClassContract> BaseClasses = ImmutableArray.Create(
            new BaseClassContract("Microsoft.Extensions.Hosting.BackgroundService", HandlerFramework.Hosting, HandlerLifetime.LongLived, "ExecuteAsync", "StartAsync", "StopAsync")
            {
                RunsOnceMembers = ImmutableArray.Create("ExecuteAsync", "StartAsync", "StopAsync"),
            },
            new BaseClassContract("RabbitMQ.Client.AsyncDefaultBasicConsumer", HandlerFramework.RabbitMQ, HandlerLifetime.LongLived, "HandleBasicDeliverAsync", "HandleBasicDeliver"),
            new BaseClassContract("RabbitMQ.Client.DefaultBasicConsumer", HandlerFramework.RabbitMQ, HandlerLifetime.LongLived, "HandleBasicDeliver"),
            new BaseClassContract("Akka.Actor.UntypedActor", HandlerFramework.Akka, HandlerLifetime.LongLived, "OnReceive"),
            new BaseClassContract("Akka.Actor.ActorBase", HandlerFramework.Akka, HandlerLifetime.LongLived, "Receive"),
            new BaseClassContract("Akka.Persistence.UntypedPersistentActor", HandlerFramework.Akka, HandlerLifetime.LongLived, "OnCommand", "OnRecover"),
            new BaseClassContract("Orleans.Grain", HandlerFramework.Orleans, HandlerLifetime.LongLived, "OnActivateAsync", "OnDeactivateAsync"),
            new BaseClassContract("MassTransit.MassTransitStateMachine`1", HandlerFramework.MassTransit, HandlerLifetime.LongLived),
            new BaseClassContract("MediatR.AsyncRequestHandler`1", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Handle"),
            new BaseClassContract("MediatR.RequestHandler`1", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Handle"),
            new BaseClassContract("MediatR.RequestHandler`2", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Handle"),
            new BaseClassContract("MediatR.NotificationHandler`1", HandlerFramework.MediatR, HandlerLifetime.PerInvocation, "Handle"),
            new BaseClassContract("Mediator.MessagePreProcessor`2", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new BaseClassContract("Mediator.MessagePostProcessor`2", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new BaseClassContract("Mediator.MessageExceptionHandler`3", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new BaseClassContract("Mediator.MessageExceptionHandler`2", HandlerFramework.Mediator, HandlerLifetime.LongLived, "Handle"),
            new BaseClassContract("Wolverine.Runtime.Handlers.MessageHandler`1", HandlerFramework.Wolverine, HandlerLifetime.PerInvocation, "HandleAsync"),
            new BaseClassContract("Azure.Messaging.ServiceBus.ServiceBusProcessor", HandlerFramework.ServiceBus, HandlerLifetime.LongLived, "OnProcessMessageAsync"),
            new BaseClassContract("Azure.Messaging.ServiceBus.ServiceBusSessionProcessor", HandlerFramework.ServiceBus, HandlerLifetime.LongLived, "OnProcessSessionMessageAsync"));

        /// <summary>Classes that make a type a (long-lived or per-message) handler type even before its members are seen.</summary>
        public static readonly ImmutableArray<BaseClassContract> HandlerBaseTypes = ImmutableArray.Create(
            new BaseClassContract("Akka.Actor.ReceiveActor", HandlerFramework.Akka, HandlerLifetime.LongLived),
            new BaseClassContract("Akka.Persistence.ReceivePersistentActor", HandlerFramework.Akka, HandlerLifetime.LongLived),
            new BaseClassContract("NServiceBus.Saga`1", HandlerFramework.NServiceBus, HandlerLifetime.PerInvocation),
            new BaseClassContract("Rebus.Sagas.Saga`1", HandlerFramework.Rebus, HandlerLifetime.PerInvocation),
            new BaseClassContract("Wolverine.Saga", HandlerFramework.Wolverine, HandlerLifetime.PerInvocation));

        /// <summary>Calls whose delegate argument is a handler that runs per unit of work.</summary>
        public static readonly ImmutableArray<RegistrationContract> Registrations = ImmutableArray.Create(
            new RegistrationContract("Quartz.QuartzBuilderExtensions", HandlerFramework.Quartz, "AddJob", "ScheduleJob"),
            new RegistrationContract("MassTransit.ThenExtensions", HandlerFramework.MassTransit, "Then", "ThenAsync"),
            new RegistrationContract("Akka.Actor.ReceiveActor", HandlerFramework.Akka, "Receive*"),
            new RegistrationContract("Akka.Persistence.ReceivePersistentActor", HandlerFramework.Akka, "Command*", "Recover*"),
            new RegistrationContract("Rebus.Activation.BuiltinHandlerActivator", HandlerFramework.Rebus, "Handle"),
            new RegistrationContract("Coravel.Scheduling.Schedule.Interfaces.IScheduler", HandlerFramework.Coravel, "Schedule", "ScheduleAsync"),
            new RegistrationContract("Coravel.Queuing.Interfaces.IQueue", HandlerFramework.Coravel, "QueueTask", "QueueAsyncTask"),
            new RegistrationContract("Orleans.GrainBaseExtensions", HandlerFramework.Orleans, "RegisterGrainTimer"),
            new RegistrationContract("System.Threading.Timer", HandlerFramework.Timers, ".ctor"),
            new RegistrationContract("System.TimeProvider", HandlerFramework.Timers, "CreateTimer"));

        /// <summary>Events whose subscribed handler runs per message or tick.</summary>
        public static readonly ImmutableArray<RegistrationContract> Events = ImmutableArray.Create(
            new RegistrationContract("RabbitMQ.Client.Events.AsyncEventingBasicConsumer", HandlerFramework.RabbitMQ, "ReceivedAsync", "Received"),
            new RegistrationContract("RabbitMQ.Client.Events.EventingBasicConsumer", HandlerFramework.RabbitMQ, "Received"),
            new RegistrationContract("System.Timers.Timer", HandlerFramework.Timers, "Elapsed"),
            new RegistrationContract("Azure.Messaging.ServiceBus.ServiceBusProcessor", HandlerFramework.ServiceBus, "ProcessMessageAsync"),
            new RegistrationContract("Azure.Messaging.ServiceBus.ServiceBusSessionProcessor", HandlerFramework.ServiceBus, "ProcessMessageAsync"));

        /// <summary>Method attributes that mark an entry point (matched with their subclasses).</summary>
        public static readonly ImmutableArray<(string MetadataName, HandlerFramework Framework)> MethodAttributes = ImmutableArray.Create(
            ("Microsoft.Azure.WebJobs.FunctionNameAttribute", HandlerFramework.AzureFunctions),
            ("Microsoft.Azure.WebJobs.NoAutomaticTriggerAttribute", HandlerFramework.AzureFunctions),
            ("Microsoft.Azure.Functions.Worker.FunctionAttribute", HandlerFramework.AzureFunctions),
            ("DotNetCore.CAP.Internal.TopicAttribute", HandlerFramework.Cap),
            ("Wolverine.Attributes.WolverineHandlerAttribute", HandlerFramework.Wolverine));

        /// <summary>Hangfire types whose expression arguments name job methods.</summary>
        public static readonly ImmutableArray<string> HangfireJobClients = ImmutableArray.Create(
            "Hangfire.BackgroundJob",
            "Hangfire.BackgroundJobClientExtensions",
            "Hangfire.RecurringJob",
            "Hangfire.RecurringJobManagerExtensions",
            "Hangfire.Common.Job");

        /// <summary>
        /// Parameter types that only Hangfire passes to a job method: a public method taking one is a job even when no
        /// <c>BackgroundJob</c>/<c>RecurringJob</c> expression of the compilation names it (enqueued from another assembly).
        /// </summary>
        public static readonly ImmutableArray<string> HangfireJobParameterTypes = ImmutableArray.Create(
            "Hangfire.Server.PerformContext",
            "Hangfire.IJobCancellationToken");

        /// <summary>Wolverine's conventional handler method names (each also with an Async suffix).</summary>
        public static readonly ImmutableHashSet<string> WolverineMethodNames = ImmutableHashSet.Create(
            "Handle", "Handles", "Consume", "Consumes", "Orchestrate", "Orchestrates", "Start", "Starts",
            "StartOrHandle", "StartsOrHandles", "NotFound",
            "HandleAsync", "HandlesAsync", "ConsumeAsync", "ConsumesAsync", "OrchestrateAsync", "OrchestratesAsync",
            "StartAsync", "StartsAsync", "StartOrHandleAsync", "StartsOrHandlesAsync", "NotFoundAsync");

        /// <summary>The option id of a framework (used by <c>memory_retention.disabled_frameworks</c>).</summary>
        public static string OptionId(HandlerFramework framework) => framework.ToString().ToLowerInvariant();

        /// <summary>A readable framework label for messages.</summary>
        public static string Label(HandlerFramework framework)
        {
            switch (framework)
            {
                case HandlerFramework.Hosting: return "hosted service";
                case HandlerFramework.Hangfire: return "Hangfire job";
                case HandlerFramework.Quartz: return "Quartz job";
                case HandlerFramework.MassTransit: return "MassTransit consumer";
                case HandlerFramework.NServiceBus: return "NServiceBus handler";
                case HandlerFramework.Rebus: return "Rebus handler";
                case HandlerFramework.MediatR: return "MediatR handler";
                case HandlerFramework.Mediator: return "Mediator handler";
                case HandlerFramework.Wolverine: return "Wolverine handler";
                case HandlerFramework.Coravel: return "Coravel invocable";
                case HandlerFramework.AzureFunctions: return "Azure Function";
                case HandlerFramework.Cap: return "CAP subscriber";
                case HandlerFramework.RabbitMQ: return "RabbitMQ consumer";
                case HandlerFramework.Kafka: return "Kafka consume loop";
                case HandlerFramework.Akka: return "Akka actor";
                case HandlerFramework.Orleans: return "Orleans grain";
                case HandlerFramework.Timers: return "timer callback";
                case HandlerFramework.Channels: return "channel reader loop";
                case HandlerFramework.ServiceBus: return "Service Bus processor";
                default: return "task handler";
            }
        }
    }
}
