using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>The frameworks whose task handlers the package recognises. The lower-case name is the option id.</summary>
    public enum HandlerFramework
    {
        Custom,
        Hosting,
        Hangfire,
        Quartz,
        MassTransit,
        NServiceBus,
        Rebus,
        MediatR,
        Mediator,
        Wolverine,
        Coravel,
        AzureFunctions,
        Cap,
        RabbitMQ,
        Kafka,
        Akka,
        Orleans,
        Timers,
        Channels,
        ServiceBus,
    }

    /// <summary>How long a handler's instance (and so its instance fields) lives.</summary>
    public enum HandlerLifetime
    {
        /// <summary>A new instance per message, job or invocation.</summary>
        PerInvocation,

        /// <summary>One instance for the life of the process (or of a long-lived activation).</summary>
        LongLived,
    }

    /// <summary>A recognised task-handler entry point: a method, or a lambda passed to a registration call.</summary>
    public sealed class HandlerEntryPoint
    {
        public HandlerEntryPoint(HandlerFramework framework, HandlerLifetime instanceLifetime, bool runsOnce, string name)
        {
            Framework = framework;
            InstanceLifetime = instanceLifetime;
            RunsOnce = runsOnce;
            Name = name;
        }

        public HandlerFramework Framework { get; }

        /// <summary>The lifetime of the instance that owns the handler (its fields), or of the lambda's closure.</summary>
        public HandlerLifetime InstanceLifetime { get; }

        /// <summary>
        /// True for entry points the host calls once per process (<c>ExecuteAsync</c>, <c>StartAsync</c>, <c>StopAsync</c>):
        /// only their worker loops run per unit of work.
        /// </summary>
        public bool RunsOnce { get; }

        /// <summary>A short human-readable name used in messages, for example <c>Quartz job 'ReportJob.Execute'</c>.</summary>
        public string Name { get; }
    }

    /// <summary>Where a piece of code runs, as far as retention is concerned.</summary>
    public enum HandlerCodeKind
    {
        /// <summary>Not handler code.</summary>
        None,

        /// <summary>The body of an entry point that runs per invocation (or a lambda created in it).</summary>
        EntryPointBody,

        /// <summary>The per-iteration body of a worker loop.</summary>
        WorkerLoopBody,

        /// <summary>The part of a once-per-process entry point outside its worker loops (for example before the loop in <c>ExecuteAsync</c>).</summary>
        RunOnceBody,

        /// <summary>
        /// Code outside any handler that per-unit-of-work code reaches through calls (a helper, a service it calls, the
        /// constructor of an object it creates, a service registered as scoped or transient): see <see cref="HandlerCode.Reach"/>.
        /// </summary>
        ReachedPerUnitOfWork,
    }

    /// <summary>What <see cref="HandlerRecognizer.Classify"/> found for one operation.</summary>
    public readonly struct HandlerCode
    {
        public HandlerCode(HandlerCodeKind kind, HandlerEntryPoint? entryPoint, ILoopOperation? loop, ISymbol? containingMember)
            : this(kind, entryPoint, loop, containingMember, reach: null)
        {
        }

        public HandlerCode(HandlerCodeKind kind, HandlerEntryPoint? entryPoint, ILoopOperation? loop, ISymbol? containingMember, ReachPath? reach)
        {
            Kind = kind;
            EntryPoint = entryPoint;
            Loop = loop;
            ContainingMember = containingMember;
            Reach = reach;
        }

        public HandlerCodeKind Kind { get; }

        /// <summary>The enclosing entry point, if any.</summary>
        public HandlerEntryPoint? EntryPoint { get; }

        /// <summary>The innermost enclosing worker loop, for <see cref="HandlerCodeKind.WorkerLoopBody"/>.</summary>
        public ILoopOperation? Loop { get; }

        /// <summary>The method, local function or lambda symbol the operation's body belongs to.</summary>
        public ISymbol? ContainingMember { get; }

        /// <summary>For <see cref="HandlerCodeKind.ReachedPerUnitOfWork"/>: the calls from the per-unit-of-work code to this code.</summary>
        public ReachPath? Reach { get; }

        /// <summary>
        /// True when the code runs once per unit of work: a per-invocation entry point's body, a worker loop's body, or
        /// code that one of them reaches through calls.
        /// </summary>
        public bool RunsPerUnitOfWork => Kind == HandlerCodeKind.EntryPointBody || Kind == HandlerCodeKind.WorkerLoopBody || Kind == HandlerCodeKind.ReachedPerUnitOfWork;

        /// <summary>True when the code sits lexically in the unit of work's own body (an entry point's or a worker loop's), not in code it calls.</summary>
        public bool IsInUnitOfWorkBody => Kind == HandlerCodeKind.EntryPointBody || Kind == HandlerCodeKind.WorkerLoopBody;

        /// <summary>Words for a message: "in the Quartz job 'X.Execute'", "in a worker loop of 'X.ExecuteAsync'".</summary>
        public string Describe()
        {
            switch (Kind)
            {
                case HandlerCodeKind.EntryPointBody:
                    return "in " + (EntryPoint?.Name ?? "a task handler");
                case HandlerCodeKind.WorkerLoopBody:
                    return "in every iteration of a worker loop" + (EntryPoint is null ? string.Empty : " of " + EntryPoint.Name);
                case HandlerCodeKind.RunOnceBody:
                    return "in " + (EntryPoint?.Name ?? "a hosted service");
                case HandlerCodeKind.ReachedPerUnitOfWork:
                    return Reach?.Describe() ?? "in code that runs per unit of work";
                default:
                    return "in this method";
            }
        }
    }
}
