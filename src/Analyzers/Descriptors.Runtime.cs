using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers
{
    public static partial class RuleIds
    {
        public const string XmlSerializerPerUnitOfWork = "MEM060";
        public const string AssemblyLoadPerUnitOfWork = "MEM061";
        public const string NativeMemoryNotFreed = "MEM062";
        public const string StringInternOfData = "MEM063";
    }

    /// <summary>
    /// Runtime registries: per-message calls after which the runtime itself keeps memory for the process — generated
    /// serializer assemblies, assemblies loaded into the default load context, native memory and GC handles, the intern pool.
    /// </summary>
    public static partial class Descriptors
    {
        public static readonly DiagnosticDescriptor MEM060_XmlSerializerPerUnitOfWork = Create(
            RuleIds.XmlSerializerPerUnitOfWork,
            title: "An XmlSerializer whose assembly the runtime never caches is created per invocation",
            messageFormat: "{0} {1} generates and loads a new serialization assembly on every call, which is never unloaded; keep one serializer",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "Only the XmlSerializer(Type) and XmlSerializer(Type, string) constructors reuse the generated serialization assembly. Every other constructor, and XmlSerializer.FromTypes, emits a new dynamic assembly per call that stays loaded until the process ends.");

        public static readonly DiagnosticDescriptor MEM061_AssemblyLoadPerUnitOfWork = Create(
            RuleIds.AssemblyLoadPerUnitOfWork,
            title: "An assembly or script is loaded into the default load context per invocation",
            messageFormat: "{0} {1} loads an assembly into a load context that is never unloaded; {2} for the life of the process",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "Assembly.Load(byte[]) and C# script evaluation load a new assembly on every call into a load context that cannot be unloaded. Per message, the process keeps every one of them. Load into a collectible AssemblyLoadContext that is unloaded, or cache by content.");

        public static readonly DiagnosticDescriptor MEM062_NativeMemoryNotFreed = Create(
            RuleIds.NativeMemoryNotFreed,
            title: "Native memory or a GC handle allocated per invocation is not freed on every path",
            messageFormat: "{0} {1} is {2}; the memory is outside the GC and is never given back",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "GCHandle.Alloc, Marshal.AllocHGlobal, Marshal.AllocCoTaskMem and NativeMemory.Alloc hand out memory the garbage collector never frees (a GC handle also roots its target). Allocated per message and not freed in a finally block, each invocation that skips the free (or throws before it) leaks for the life of the process.");

        public static readonly DiagnosticDescriptor MEM063_StringInternOfData = Create(
            RuleIds.StringInternOfData,
            title: "string.Intern is called on per-message data",
            messageFormat: "string.Intern({0}) {1} adds the value to the runtime's intern pool, which is never trimmed; every distinct value stays for the life of the process",
            category: Categories.Performance,
            severity: DiagnosticSeverity.Info,
            description: "The intern pool keeps every string interned until the process ends. Interning values that come from messages, files or requests makes the pool grow with the number of distinct values seen. Remove the call, or use a bounded pool such as CommunityToolkit.HighPerformance's StringPool.");
    }
}
