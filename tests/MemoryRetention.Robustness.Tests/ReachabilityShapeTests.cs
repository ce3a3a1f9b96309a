using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using MemoryRetention.Analyzers.Handlers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Xunit;
using Xunit.Abstractions;

namespace MemoryRetention.Robustness.Tests
{
    /// <summary>
    /// Shapes that blow up a naive call-graph walk: recursive and mutually recursive services, 1,000 implementations
    /// of one interface, a 300-deep call chain. Cost is asserted by counting the reachability service's work (methods
    /// expanded, call sites bound), never by timing; every analyzer also runs over each shape without an exception.
    /// </summary>
    public class ReachabilityShapeTests
    {
        private readonly ITestOutputHelper _output;

        public ReachabilityShapeTests(ITestOutputHelper output) => _output = output;

        /// <summary>Asks the shared classification about every call and creation of a corpus, as the rules may.</summary>
        private static HandlerRecognizer ClassifyEveryCall(Compilation compilation)
        {
            var recognizer = HandlerRecognizer.Create(compilation, null);
            foreach (var tree in compilation.SyntaxTrees)
            {
                var model = compilation.GetSemanticModel(tree);
                foreach (var node in tree.GetRoot().DescendantNodes().Where(n => n is InvocationExpressionSyntax || n is BaseObjectCreationExpressionSyntax))
                {
                    if (model.GetOperation(node) is { } operation)
                    {
                        recognizer.Classify(operation);
                    }
                }
            }

            return recognizer;
        }

        [Fact]
        public void WorkerCorpus_ReachabilityWorkGrowsLinearly()
        {
            var small = ClassifyEveryCall(Runner.Compile(WorkerCorpus.Generate(50))).Reachability;
            var large = ClassifyEveryCall(Runner.Compile(WorkerCorpus.Generate(200))).Reachability;
            _output.WriteLine($"50 files: {small.MethodsVisited} methods expanded, {small.CallSitesBound} call sites bound, {small.BoundHits} bound hits");
            _output.WriteLine($"200 files: {large.MethodsVisited} methods expanded, {large.CallSitesBound} call sites bound, {large.BoundHits} bound hits");

            // Four times the code, at most about four times the work (a quadratic walk would be sixteen times).
            Assert.True(small.MethodsVisited > 0, "the corpus asks about code outside handler bodies");
            Assert.InRange(large.MethodsVisited, 1, (long)(4.5 * small.MethodsVisited));
            Assert.InRange(large.CallSitesBound, 0, (long)(4.5 * small.CallSitesBound) + 10);
        }

        /// <summary>
        /// Asks the shared classification about every call, creation and assignment of a compilation — the sites the
        /// collection rules (MEM001/002) and the disposal rules ask about — and returns each answer in source order.
        /// </summary>
        private static (Reachability Reachability, List<string> Answers) ClassifyEverySite(Compilation compilation, int questionsBeforeIndex = Reachability.DefaultQuestionsBeforeIndex)
        {
            var recognizer = HandlerRecognizer.Create(compilation, null);
            recognizer.Reachability.QuestionsBeforeIndex = questionsBeforeIndex;
            var answers = new List<string>();
            foreach (var tree in compilation.SyntaxTrees)
            {
                var model = compilation.GetSemanticModel(tree);
                foreach (var node in tree.GetRoot().DescendantNodes().Where(n => n is InvocationExpressionSyntax || n is BaseObjectCreationExpressionSyntax || n is AssignmentExpressionSyntax))
                {
                    if (model.GetOperation(node) is { } operation)
                    {
                        var code = recognizer.Classify(operation);
                        answers.Add(tree.FilePath + "@" + node.SpanStart + ": " + code.Kind + (code.RunsPerUnitOfWork ? " " + code.Describe() : string.Empty));
                    }
                }
            }

            return (recognizer.Reachability, answers);
        }

        [Fact]
        public void WorkerCorpus_CallerSearchLooksAtLinearlyManyTreesAndSites()
        {
            // Every fifth corpus file declares a 'Worker' (same simple name, its own namespace) whose private static
            // 'Remember' is called without a receiver, and every file a 'HelpersN' whose methods share names with calls
            // everywhere ('Sum'). A caller search that walks every tree per question, or checks every same-named site of
            // the compilation, looks at ~16x the trees and sites for 4x the files: 5,000 corpus files made
            // GrowingCollectionAnalyzer grow 8x for 5x the files. Counted, not timed.
            var small = ClassifyEverySite(Runner.Compile(WorkerCorpus.Generate(100)));
            var large = ClassifyEverySite(Runner.Compile(WorkerCorpus.Generate(400)));
            _output.WriteLine($"100 files: {small.Reachability.TreesVisited} trees visited, {small.Reachability.SitesExamined} sites examined, {small.Reachability.CallSitesBound} bound, {small.Reachability.MethodsVisited} methods");
            _output.WriteLine($"400 files: {large.Reachability.TreesVisited} trees visited, {large.Reachability.SitesExamined} sites examined, {large.Reachability.CallSitesBound} bound, {large.Reachability.MethodsVisited} methods");

            // The questions are asked and answered: each Worker's 'Remember' add is reached from its loop, in every copy.
            var reachedSmall = small.Answers.Count(a => a.Contains("'Worker.Remember'", System.StringComparison.Ordinal));
            var reachedLarge = large.Answers.Count(a => a.Contains("'Worker.Remember'", System.StringComparison.Ordinal));
            Assert.Equal(20, reachedSmall);
            Assert.Equal(4 * reachedSmall, reachedLarge);
            Assert.True(small.Reachability.TreesVisited > 100, "the caller search looked at fewer trees than the compilation has: the counter is not counting");
            Assert.True(small.Reachability.SitesExamined > 0, "no call site was examined: the counter is not counting");

            Assert.InRange(large.Reachability.TreesVisited, 1, (long)(4.5 * small.Reachability.TreesVisited));
            Assert.InRange(large.Reachability.SitesExamined, 1, (long)(4.5 * small.Reachability.SitesExamined));
        }

        [Fact]
        public void CallerSearch_IndexAnswersAsTheWalkDoes()
        {
            // The compilation-wide index (built after the first questions) must find the same callers as the walk over
            // every tree: same-named types in other namespaces, a nested type, a type deriving by name, a partial type
            // over two files, a static import, top-level statements, calls through an interface and a base class.
            var files = WorkerCorpus.Generate(30).ToList();
            files.Add(("Shapes.cs", @"
using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Shapes
{
    public interface IStore { void Save(string path); }
    public class Store : IStore { public void Save(string path) { var s = new FileStream(path, FileMode.Open); Track(path); } protected void Track(string p) { var t = new FileStream(p, FileMode.Open); } }
    public sealed class AuditStore : Store { public void Audit(string p) { Track(p); } }
    public abstract class Base { public virtual void Run(string p) { } protected void Go(string p) => Run(p); }
    public sealed class Derived : Base { public override void Run(string p) { var s = new FileStream(p, FileMode.Open); } }
    public sealed partial class Job : IJob
    {
        private readonly IStore _store;
        private readonly Base _base;
        public Job(IStore store, Base b) { _store = store; _base = b; }
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            _store.Save(context.FireInstanceId);
            Helper(context.FireInstanceId);
            new Nested().Inner(context.FireInstanceId);
            _base.Run(context.FireInstanceId);
            return default;
        }

        private sealed class Nested { public void Inner(string p) { var s = new FileStream(p, FileMode.Open); Helper(p); } }
    }
}
"));
            files.Add(("Shapes2.cs", @"
using System.IO;
namespace Shapes
{
    public sealed partial class Job
    {
        private static void Helper(string p) { var s = new FileStream(p, FileMode.Open); }
    }
}
namespace Other
{
    public sealed class Job { private static void Helper(string p) { var s = new FileStream(p, FileMode.Open); } public void Call() => Helper(""x""); }
}
"));
            files.Add(("Static.cs", @"
using static Shapes.Tools;
namespace Shapes
{
    public static class Tools { public static void Log(string p) { var s = new System.IO.FileStream(p, System.IO.FileMode.Open); } }
    public sealed class Logger : Quartz.IJob
    {
        public System.Threading.Tasks.ValueTask Execute(Quartz.IJobExecutionContext context, System.Threading.CancellationToken cancellationToken) { Log(""x""); return default; }
    }
}
"));
            var compilation = Runner.Compile(files);
            var walk = ClassifyEverySite(compilation, questionsBeforeIndex: int.MaxValue);
            var index = ClassifyEverySite(compilation.Clone(), questionsBeforeIndex: 0); // a new compilation: its own recognizer, same trees
            Assert.Equal(walk.Answers.Count, index.Answers.Count);
            for (var i = 0; i < walk.Answers.Count; i++)
            {
                Assert.Equal(walk.Answers[i], index.Answers[i]);
            }

            // The shapes are reached as the walk says, so the comparison is about real answers.
            Assert.Contains(walk.Answers, a => a.Contains("'Store.Save'", System.StringComparison.Ordinal));
            Assert.Contains(walk.Answers, a => a.Contains("'Job.Helper'", System.StringComparison.Ordinal));
            Assert.Contains(walk.Answers, a => a.Contains("'Tools.Log'", System.StringComparison.Ordinal));
            Assert.True(index.Reachability.TreesVisited < walk.Reachability.TreesVisited, $"the index looked at {index.Reachability.TreesVisited} trees, the walk {walk.Reachability.TreesVisited}");
        }

        private const string Header = @"using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    private readonly IService _service;
    public ReportJob(IService service) => _service = service;

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        CALL
        return default;
    }
}

public interface IService { void Run(string path); }
";

        /// <summary>Asks the shared classification about every FileStream creation, as the rules do, and returns the answers by containing method.</summary>
        private static (HandlerRecognizer Recognizer, Dictionary<string, HandlerCode> Codes) ClassifyAll(Compilation compilation)
        {
            var recognizer = HandlerRecognizer.Create(compilation, null);
            var codes = new Dictionary<string, HandlerCode>();
            foreach (var tree in compilation.SyntaxTrees)
            {
                var model = compilation.GetSemanticModel(tree);
                foreach (var creation in tree.GetRoot().DescendantNodes().OfType<ObjectCreationExpressionSyntax>().Where(c => c.Type.ToString() == "FileStream"))
                {
                    var operation = model.GetOperation(creation);
                    Assert.NotNull(operation);
                    var member = model.GetEnclosingSymbol(creation.SpanStart)!;
                    codes[member.ContainingType.Name + "." + member.Name] = recognizer.Classify(operation!);
                }
            }

            return (recognizer, codes);
        }

        private static async Task AssertAnalyzersRunCleanAsync(Compilation compilation)
        {
            var result = await Runner.AnalyzeAsync(compilation);
            Assert.Empty(result.Exceptions);
        }

        [Fact]
        public async Task ThreeHundredDeepCallChain_FollowsOnlyToTheDepthBound()
        {
            const int length = 300;
            var b = new StringBuilder(Header.Replace("CALL", "Chain.M1(context.FireInstanceId);"));
            b.Append("public static class Chain\n{\n");
            for (var i = 1; i <= length; i++)
            {
                b.Append($"    public static void M{i}(string path) {{ using var s = new FileStream(path, FileMode.Open); var t = new FileStream(path, FileMode.Open); {(i < length ? $"M{i + 1}(path);" : string.Empty)} }}\n");
            }

            b.Append("}\n");
            var compilation = Runner.Compile(new[] { ("Chain.cs", b.ToString()) });
            var (recognizer, codes) = ClassifyAll(compilation);

            // Reached up to MaxDepth calls from the job; beyond that the bound silences it.
            for (var i = 1; i <= length; i++)
            {
                var reached = codes["Chain.M" + i].Kind == HandlerCodeKind.ReachedPerUnitOfWork;
                Assert.True(reached == (i <= Reachability.MaxDepth), "M" + i + (reached ? " reached" : " not reached"));
            }

            Assert.Equal(Reachability.MaxDepth, codes["Chain.M" + Reachability.MaxDepth].Reach!.Calls);

            // Each method's question expands at most MaxDepth methods, and each method's callers are computed once:
            // the work is linear in the chain's length, not quadratic.
            Assert.InRange(recognizer.Reachability.MethodsVisited, length, Reachability.MaxDepth * length);
            Assert.InRange(recognizer.Reachability.CallSitesBound, length, length + 10);

            await AssertAnalyzersRunCleanAsync(compilation);
        }

        [Fact]
        public async Task ThousandImplementationsOfOneInterface_AreCutByTheDispatchCap()
        {
            const int count = 1000;
            var b = new StringBuilder(Header.Replace("CALL", "_service.Run(context.FireInstanceId);"));
            for (var i = 0; i < count; i++)
            {
                b.Append($"public sealed class Service{i} : IService {{ public void Run(string path) {{ var s = new FileStream(path, FileMode.Open); }} }}\n");
            }

            var compilation = Runner.Compile(new[] { ("Services.cs", b.ToString()) });
            var (recognizer, codes) = ClassifyAll(compilation);

            Assert.Equal(count, codes.Count);
            Assert.All(codes.Values, code => Assert.Equal(HandlerCodeKind.None, code.Kind));

            // One question per implementation, each stopping at the cap; the one call site named Run is bound once
            // for all of them (sites are bound once per compilation and grouped by the method they call).
            Assert.InRange(recognizer.Reachability.MethodsVisited, count, 2 * count);
            Assert.InRange(recognizer.Reachability.CallSitesBound, 1, 10);
            Assert.InRange(recognizer.Reachability.BoundHits, count, 2 * count);

            await AssertAnalyzersRunCleanAsync(compilation);
        }

        [Fact]
        public async Task FiveHundredMethodsSharingOneName_BindEachCallSiteOnce()
        {
            const int count = 500;
            var calls = string.Concat(Enumerable.Range(0, count).Select(i => $"H{i}.Handle(context.FireInstanceId); "));
            var b = new StringBuilder(Header.Replace("CALL", calls));
            for (var i = 0; i < count; i++)
            {
                b.Append($"public static class H{i} {{ public static void Handle(string path) {{ var s = new FileStream(path, FileMode.Open); }} }}\n");
            }

            var compilation = Runner.Compile(new[] { ("Handlers.cs", b.ToString()) });
            var (recognizer, codes) = ClassifyAll(compilation);

            Assert.Equal(count, codes.Count);
            Assert.All(codes.Values, code => Assert.Equal(HandlerCodeKind.ReachedPerUnitOfWork, code.Kind));

            // 500 questions about methods named Handle: the 500 sites named Handle are bound once, not once per question.
            Assert.InRange(recognizer.Reachability.CallSitesBound, count, count + 10);
            Assert.InRange(recognizer.Reachability.MethodsVisited, count, count);

            await AssertAnalyzersRunCleanAsync(compilation);
        }

        [Fact]
        public async Task RecursiveAndMutuallyRecursiveServices_TerminateAndStayPrecise()
        {
            var source = Header.Replace("CALL", "_service.Run(context.FireInstanceId); Loner.Spin(context.FireInstanceId, 0);") + @"
public sealed class Service : IService
{
    private readonly Ping _ping = new Ping();
    public void Run(string path) { Run(path); _ping.A(path, 3); }
}

public sealed class Ping
{
    public void A(string path, int n) { if (n > 0) B(path, n - 1); var s = new FileStream(path, FileMode.Open); }
    public void B(string path, int n) { A(path, n); var s = new FileStream(path, FileMode.Open); }
}

public static class Loner
{
    public static void Spin(string path, int n) { if (n > 0) Spin(path, n - 1); }
}

public static class Island
{
    // Recursion nothing per unit of work calls.
    public static void Self(string path, int n) { if (n > 0) Self(path, n - 1); var s = new FileStream(path, FileMode.Open); }
    public static void Left(string path, int n) { if (n > 0) Right(path, n - 1); var s = new FileStream(path, FileMode.Open); }
    public static void Right(string path, int n) { Left(path, n); }
}
";
            var compilation = Runner.Compile(new[] { ("Recursion.cs", source) });
            var (recognizer, codes) = ClassifyAll(compilation);

            Assert.Equal(HandlerCodeKind.ReachedPerUnitOfWork, codes["Ping.A"].Kind);
            Assert.Equal(HandlerCodeKind.ReachedPerUnitOfWork, codes["Ping.B"].Kind);
            Assert.Equal(HandlerCodeKind.None, codes["Island.Self"].Kind);
            Assert.Equal(HandlerCodeKind.None, codes["Island.Left"].Kind);
            Assert.Contains("via 'Service.Run'", codes["Ping.A"].Describe());

            // The visited set: every method is expanded at most once per question.
            Assert.InRange(recognizer.Reachability.MethodsVisited, 1, 4 * 8);

            await AssertAnalyzersRunCleanAsync(compilation);
        }
    }
}
