using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers
{
    public static partial class RuleIds
    {
        public const string StaticCollectionGrows = "MEM001";
        public const string HandlerCollectionGrows = "MEM002";
    }

    public static partial class Descriptors
    {
        public static readonly DiagnosticDescriptor MEM001_StaticCollectionGrows = Create(
            RuleIds.StaticCollectionGrows,
            title: "A static collection that task handlers add to never shrinks",
            messageFormat: "The static '{0}' ({1}) is added to {2} and nothing removes from it; it grows for the life of the process",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "A static field lives as long as the process. A collection in one that every message, job or loop iteration adds to, and that nothing removes from, clears or bounds, only grows.");

        public static readonly DiagnosticDescriptor MEM002_HandlerCollectionGrows = Create(
            RuleIds.HandlerCollectionGrows,
            title: "A collection of a long-lived handler or singleton only grows",
            messageFormat: "'{0}' ({1}) is added to {2} and nothing removes from it; the handler lives for the process, so it only grows",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "A hosted service, a singleton handler, an actor or a grain lives for the process, and so do its fields and the locals of its never-ending loop. A collection there that every unit of work adds to and nothing shrinks only grows.");
    }
}
