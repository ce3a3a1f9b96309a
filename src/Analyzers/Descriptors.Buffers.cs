using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers
{
    public static partial class RuleIds
    {
        public const string LargeObjectHeapAllocation = "MEM010";
        public const string BufferEscapes = "MEM011";
        public const string MemoryStreamPerInvocation = "MEM012";
        public const string PoolMisuse = "MEM013";
    }

    public static partial class Descriptors
    {
        public static readonly DiagnosticDescriptor MEM010_LargeObjectHeapAllocation = Create(
            RuleIds.LargeObjectHeapAllocation,
            title: "A large-object-heap buffer is allocated on every invocation",
            messageFormat: "'{0}' allocates {1} {2}; arrays of 85,000 bytes or more go to the large object heap, which is collected rarely and fragments",
            category: Categories.Performance,
            severity: DiagnosticSeverity.Warning,
            description: "Arrays of 85,000 bytes or more are allocated on the large object heap, collected only with gen 2 and not compacted by default. Allocated per message or per loop iteration, they drive gen-2 collections and fragment the heap; a pooled buffer is reused instead.");

        public static readonly DiagnosticDescriptor MEM011_BufferEscapes = Create(
            RuleIds.BufferEscapes,
            title: "A per-invocation buffer escapes into something long-lived",
            messageFormat: "{0} keeps the buffer '{1}' alive after the invocation ends: {2}",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "A buffer created for one message must die with it. Stored in a static or long-lived field, or captured by a delegate that a long-lived object keeps (a static event, a timer, a registration on the host's stopping token, a fire-and-forget task), it stays alive with that object — including through the compiler's shared closure, which all lambdas of one scope share.");

        public static readonly DiagnosticDescriptor MEM012_MemoryStreamPerInvocation = Create(
            RuleIds.MemoryStreamPerInvocation,
            title: "A MemoryStream per invocation where a pooled stream fits",
            messageFormat: "A new MemoryStream is created {0}; its buffer grows by doubling and is thrown away each time{1}",
            category: Categories.Performance,
            severity: DiagnosticSeverity.Info,
            description: "A MemoryStream grows its buffer by doubling and copying, and large buffers land on the large object heap. Per message, that is garbage proportional to the payload every time. RecyclableMemoryStream pools its blocks.");

        public static readonly DiagnosticDescriptor MEM013_PoolMisuse = Create(
            RuleIds.PoolMisuse,
            title: "A pool is used so that it stops pooling",
            messageFormat: "{0}",
            category: Categories.Reliability,
            severity: DiagnosticSeverity.Warning,
            description: "A rented array that is not returned on every path (a Return outside finally misses the exception path) is lost to the pool, which then allocates new arrays; an array of references returned without clearArray keeps its objects alive inside the pool; an IMemoryOwner not disposed never goes back; a RecyclableMemoryStreamManager created per invocation or without limits on its free pools pools nothing or keeps every buffer it ever grew.");
    }
}
