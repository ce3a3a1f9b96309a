using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers
{
    public static partial class RuleIds
    {
        public const string EventSubscriptionNotRemoved = "MEM030";
        public const string TokenRegistrationNotDisposed = "MEM031";
        public const string LinkedTokenSourceNotDisposed = "MEM032";
        public const string TimerNotDisposed = "MEM033";
    }

    public static partial class Descriptors
    {
        public static readonly DiagnosticDescriptor MEM030_EventSubscriptionNotRemoved = Create(
            RuleIds.EventSubscriptionNotRemoved,
            title: "A subscription to a longer-lived publisher is never removed",
            messageFormat: "{0} to {1} is never removed{2}; the publisher keeps the handler and everything it captures alive",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "A subscription makes the publisher hold the subscriber. When the publisher lives for the process and each task subscribes, every task's objects stay alive forever.");

        public static readonly DiagnosticDescriptor MEM031_TokenRegistrationNotDisposed = Create(
            RuleIds.TokenRegistrationNotDisposed,
            title: "A registration on a process-lifetime cancellation token is never disposed",
            messageFormat: "The registration on {0} made {1} is never disposed; the token keeps the callback and everything it captures until the process stops",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "CancellationToken.Register on the host's stopping token (or another token that lives for the process) adds a callback that stays until the token is cancelled. Made per message or per loop iteration and never disposed, the registrations accumulate.");

        public static readonly DiagnosticDescriptor MEM032_LinkedTokenSourceNotDisposed = Create(
            RuleIds.LinkedTokenSourceNotDisposed,
            title: "A linked or timed CancellationTokenSource created per invocation is never disposed",
            messageFormat: "The CancellationTokenSource created {0} is never disposed: {1}",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "CreateLinkedTokenSource registers the new source on its parent tokens; a source with a timeout holds a timer. Until disposed, the parent token (often the host's stopping token) or the timer queue keeps the source and its callbacks alive.");

        public static readonly DiagnosticDescriptor MEM033_TimerNotDisposed = Create(
            RuleIds.TimerNotDisposed,
            title: "A timer created per invocation is never disposed",
            messageFormat: "The {0} created {1} is never disposed or stored; the runtime keeps the timer, its callback and everything the callback captures alive while it runs",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "A running timer is referenced by the runtime's timer queue. A timer created per message or per loop iteration and never disposed keeps firing and keeps its callback's captured state alive.");
    }
}
