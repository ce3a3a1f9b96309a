using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers
{
    /// <summary>Library registries: per-message calls that make a library keep memory for the process (MEM064–MEM068).</summary>
    public static partial class RuleIds
    {
        public const string ServiceProviderPerUnitOfWork = "MEM064";
        public const string MeterOrActivitySourcePerUnitOfWork = "MEM065";
        public const string LoggerFactoryPerUnitOfWork = "MEM066";
        public const string ReloadingConfigurationPerUnitOfWork = "MEM067";
        public const string DbContextInternalServiceProvider = "MEM068";
    }

    public static partial class Descriptors
    {
        public static readonly DiagnosticDescriptor MEM064_ServiceProviderPerUnitOfWork = Create(
            RuleIds.ServiceProviderPerUnitOfWork,
            title: "A service provider built per unit of work is never disposed",
            messageFormat: "The service provider built {0} is never disposed; it keeps every singleton and every disposable it resolved (their timers, threads and registrations) until disposed",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "BuildServiceProvider creates a new container with its own singletons. The container owns every disposable it creates and releases them only when it is disposed. Built per message or per loop iteration and dropped, each container's services stay alive through whatever they registered (timers, threads, static meter lists, file watchers).");

        public static readonly DiagnosticDescriptor MEM065_MeterOrActivitySourcePerUnitOfWork = Create(
            RuleIds.MeterOrActivitySourcePerUnitOfWork,
            title: "A Meter or ActivitySource created per unit of work is never disposed",
            messageFormat: "The {0} created {1} is never disposed; the runtime keeps every {0} in a static list until it is disposed",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "Every Meter is added to a static list of all meters, and every ActivitySource to a static list of active sources; only Dispose removes them. Created per message, per loop iteration or per per-message object, they accumulate for the life of the process together with their instruments and listeners' state.");

        public static readonly DiagnosticDescriptor MEM066_LoggerFactoryPerUnitOfWork = Create(
            RuleIds.LoggerFactoryPerUnitOfWork,
            title: "A LoggerFactory created per unit of work is never disposed",
            messageFormat: "The logger factory created {0} is never disposed; its providers (processing threads, queues, event sources) stay alive for the process",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "LoggerFactory.Create builds a service provider and the logging providers it configures; the console provider starts a processing thread with a queue, the event-source provider registers with a process-wide event source. Only disposing the factory stops and releases them.");

        public static readonly DiagnosticDescriptor MEM067_ReloadingConfigurationPerUnitOfWork = Create(
            RuleIds.ReloadingConfigurationPerUnitOfWork,
            title: "A configuration file with reloadOnChange: true is added per unit of work",
            messageFormat: "'{0}' with reloadOnChange: true {1} starts a file watcher per build; each holds OS handles and native buffers until the configuration root is disposed or finalized",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Info,
            description: "With reloadOnChange: true, building the configuration starts a file system watcher and registers a change callback that references the configuration. A configuration built per message or per loop iteration adds a watcher each time; none is stopped unless the configuration root is disposed (older runtimes kept them for the process; current ones release them only at finalization).");

        public static readonly DiagnosticDescriptor MEM068_DbContextInternalServiceProvider = Create(
            RuleIds.DbContextInternalServiceProvider,
            title: "A DbContext configuration creates a new singleton object per context instance",
            messageFormat: "{0} creates a new {1} for every context instance; {2}",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "EF Core keys its process-wide cache of internal service providers on singleton objects a context is configured with (a memory cache, singleton interceptors). OnConfiguring runs for every context instance; creating such an object there builds a new internal service provider per instance, each kept by the cache (EF warns after twenty). A logger factory created there is never disposed, and a fresh internal service provider is rebuilt, with the model, for every context.");
    }
}
