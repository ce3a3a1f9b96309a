using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using MemoryRetention.Analyzers.Infrastructure;
using MemoryRetention.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace MemoryRetention.Robustness.Tests
{
    /// <summary>
    /// Reachability keeps each syntax tree's call-site index across compilations (the IDE makes a new compilation per
    /// edit and keeps the unchanged trees). These tests edit one document between compilations that share every other
    /// tree and check that the answers follow the edit — a method that becomes reachable is reported, one that stops
    /// being reachable is not — and that the unchanged trees were scanned once.
    /// </summary>
    public class EditLoopCacheTests
    {
        private static readonly ImmutableArray<DiagnosticAnalyzer> GrowingCollection = ImmutableArray.Create<DiagnosticAnalyzer>(new GrowingCollectionAnalyzer());

        private static string Job(string fields, string body) => @"using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
" + fields + @"
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        " + body + @"
        return default;
    }
}
";

        private const string Cache = @"using System.Collections.Generic;

public static class Cache
{
    private static readonly Dictionary<string, string> Map = new Dictionary<string, string>();
    public static void Remember(string key) => Map[key] = key;
}
";

        private static async Task<ImmutableArray<Diagnostic>> Mem001Async(Compilation compilation)
        {
            var diagnostics = await compilation.WithAnalyzers(GrowingCollection).GetAnalyzerDiagnosticsAsync();
            Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
            return diagnostics.Where(d => d.Id == "MEM001").ToImmutableArray();
        }

        private static SyntaxTree Parse(Compilation compilation, string path, string text)
            => CSharpSyntaxTree.ParseText(text, (CSharpParseOptions)compilation.SyntaxTrees.First().Options, path);

        private static SyntaxTree TreeAt(Compilation compilation, string path) => compilation.SyntaxTrees.Single(t => t.FilePath == path);

        [Fact]
        public async Task EditAddingAndRemovingTheCall_ChangesTheAnswer_WhileUnchangedTreesAreScannedOnce()
        {
            var before = Runner.Compile(new[] { ("Job.cs", Job(string.Empty, "var id = context.FireInstanceId;")), ("Cache.cs", Cache) });
            var cache = TreeAt(before, "Cache.cs");
            Assert.Empty(await Mem001Async(before));
            Assert.Equal(1, WorkCounters.Of(cache).CallSiteScans);

            // The edit: the job now calls the helper. Only Job.cs is a new tree.
            var calling = before.ReplaceSyntaxTree(TreeAt(before, "Job.cs"), Parse(before, "Job.cs", Job(string.Empty, "Cache.Remember(context.FireInstanceId);")));
            Assert.Same(cache, TreeAt(calling, "Cache.cs"));
            var reported = Assert.Single(await Mem001Async(calling));
            Assert.Equal("Cache.cs", reported.Location.SourceTree!.FilePath);
            Assert.Contains("ReportJob", reported.GetMessage());

            // And back: the call is gone, so is the finding.
            var removed = calling.ReplaceSyntaxTree(TreeAt(calling, "Job.cs"), Parse(calling, "Job.cs", Job(string.Empty, "var unrelated = context.FireInstanceId;")));
            Assert.Empty(await Mem001Async(removed));

            Assert.Equal(1, WorkCounters.Of(cache).CallSiteScans); // three compilations, one scan of the unchanged tree
        }

        [Fact]
        public async Task EditAddingImplementations_CutsTheInterfaceDispatch_AndRemovingThemRestoresIt()
        {
            const string service = @"using System.Collections.Generic;

public interface IService { void Run(string key); }

public sealed class Service : IService
{
    private static readonly List<string> Seen = new List<string>();
    public void Run(string key) => Seen.Add(key);
}
";
            var job = Job("    private readonly IService _service;\n    public ReportJob(IService service) => _service = service;", "_service.Run(context.FireInstanceId);");
            var one = Runner.Compile(new[] { ("Job.cs", job), ("Service.cs", service), ("Others.cs", "public static class Others { }") });
            Assert.Single(await Mem001Async(one)); // one implementation: the call through the interface reaches it

            // The edit adds more implementations than the dispatch cap in another file: the call is no longer followed.
            var many = string.Concat(Enumerable.Range(0, 9).Select(i => $"public sealed class Other{i} : IService {{ public void Run(string key) {{ }} }}\n"));
            var crowded = one.ReplaceSyntaxTree(TreeAt(one, "Others.cs"), Parse(one, "Others.cs", many));
            Assert.Empty(await Mem001Async(crowded));

            var back = crowded.ReplaceSyntaxTree(TreeAt(crowded, "Others.cs"), Parse(crowded, "Others.cs", "public static class Others { }"));
            Assert.Single(await Mem001Async(back));
            Assert.Equal(1, WorkCounters.Of(TreeAt(back, "Service.cs")).CallSiteScans);
        }

        [Fact]
        public async Task UnqualifiedCalls_AreMatchedToTheirOwnTypeOnly_ButFollowInheritanceAndStaticImports()
        {
            // Two types of the same name in different namespaces, each calling its own private helper without a
            // receiver: only the one a job calls is per unit of work. A derived job calls its base's helper, and a job
            // calls a helper it imports with `using static`: both are callers.
            const string twins = @"using System.Collections.Generic;

namespace Idle
{
    public sealed class Worker
    {
        private static readonly Dictionary<string, string> Names = new Dictionary<string, string>();
        private static void Remember(string key) => Names[key] = key;
        public static void Start(string key) => Remember(key);
    }
}

namespace Busy
{
    public sealed class Worker
    {
        private static readonly Dictionary<string, string> Names = new Dictionary<string, string>();
        private static void Remember(string key) => Names[key] = key;
        public static void Handle(string key) => Remember(key);
    }
}
";
            const string bases = @"using System.Collections.Generic;

namespace Library
{
    public abstract class JobBase
    {
        private static readonly List<string> Seen = new List<string>();
        protected static void Note(string key) => Seen.Add(key);
    }

    public static class Imported
    {
        private static readonly HashSet<string> Keys = new HashSet<string>();
        public static void Keep(string key) => Keys.Add(key);
    }
}
";
            const string jobs = @"using System.Threading;
using System.Threading.Tasks;
using Quartz;
using static Library.Imported;

namespace Jobs
{
    public sealed class BusyJob : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            Busy.Worker.Handle(context.FireInstanceId);
            return default;
        }
    }

    public sealed class DerivedJob : Library.JobBase, IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            Note(context.FireInstanceId);
            Keep(context.FireInstanceId);
            return default;
        }
    }
}
";
            var compilation = Runner.Compile(new[] { ("Twins.cs", twins), ("Bases.cs", bases), ("Jobs.cs", jobs) });
            var fields = (await Mem001Async(compilation))
                .Select(d => d.Location.SourceTree!.FilePath + ":" + d.Location.SourceTree.GetRoot().FindNode(d.Location.SourceSpan).AncestorsAndSelf().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.BaseNamespaceDeclarationSyntax>().First().Name)
                .OrderBy(s => s, System.StringComparer.Ordinal)
                .ToArray();
            Assert.Equal(new[] { "Bases.cs:Library", "Bases.cs:Library", "Twins.cs:Busy" }, fields);
        }
    }
}
