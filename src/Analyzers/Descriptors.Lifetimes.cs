using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers
{
    public static partial class RuleIds
    {
        public const string CaptiveScopedService = "MEM040";
        public const string ScopeReusedAcrossIterations = "MEM041";
        public const string UnboundedQueue = "MEM050";
        public const string UnboundedCacheEntry = "MEM051";
    }

    public static partial class Descriptors
    {
        public static readonly DiagnosticDescriptor MEM040_CaptiveScopedService = Create(
            RuleIds.CaptiveScopedService,
            title: "A long-lived handler or singleton holds a scoped service",
            messageFormat: "{0}; it lives for the process, so {1}",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "A hosted service, a registered singleton (directly or through transient dependencies), a singleton handler or an actor lives for the process. A scoped service it keeps (a DbContext, an IServiceScope, a mediator resolving from the root) is never released, and its state — a change tracker's entities, a scope's disposables — grows with every unit of work. Resolve it from a scope per unit of work instead.");

        public static readonly DiagnosticDescriptor MEM041_ScopeReusedAcrossIterations = Create(
            RuleIds.ScopeReusedAcrossIterations,
            title: "A scope or DbContext created once is reused by every worker-loop iteration",
            messageFormat: "'{0}' ({1}) is created once before the worker loop and used in every iteration; what it tracks grows for the life of the loop",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "A DbContext tracks every entity it loads and an IServiceScope keeps every disposable service it resolves. Created before a worker loop and used inside it, they grow with every iteration. Create them per iteration.");

        public static readonly DiagnosticDescriptor MEM050_UnboundedQueue = Create(
            RuleIds.UnboundedQueue,
            title: "A work queue between producers and a worker has no bound",
            messageFormat: "{0} has no capacity; when producers outpace the worker, every queued item stays in memory",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Info,
            description: "An unbounded channel, BlockingCollection or dataflow block kept for the process turns a burst of work into permanent memory when the consumer falls behind. A bounded queue applies back-pressure to producers instead.");

        public static readonly DiagnosticDescriptor MEM051_UnboundedCacheEntry = Create(
            RuleIds.UnboundedCacheEntry,
            title: "A cache grows for the process: entries added per invocation never expire, or a cache created per instance is never disposed",
            messageFormat: "{0}",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "IMemoryCache keeps an entry until it expires, is evicted for size, or is removed. Entries a handler adds without an absolute or sliding expiration (or with CacheItemPriority.NeverRemove) stay for the process. A System.Runtime.Caching MemoryCache created per instance and never disposed is rooted by its own timers and handles, with all its entries.");
    }
}
