using System;
using System.Threading.Tasks;
using MemoryRetention.Analyzers.Rules;
using MemoryRetention.Analyzers.Tests.Verifiers;
using MemoryRetention.CodeFixes;

namespace MemoryRetention.Analyzers.Tests.Reachability
{
    /// <summary>The existing Verify helper for a rule chosen by id (the reachability tests run one shape over every rule).</summary>
    internal static class ReachVerify
    {
        public static Task DiagnosticsAsync(string rule, string source, string[] packages)
        {
            switch (rule)
            {
                case "MEM001":
                case "MEM002":
                    return Verify<GrowingCollectionAnalyzer, GrowingCollectionCodeFix>.DiagnosticsAsync(source, packages);
                case "MEM010":
                    return Verify<BufferAnalyzer, LargeObjectHeapAllocationCodeFix>.DiagnosticsAsync(source, packages);
                case "MEM011":
                    return Verify<BufferEscapeAnalyzer, BufferEscapeCodeFix>.DiagnosticsAsync(source, packages);
                case "MEM012":
                    return Verify<BufferAnalyzer, MemoryStreamPerInvocationCodeFix>.DiagnosticsAsync(source, packages);
                case "MEM013":
                    return Verify<BufferAnalyzer, PoolMisuseCodeFix>.DiagnosticsAsync(source, packages);
                case "MEM020":
                    return Verify<UndisposedHandlerDisposableAnalyzer, UndisposedHandlerDisposableCodeFix>.DiagnosticsAsync(source, packages);
                case "MEM030":
                    return Verify<EventSubscriptionAnalyzer, EventSubscriptionCodeFix>.DiagnosticsAsync(source, packages);
                case "MEM031":
                    return Verify<SubscriptionHandleAnalyzer, TokenRegistrationCodeFix>.DiagnosticsAsync(source, packages);
                case "MEM032":
                    return Verify<SubscriptionHandleAnalyzer, LinkedTokenSourceCodeFix>.DiagnosticsAsync(source, packages);
                case "MEM033":
                    return Verify<SubscriptionHandleAnalyzer, TimerCodeFix>.DiagnosticsAsync(source, packages);
                case "MEM051":
                    return Verify<UnboundedCacheEntryAnalyzer, UnboundedCacheEntryCodeFix>.DiagnosticsAsync(source, packages);
                default:
                    throw new ArgumentException("No verifier for " + rule, nameof(rule));
            }
        }
    }
}
