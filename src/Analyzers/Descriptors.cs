using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers
{
    /// <summary>The rule identifiers. One constant per rule; every descriptor is built from the catalog below.</summary>
    public static partial class RuleIds
    {
        public const string UndisposedHandlerDisposable = "MEM020";
    }

    /// <summary>The diagnostic categories the package uses (the standard .NET analyzer categories).</summary>
    public static class Categories
    {
        public const string Reliability = "Reliability";
        public const string Performance = "Performance";
        public const string Usage = "Usage";
        public const string Design = "Design";
    }

    /// <summary>
    /// The one catalog of descriptors. Rules never construct a <see cref="DiagnosticDescriptor"/> themselves.
    /// Families add their descriptors in partial files (<c>Descriptors.&lt;Family&gt;.cs</c>).
    /// </summary>
    public static partial class Descriptors
    {
        /// <summary>Where the rule pages live; <see cref="HelpLink"/> appends <c>MEM###.md</c>.</summary>
        public const string HelpLinkBase = "https://github.com/memory-retention/MemoryRetention.Analyzers/blob/main/docs/rules/";

        /// <summary>The help link of a rule: its page under <c>docs/rules/</c>.</summary>
        public static string HelpLink(string id) => HelpLinkBase + id + ".md";

        private static DiagnosticDescriptor Create(
            string id,
            string title,
            string messageFormat,
            string category,
            DiagnosticSeverity severity,
            string description,
            bool isEnabledByDefault = true,
            params string[] customTags)
            => new DiagnosticDescriptor(id, title, messageFormat, category, severity, isEnabledByDefault, description, HelpLink(id), customTags);

        public static readonly DiagnosticDescriptor MEM020_UndisposedHandlerDisposable = Create(
            RuleIds.UndisposedHandlerDisposable,
            title: "A disposable created by a task handler is never disposed",
            messageFormat: "{0} created {1} is {2}; each invocation keeps its resources until finalization",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "A task handler runs thousands of times in a long-lived worker. An IDisposable it creates and neither disposes, returns, nor hands to an owner keeps its handle, buffers and registrations alive until the finalizer runs, if ever.");
    }
}
