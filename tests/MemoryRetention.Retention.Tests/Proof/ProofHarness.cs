using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Retention.Tests.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace MemoryRetention.Retention.Tests.Proof
{
    /// <summary>
    /// Proves a fix action by running what it writes: analyze the flagged program with the package's analyzers, apply
    /// the package's fixer with Fix All (what <c>dotnet format</c> runs), compile both sources against the framework
    /// assemblies this test process runs on, load each into a collectible <see cref="AssemblyLoadContext"/>, drive the
    /// handler and measure what is retained.
    /// </summary>
    public static class ProofHarness
    {
        /// <summary>Every analyzer of the package, found by reflection (a rule added later is included without edits).</summary>
        public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = typeof(MemoryRetention.Analyzers.RuleIds).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

        /// <summary>Every code fix of the package.</summary>
        public static ImmutableArray<CodeFixProvider> Fixers { get; } = typeof(MemoryRetention.CodeFixes.UndisposedHandlerDisposableCodeFix).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t) && t.GetCustomAttribute<ExportCodeFixProviderAttribute>() is not null)
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
            .ToImmutableArray();

        private static readonly string[] NotReferenced = { "xunit", "Microsoft.CodeAnalysis", "MemoryRetention.", "testhost", "Microsoft.TestPlatform", "Microsoft.VisualStudio", "Humanizer", "System.Composition" };

        /// <summary>
        /// The assemblies this process runs on (the shared framework and every package the test project restores): the
        /// programs are compiled against exactly what they are then run with.
        /// </summary>
        public static ImmutableArray<MetadataReference> References { get; } = LoadReferences();

        private static ImmutableArray<MetadataReference> LoadReferences()
        {
            var paths = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Concat(Directory.GetFiles(AppContext.BaseDirectory, "*.dll"));
            var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var path in paths)
            {
                var name = Path.GetFileNameWithoutExtension(path);
                if (!NotReferenced.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)) && !byName.ContainsKey(name) && IsManaged(path))
                {
                    byName[name] = path;
                }
            }

            return byName.Values.OrderBy(p => p, StringComparer.Ordinal).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
        }

        private static bool IsManaged(string path)
        {
            try
            {
                AssemblyName.GetAssemblyName(path);
                return true;
            }
            catch (BadImageFormatException)
            {
                return false;
            }
        }

        private static readonly CSharpParseOptions ParseOptions = new CSharpParseOptions(LanguageVersion.Latest);

        private static readonly CSharpCompilationOptions CompilationOptions = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: NullableContextOptions.Enable)
            // As the .NET SDK does: binding redirects between package versions are the runtime's business.
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress });

        /// <summary>Programs/Shared/*.cs: drivers every program may use (never fixed; the package must report nothing in them).</summary>
        public static IReadOnlyList<(string Path, string Text)> SharedSources { get; } = Directory.Exists(Path.Combine(ProofProgram.Directory, "Shared"))
            ? Directory.GetFiles(Path.Combine(ProofProgram.Directory, "Shared"), "*.cs").OrderBy(p => p, StringComparer.Ordinal).Select(p => (p, File.ReadAllText(p))).ToList()
            : new List<(string, string)>();

        /// <summary>A one-document project holding <paramref name="source"/> (and the program's .editorconfig lines).</summary>
        public static Project CreateProject(AdhocWorkspace workspace, ProofProgram program, string source)
        {
            var project = workspace.AddProject(ProjectInfo.Create(
                ProjectId.CreateNewId(), VersionStamp.Default, program.Name, "Proof_" + program.Name.Replace('.', '_'), LanguageNames.CSharp,
                compilationOptions: CompilationOptions, parseOptions: ParseOptions, metadataReferences: References));
            var document = project.AddDocument(program.Name + ".cs", SourceText.From(source), filePath: "/proof/" + program.Name + ".cs");
            project = document.Project;
            foreach (var (path, text) in SharedSources)
            {
                project = project.AddDocument(Path.GetFileName(path), SourceText.From(text), filePath: "/proof/Shared/" + Path.GetFileName(path)).Project;
            }

            if (program.EditorConfig.Count > 0)
            {
                project = project.AddAnalyzerConfigDocument(".editorconfig", SourceText.From("root = true\n[*.cs]\n" + string.Join("\n", program.EditorConfig) + "\n"), filePath: "/proof/.editorconfig").Project;
            }

            if (!workspace.TryApplyChanges(project.Solution))
            {
                throw new InvalidOperationException("Could not set up the proof workspace.");
            }

            return workspace.CurrentSolution.GetProject(project.Id)!;
        }

        /// <summary>The package's diagnostics on the project (analyzer exceptions fail the proof).</summary>
        public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Project project)
        {
            var compilation = (await project.GetCompilationAsync().ConfigureAwait(false))!;
            var exceptions = new List<string>();
            var options = new CompilationWithAnalyzersOptions(
                project.AnalyzerOptions,
                (exception, analyzer, _) =>
                {
                    lock (exceptions)
                    {
                        exceptions.Add($"{analyzer.GetType().Name}: {exception}");
                    }
                },
                concurrentAnalysis: true,
                logAnalyzerExecutionTime: false);
            var diagnostics = await compilation.WithAnalyzers(Analyzers, options).GetAnalyzerDiagnosticsAsync(CancellationToken.None).ConfigureAwait(false);
            exceptions.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.ToString()));
            if (exceptions.Count > 0)
            {
                throw new InvalidOperationException("An analyzer threw:\n" + string.Join("\n", exceptions));
            }

            return diagnostics.Where(d => d.Severity != DiagnosticSeverity.Hidden).OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal).ToImmutableArray();
        }

        /// <summary>
        /// Applies the program's fix action with Fix All over the document, the way <c>dotnet format</c> does: the
        /// fixer's own Fix All provider, the action's equivalence key, every diagnostic of the rule. Returns the fixed source.
        /// </summary>
        public static async Task<string> FixAllAsync(Project project, ProofProgram program, ImmutableArray<Diagnostic> diagnostics)
        {
            var document = project.Documents.Single(d => d.Name == program.Name + ".cs");
            var ruleDiagnostics = diagnostics.Where(d => d.Id == program.Rule).ToList();
            if (ruleDiagnostics.Count == 0)
            {
                throw new InvalidOperationException($"{program.Name}: no {program.Rule} diagnostic to fix.");
            }

            var fixers = Fixers.Where(f => f.FixableDiagnosticIds.Contains(program.Rule)).ToList();
            if (fixers.Count == 0)
            {
                throw new InvalidOperationException($"{program.Name}: no code fix of the package fixes {program.Rule}.");
            }

            // The action must be offered where the IDE shows it: on the first diagnostic, under its equivalence key (and title).
            CodeFixProvider? chosen = null;
            var offered = new List<string>();
            foreach (var fixer in fixers)
            {
                var actions = new List<CodeAction>();
                await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, ruleDiagnostics[0], (action, _) => actions.Add(action), CancellationToken.None)).ConfigureAwait(false);
                offered.AddRange(actions.Select(a => $"'{a.Title}' [{a.EquivalenceKey}]"));
                if (actions.Any(a => a.EquivalenceKey == program.FixKey && (program.Title is null || a.Title == program.Title)))
                {
                    chosen = fixer;
                    break;
                }
            }

            if (chosen is null)
            {
                throw new InvalidOperationException($"{program.Name}: the fixers offer no action [{program.FixKey}]{(program.Title is null ? string.Empty : " titled '" + program.Title + "'")} on {ruleDiagnostics[0]}; offered: {string.Join(", ", offered)}");
            }

            var provider = chosen.GetFixAllProvider() ?? throw new InvalidOperationException($"{chosen.GetType().Name} has no Fix All.");
            var context = new FixAllContext(document, chosen, FixAllScope.Document, program.FixKey, new[] { program.Rule }, new ListDiagnosticProvider(ruleDiagnostics), CancellationToken.None);
            var fixAll = await provider.GetFixAsync(context).ConfigureAwait(false) ?? throw new InvalidOperationException($"{program.Name}: Fix All produced no action.");
            var operations = await fixAll.GetOperationsAsync(CancellationToken.None).ConfigureAwait(false);
            var solution = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
            foreach (var other in project.Documents.Where(d => d.Id != document.Id))
            {
                var before = await other.GetTextAsync().ConfigureAwait(false);
                var after = await solution.GetDocument(other.Id)!.GetTextAsync().ConfigureAwait(false);
                if (!before.ContentEquals(after))
                {
                    throw new InvalidOperationException($"{program.Name}: Fix All changed the shared driver {other.Name}.");
                }
            }

            var text = await solution.GetDocument(document.Id)!.GetTextAsync().ConfigureAwait(false);
            return text.ToString();
        }

        /// <summary>Compiler errors and warnings of <paramref name="project"/>'s compilation.</summary>
        public static async Task<ImmutableArray<Diagnostic>> CompilerProblemsAsync(Project project)
        {
            var compilation = (await project.GetCompilationAsync().ConfigureAwait(false))!;
            return compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed).ToImmutableArray();
        }

        /// <summary>Emits the project (Release) to an in-memory assembly.</summary>
        public static async Task<byte[]> EmitAsync(Project project)
        {
            var compilation = (await project.GetCompilationAsync().ConfigureAwait(false))!;
            using var stream = new MemoryStream();
            var result = compilation.Emit(stream);
            if (!result.Success)
            {
                throw new InvalidOperationException("Emit failed:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
            }

            return stream.ToArray();
        }

        /// <summary>
        /// Loads <paramref name="image"/> into its own collectible load context (framework and package assemblies resolve
        /// from the default context, so the program runs on the same framework code as a worker would), calls
        /// <c>Scenario.RunAsync(invocations, track, mark)</c> and measures between its <c>mark("start")</c> and
        /// <c>mark("end")</c> calls. The context is unloaded afterwards.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static Measurement Run(byte[] image, ProofProgram program)
        {
            var context = new ProofLoadContext(program.Name);
            try
            {
                var assembly = context.LoadFromStream(new MemoryStream(image));
                var scenario = assembly.GetTypes().FirstOrDefault(t => t.Name == "Scenario")
                    ?? throw new InvalidOperationException($"{program.Name}: no Scenario class.");
                var run = scenario.GetMethod("RunAsync", BindingFlags.Public | BindingFlags.Static)
                    ?? throw new InvalidOperationException($"{program.Name}: no public static Scenario.RunAsync(int, Action<object>, Func<string, Task>).");
                var probe = new Probe(pauseCollections: program.Measure is Measure.Handles or Measure.Timers);
                var task = (Task<string>)run.Invoke(null, new object[] { program.Invocations, (Action<object>)probe.Track, (Func<string, Task>)probe.MarkAsync })!;
                var result = task.GetAwaiter().GetResult();
                return probe.Finish(result);
            }
            finally
            {
                context.Unload();
            }
        }

        private sealed class ProofLoadContext : AssemblyLoadContext
        {
            public ProofLoadContext(string name)
                : base("Proof." + name, isCollectible: true)
            {
            }

            // Everything but the program itself resolves from the default context.
            protected override Assembly? Load(AssemblyName assemblyName) => null;
        }

        /// <summary>What the scenario's callbacks record.</summary>
        private sealed class Probe
        {
            private readonly List<WeakReference> _tracked = new List<WeakReference>();
            private readonly object _gate = new object();
            private (int Handles, long Timers, long Heap, long Allocated, int Assemblies)? _start;
            private const long NoGcBudget = 200L * 1024 * 1024;
            private readonly bool _pauseCollections;
            private bool _noGcRegion;
            private Measurement? _end;

            public Probe(bool pauseCollections) => _pauseCollections = pauseCollections;

            public void Track(object value)
            {
                lock (_gate)
                {
                    _tracked.Add(new WeakReference(value));
                }
            }

            public Task MarkAsync(string name)
            {
                if (name == "start")
                {
                    // The baseline settles the same way as the end mark (the lowest of three settled readings): start-up work
                    // still holding memory at the first reading would otherwise hide that much of the run's growth.
                    var startHeap = SettledHeap();
                    _start = (RetentionHarness.OpenHandleCount(), System.Threading.Timer.ActiveCount, startHeap, GC.GetTotalAllocatedBytes(precise: true), AppDomain.CurrentDomain.GetAssemblies().Length);
                    if (_pauseCollections)
                    {
                        // Handles and timers left to the finalizer close whenever a GC happens to run: count what the run
                        // leaves open before any collection, so the number does not depend on when the GC ran.
                        _noGcRegion = GC.TryStartNoGCRegion(NoGcBudget);
                    }
                }
                else if (name == "end")
                {
                    var start = _start ?? throw new InvalidOperationException("mark(\"end\") before mark(\"start\").");
                    var allocated = GC.GetTotalAllocatedBytes(precise: true) - start.Allocated;
                    var handles = RetentionHarness.OpenHandleCount() - start.Handles;
                    var timers = System.Threading.Timer.ActiveCount - start.Timers;
                    if (_noGcRegion)
                    {
                        if (System.Runtime.GCSettings.LatencyMode != System.Runtime.GCLatencyMode.NoGCRegion)
                        {
                            throw new InvalidOperationException($"The run allocated more than {NoGcBudget / 1024 / 1024} MB between its marks, so a GC ran and the handle/timer count is not reliable: lower the invocation count.");
                        }

                        GC.EndNoGCRegion();
                    }

                    // Background work of the host (tiered JIT, thread-pool and logging buffers) can hold a few hundred KB
                    // for a moment: take the lowest of three settled readings, so only memory that stays reachable counts.
                    var heap = SettledHeap() - start.Heap;

                    var assemblies = AppDomain.CurrentDomain.GetAssemblies().Length - start.Assemblies;
                    int tracked;
                    int alive;
                    lock (_gate)
                    {
                        tracked = _tracked.Count;
                        alive = _tracked.Count(r => r.IsAlive);
                    }

                    _end = new Measurement(tracked, alive, handles, timers, heap, allocated, assemblies, string.Empty);
                }
                else
                {
                    throw new ArgumentException("mark is \"start\" or \"end\".", nameof(name));
                }

                return Task.CompletedTask;
            }

            private static long SettledHeap()
            {
                var heap = long.MaxValue;
                for (var settle = 0; settle < 3; settle++)
                {
                    if (settle > 0)
                    {
                        System.Threading.Thread.Sleep(100);
                    }

                    RetentionHarness.ForceFullCollection();
                    heap = Math.Min(heap, GC.GetTotalMemory(false));
                }

                return heap;
            }

            public Measurement Finish(string result)
                => (_end ?? throw new InvalidOperationException("The scenario never called mark(\"end\").")).WithResult(result);
        }

        private sealed class ListDiagnosticProvider : FixAllContext.DiagnosticProvider
        {
            private readonly IReadOnlyList<Diagnostic> _diagnostics;

            public ListDiagnosticProvider(IReadOnlyList<Diagnostic> diagnostics) => _diagnostics = diagnostics;

            public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics);

            public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics);

            public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(Array.Empty<Diagnostic>());
        }
    }

    /// <summary>What one run of a program left behind at its <c>mark("end")</c>, and what it returned.</summary>
    public sealed record Measurement(int Tracked, int Alive, int Handles, long Timers, long HeapBytes, long AllocatedBytes, int Assemblies, string Result)
    {
        public Measurement WithResult(string result) => this with { Result = result };

        public long Of(Measure measure) => measure switch
        {
            Measure.Alive => Alive,
            Measure.Handles => Handles,
            Measure.Timers => Timers,
            Measure.Heap => HeapBytes,
            Measure.Allocated => AllocatedBytes,
            Measure.Assemblies => Assemblies,
            _ => throw new ArgumentOutOfRangeException(nameof(measure)),
        };

        public override string ToString()
            => $"{Alive:N0}/{Tracked:N0} tracked alive, handles +{Handles:N0}, timers +{Timers:N0}, heap +{HeapBytes / 1024.0 / 1024.0:N1} MB, allocated {AllocatedBytes / 1024.0 / 1024.0:N1} MB, assemblies +{Assemblies:N0}, result '{Result}'";
    }
}
