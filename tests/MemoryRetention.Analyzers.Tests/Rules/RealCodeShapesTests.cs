using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;
using VerifyCollections = MemoryRetention.Analyzers.Tests.Verifiers.Verify<
    MemoryRetention.Analyzers.Rules.GrowingCollectionAnalyzer,
    MemoryRetention.CodeFixes.GrowingCollectionCodeFix>;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>
    /// Shapes found on real code (docs/real-code.md) that a rule reported and a reviewer would not defend, each
    /// reduced to the smallest code that reproduces it, next to the look-alike that must still be reported.
    /// </summary>
    public class RealCodeShapesTests
    {
        // Quartz.NET, Quartz.Jobs DirectoryScanJobModel.GetListener: a static name -> Type lookup memo filled per job.
        // Its entries are bounded by the program's types (the same reason a Type-keyed cache is silent).
        [Fact]
        public Task MEM001_StaticNameToTypeMemo_FilledPerJob_IsSilent()
            => VerifyCollections.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public interface IListener { }

public sealed class ScanJob : IJob
{
    private static readonly ConcurrentDictionary<string, Type?> TypeCache = new();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var listener = Resolve(context.MergedJobDataMap.GetString(""listener"") ?? ""none"");
        return default;
    }

    private static Type? Resolve(string listenerName)
        => TypeCache.GetOrAdd(listenerName, name => AppDomain.CurrentDomain.GetAssemblies()
            .SelectMany(a => a.GetTypes())
            .FirstOrDefault(t => typeof(IListener).IsAssignableFrom(t) && t.Name == name));
}", Packages.Quartz);

        [Fact]
        public Task MEM001_StaticNameToPayloadCache_FilledPerJob_IsStillReported()
            => VerifyCollections.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ScanJob : IJob
{
    private static readonly ConcurrentDictionary<string, byte[]> Payloads = new();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        Remember(context.FireInstanceId);
        return default;
    }

    private static byte[] Remember(string id)
        => {|MEM001:Payloads.GetOrAdd(id, _ => new byte[1024])|};
}", Packages.Quartz);
    }
}
