using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Xunit.Abstractions;

namespace MemoryRetention.Robustness.Tests
{
    /// <summary>
    /// Shapes that blow up naive analyzers (huge methods, deep nesting, recursion, long initializers, partial types,
    /// generated code, new syntax, suppressions), concurrency determinism, the Fix All round trip, and cancellation.
    /// </summary>
    public class ShapeTests
    {
        private readonly ITestOutputHelper _output;

        public ShapeTests(ITestOutputHelper output) => _output = output;

        private const string JobHeader = @"
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class BigJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
";

        private static string LongMethod(int lines)
        {
            var b = new StringBuilder(JobHeader);
            for (var i = 0; i < lines; i++)
            {
                b.Append(i % 10 == 0 ? $"        var s{i} = new FileStream(\"f{i}\", FileMode.Open);\n" : $"        var v{i} = {i} + context.RefireCount;\n");
            }

            b.Append("        await Task.Yield();\n    }\n}\n");
            return b.ToString();
        }

        private async Task<(long Operations, long Bodies, int Diagnostics)> CountWorkAsync(string source)
        {
            var compilation = Runner.Compile(new[] { ("Test0.cs", source) });
            var result = await Runner.AnalyzeAsync(compilation);
            Assert.Empty(result.Exceptions);
            var counters = Analyzers.Infrastructure.WorkCounters.Of(compilation.SyntaxTrees.First(t => t.FilePath == "Test0.cs"));
            return (counters.OperationsVisited, counters.BodiesWalked, result.Diagnostics.Length);
        }

        [Fact]
        public async Task FiveThousandLineMethod_CostStaysLinear()
        {
            // Counted, not timed (timing is the benchmark's job): the shared walks of a method body visit each operation
            // a bounded number of times however many objects the method creates (500 file streams at 5,000 lines), so
            // doubling the method doubles the work. A per-allocation rescan of the body would quadruple it.
            var small = await CountWorkAsync(LongMethod(2_500));
            var large = await CountWorkAsync(LongMethod(5_000));
            _output.WriteLine($"2,500 lines: {small.Operations} operations visited in {small.Bodies} body walks, {small.Diagnostics} diagnostics; 5,000 lines: {large.Operations} in {large.Bodies}, {large.Diagnostics} diagnostics");

            Assert.True(small.Operations > 2_500, $"the body walks visited only {small.Operations} operations: the counter is not counting");
            Assert.Equal(small.Bodies, large.Bodies);
            Assert.True(large.Diagnostics >= 2 * small.Diagnostics - 2, "the long method's findings did not grow with it: the rules did not analyse it");
            Assert.InRange(large.Operations, 2 * small.Operations - 100, 2 * small.Operations + 100);
        }

        [Fact]
        public async Task DeepNesting_RecursionAndLongInitializers_DoNotCrash()
        {
            var nestedLambdas = new StringBuilder("Func<int> f = () => 0;\n        ");
            for (var i = 0; i < 200; i++)
            {
                nestedLambdas.Append("Func<Func<int>> g" + i + " = () => () => { var st" + i + " = new MemoryStream(); ");
            }

            nestedLambdas.Append("return 1;");
            for (var i = 0; i < 200; i++)
            {
                nestedLambdas.Append(" };");
            }

            var deepExpression = string.Concat(Enumerable.Repeat("(1 + ", 400)) + "1" + new string(')', 400);
            var initializer = "new List<int> { " + string.Join(", ", Enumerable.Range(0, 5_000)) + " }";
            var source = JobHeader + $@"
        {nestedLambdas}
        var deep = {deepExpression};
        var list = {initializer};
        Recurse(3); A(3);
        await Task.Yield();
    }}

    private int Recurse(int n) => n == 0 ? 0 : Recurse(n - 1);
    private int A(int n) => n == 0 ? 0 : B(n - 1);
    private int B(int n) => n == 0 ? 0 : A(n - 1);
}}
";
            var result = await Runner.AnalyzeAsync(Runner.Compile(new[] { ("Test0.cs", source) }));
            Assert.Empty(result.Exceptions);
        }

        [Fact]
        public async Task ModernSyntax_PartialTypes_GeneratedCode_AndSuppressions()
        {
            var files = new[]
            {
                ("Partial1.cs", @"
namespace Shapes;
public sealed partial class Worker : Microsoft.Extensions.Hosting.BackgroundService
{
    public static event System.EventHandler? Changed;
    protected override async System.Threading.Tasks.Task ExecuteAsync(System.Threading.CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Changed += OnChanged;
            int[] values = [1, 2, 3];
            await System.Threading.Tasks.Task.Delay(values.Length, stoppingToken);
        }
    }
}"),
                ("Partial2.cs", @"
namespace Shapes;
public sealed partial class Worker
{
    private void OnChanged(object? sender, System.EventArgs e) { }
    public override void Dispose() { Changed -= OnChanged; base.Dispose(); }
}"),
                ("Primary.cs", @"
namespace Shapes;
public sealed class Primary(System.IServiceProvider provider) : Microsoft.Extensions.Hosting.BackgroundService
{
    protected override System.Threading.Tasks.Task ExecuteAsync(System.Threading.CancellationToken stoppingToken) => System.Threading.Tasks.Task.CompletedTask;
}"),
                ("Generated.g.cs", @"// <auto-generated/>
public sealed class GeneratedJob : Quartz.IJob
{
    public System.Threading.Tasks.ValueTask Execute(Quartz.IJobExecutionContext context, System.Threading.CancellationToken cancellationToken)
    {
        var s = new System.IO.FileStream(""x"", System.IO.FileMode.Open);
        return default;
    }
}"),
                ("Suppressed.cs", @"
public sealed class SuppressedJob : Quartz.IJob
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage(""Reliability"", ""MEM020"")]
    public System.Threading.Tasks.ValueTask Execute(Quartz.IJobExecutionContext context, System.Threading.CancellationToken cancellationToken)
    {
#pragma warning disable MEM020
        var s = new System.IO.FileStream(""x"", System.IO.FileMode.Open);
#pragma warning restore MEM020
        return default;
    }
}"),
            };
            var result = await Runner.AnalyzeAsync(Runner.Compile(files));
            Assert.Empty(result.Exceptions);
            // Generated code is skipped; the partial type's unsubscribe in the other part is seen.
            Assert.DoesNotContain(result.Diagnostics, d => d.Location.SourceTree?.FilePath == "Generated.g.cs");
            Assert.DoesNotContain(result.Diagnostics, d => d.Id == "MEM030" && d.Location.SourceTree?.FilePath == "Partial1.cs");

            var topLevel = Runner.Compile(new[] { ("Program.cs", "var s = new System.IO.FileStream(\"x\", System.IO.FileMode.Open);\nSystem.Console.WriteLine(s.Length);\n") }, kind: OutputKind.ConsoleApplication);
            Assert.Empty((await Runner.AnalyzeAsync(topLevel)).Exceptions);
        }

        [Fact]
        public async Task ConcurrentAnalysis_IsDeterministic()
        {
            var compilation = Runner.Compile(WorkerCorpus.Generate(200));
            string? first = null;
            for (var i = 0; i < 5; i++)
            {
                var result = await Runner.AnalyzeAsync(compilation.Clone(), concurrent: true);
                Assert.Empty(result.Exceptions);
                var text = string.Join("\n", result.Diagnostics.Select(d => d.ToString()).OrderBy(s => s, StringComparer.Ordinal));
                first ??= text;
                Assert.Equal(first, text);
            }

            _output.WriteLine($"200 files: {first!.Split('\n').Length} diagnostics, identical in 5 concurrent runs");
        }

        [Fact]
        public async Task Cancellation_StopsPromptly()
        {
            var compilation = Runner.Compile(WorkerCorpus.Generate(1_000));
            using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

            // The analysis of 1,000 files outlasts 200 ms: it must end by cancellation, not run to completion.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Runner.AnalyzeAsync(compilation, cancellationToken: cancellation.Token));
        }

        [Fact]
        public async Task FixAll_RoundTrip_CompilesAndRemovesTheFixedDiagnostics()
        {
            var files = WorkerCorpus.Generate(20).ToList();
            var sample = Path.Combine(FrameworkReferences.RepositoryRoot, "samples");
            if (Directory.Exists(sample))
            {
                files.AddRange(Directory.GetFiles(sample, "*.cs", SearchOption.AllDirectories)
                    .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                        && !f.EndsWith("Program.cs", StringComparison.Ordinal))
                    .Select(f => ("Sample_" + Path.GetFileName(f), "using System; using System.IO; using System.Net.Http; using System.Threading; using System.Threading.Tasks; using System.Linq;\n" + File.ReadAllText(f))));
            }

            using var workspace = new AdhocWorkspace();
            var project = workspace.AddProject("RoundTrip", LanguageNames.CSharp)
                .WithMetadataReferences(Runner.References)
                .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            foreach (var (path, text) in files)
            {
                project = project.AddDocument(path, text).Project;
            }

            var before = (await project.GetCompilationAsync())!;
            var errorsBefore = before.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToList();
            var analysis = await Runner.AnalyzeAsync(before);
            Assert.Empty(analysis.Exceptions);

            var fixedIds = new HashSet<string>();
            var solution = project.Solution;
            foreach (var fixer in Runner.Fixers)
            {
                foreach (var id in fixer.FixableDiagnosticIds)
                {
                    var diagnostics = analysis.Diagnostics.Where(d => d.Id == id).ToList();
                    if (diagnostics.Count == 0)
                    {
                        continue;
                    }

                    var currentProject = solution.GetProject(project.Id)!;
                    var document = currentProject.Documents.First(d => d.FilePath == diagnostics[0].Location.SourceTree?.FilePath || d.Name == diagnostics[0].Location.SourceTree?.FilePath);
                    var currentCompilation = (await currentProject.GetCompilationAsync())!;
                    var currentDiagnostics = (await Runner.AnalyzeAsync(currentCompilation)).Diagnostics.Where(d => d.Id == id).ToList();
                    if (currentDiagnostics.Count == 0)
                    {
                        continue;
                    }

                    var provider = new ListDiagnosticProvider(currentDiagnostics);
                    var context = new FixAllContext(document, fixer, FixAllScope.Solution, null!, new[] { id }, provider, CancellationToken.None);
                    var action = await fixer.GetFixAllProvider()!.GetFixAsync(context);
                    if (action is null)
                    {
                        continue;
                    }

                    var operations = await action.GetOperationsAsync(CancellationToken.None);
                    var apply = operations.OfType<ApplyChangesOperation>().Single();
                    solution = apply.ChangedSolution;
                    fixedIds.Add(id);
                }
            }

            var after = (await solution.GetProject(project.Id)!.GetCompilationAsync())!;
            var errorsAfter = after.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errorsAfter.Count <= errorsBefore.Count, "Fix All introduced compiler errors:\n" + string.Join("\n", errorsAfter.Take(10)));

            var reanalysis = await Runner.AnalyzeAsync(after);
            Assert.Empty(reanalysis.Exceptions);
            _output.WriteLine($"{files.Count} files; fixed with Fix All: {string.Join(", ", fixedIds.OrderBy(i => i))}; diagnostics {analysis.Diagnostics.Length} → {reanalysis.Diagnostics.Length}");
            Assert.True(reanalysis.Diagnostics.Length < analysis.Diagnostics.Length, "Fix All fixed nothing");
        }

        private sealed class ListDiagnosticProvider : FixAllContext.DiagnosticProvider
        {
            private readonly IReadOnlyList<Diagnostic> _diagnostics;

            public ListDiagnosticProvider(IReadOnlyList<Diagnostic> diagnostics) => _diagnostics = diagnostics;

            public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics);

            public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
            {
                var tree = await document.GetSyntaxTreeAsync(cancellationToken);
                return _diagnostics.Where(d => d.Location.SourceTree?.FilePath == tree?.FilePath);
            }

            public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(Array.Empty<Diagnostic>());
        }
    }
}
