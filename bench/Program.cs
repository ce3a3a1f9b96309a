using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using MemoryRetention.Robustness.Tests;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MemoryRetention.Bench
{
    /// <summary>
    /// Runs our analyzers and the peers' dispose rules on the same compilation and reports the analyzer execution time
    /// from CompilationWithAnalyzers telemetry (median of several runs after a warm-up), diagnostics found, and the
    /// ratio to ours; beside the compilation's own parse/bind/emit time.
    ///
    ///   dotnet run -c Release --project bench -- [--sizes 200,1000,5000] [--reps 3] [--project path.csproj] [--out bench/results] [--only MemoryRetention]
    /// </summary>
    public static class Program
    {
        private static readonly string[] AllScenarios = { "fixed", "cold", "projects", "edit", "corpus" };

        public static async Task<int> Main(string[] args)
        {
            if (Arg(args, "--cold-child") is { } coldSet)
            {
                return await ColdStart.ChildAsync(coldSet);
            }

            if (Arg(args, "--write-tiny-worker") is { } tinyDirectory)
            {
                // bench/real-build.sh builds this same program with the SDK.
                File.WriteAllText(Path.Combine(tinyDirectory, "Program.cs"), Scenarios.TinyWorkerSource);
                return 0;
            }

            var sizes = Arg(args, "--sizes")?.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() ?? new[] { 200, 1000, 5000 };
            var reps = int.Parse(Arg(args, "--reps") ?? "3", CultureInfo.InvariantCulture);
            var projects = int.Parse(Arg(args, "--projects") ?? "30", CultureInfo.InvariantCulture);
            var projectFiles = int.Parse(Arg(args, "--project-files") ?? "20", CultureInfo.InvariantCulture);
            var editFiles = int.Parse(Arg(args, "--edit-files") ?? "1000", CultureInfo.InvariantCulture);
            var edits = int.Parse(Arg(args, "--edits") ?? "20", CultureInfo.InvariantCulture);
            var fixedReps = int.Parse(Arg(args, "--fixed-reps") ?? "15", CultureInfo.InvariantCulture);
            var scenarios = Arg(args, "--scenarios")?.Split(',') ?? AllScenarios;
            var project = Arg(args, "--project");
            var output = Arg(args, "--out") ?? Path.Combine(FrameworkReferences.RepositoryRoot, "bench", "results");
            Directory.CreateDirectory(output);

            var only = Arg(args, "--only");
            var sets = AnalyzerSets.Load().Where(s => only is null || s.Name.StartsWith(only, StringComparison.OrdinalIgnoreCase) || s.Name.StartsWith("Empty", StringComparison.Ordinal)).ToList();
            foreach (var set in sets)
            {
                Console.WriteLine($"{set.Name}: {set.Analyzers.Length} analyzers ({set.Note})");
            }

            var perInput = sets.Where(s => !s.FixedCostOnly).ToList();
            var results = new List<InputResult>();
            if (project is not null)
            {
                var loaded = await ProjectInput.LoadAsync(project);
                results.Add(await MeasureAsync(Path.GetFileName(project), new[] { (Func<Compilation>)(() => loaded.Clone()) }, perInput, reps));
            }
            else
            {
                if (scenarios.Contains("fixed"))
                {
                    // The fixed cost of a compilation: every repetition is a new compilation (shared metadata), as each build or edit is.
                    results.Add(await MeasureAsync("Tiny worker project (15 lines, Microsoft.Extensions.Hosting)", new Func<Compilation>[] { Scenarios.TinyWorker }, sets, fixedReps));
                    results.Add(await MeasureAsync("Empty class library", new Func<Compilation>[] { Scenarios.EmptyLibrary }, sets, fixedReps));
                }

                if (scenarios.Contains("cold"))
                {
                    results.Add(await ColdStart.MeasureAsync(sets, int.Parse(Arg(args, "--cold-reps") ?? "5", CultureInfo.InvariantCulture)));
                }

                if (scenarios.Contains("projects"))
                {
                    var makers = Enumerable.Range(0, projects).Select(p => (Func<Compilation>)(() => Scenarios.SmallProject(p, projectFiles))).ToList();
                    results.Add(await MeasureAsync($"{projects} small projects × {projectFiles} files (hosting), summed", makers, sets, reps));
                }

                if (scenarios.Contains("edit"))
                {
                    results.Add(await EditLoop.MeasureAsync(editFiles, edits, perInput));
                }

                if (scenarios.Contains("corpus"))
                {
                    foreach (var size in sizes)
                    {
                        var compilation = Corpus(size);
                        results.Add(await MeasureAsync($"{size} files", new Func<Compilation>[] { () => compilation.Clone() }, perInput, reps));
                    }
                }
            }

            var markdown = Report.Markdown(results, sets);
            Console.WriteLine();
            Console.WriteLine(markdown);
            File.WriteAllText(Path.Combine(output, "latest.md"), markdown);
            File.WriteAllText(Path.Combine(output, "latest.json"), JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"written: {Path.Combine(output, "latest.md")}, {Path.Combine(output, "latest.json")}");
            return results.All(r => r.Sets.All(s => s.MedianMilliseconds >= 0)) ? 0 : 1;
        }

        /// <summary>The generated worker corpus of <paramref name="size"/> files.</summary>
        public static Compilation Corpus(int size) => CSharpCompilation.Create(
            $"Corpus{size}",
            WorkerCorpus.Generate(size).Select(f => CSharpSyntaxTree.ParseText(f.Text, path: f.Path)),
            FrameworkReferences.With(WorkerCorpus.Packages),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        private static string? Arg(string[] args, string name)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        }

        /// <summary>
        /// One input (one or more compilations, summed): the compilation's own parse + bind + emit, then each set's
        /// analyzer time (telemetry) per repetition — a new compilation from each maker every time — median after a warm-up.
        /// </summary>
        public static async Task<InputResult> MeasureAsync(string name, IReadOnlyList<Func<Compilation>> makers, IReadOnlyList<AnalyzerSet> sets, int reps)
        {
            Console.WriteLine($"-- {name}");
            var input = new InputResult { Input = name };
            foreach (var make in makers)
            {
                var compilation = make();
                input.Files += compilation.SyntaxTrees.Count();

                // The compilation's own cost: parse (re-parse every tree), bind (declaration + method-body diagnostics), emit.
                var stopwatch = Stopwatch.StartNew();
                foreach (var tree in compilation.SyntaxTrees)
                {
                    CSharpSyntaxTree.ParseText(tree.GetText(), (CSharpParseOptions)tree.Options, tree.FilePath);
                }

                input.ParseMilliseconds += stopwatch.Elapsed.TotalMilliseconds;
                stopwatch.Restart();
                var fresh = compilation.Clone();
                fresh.GetDiagnostics();
                input.BindMilliseconds += stopwatch.Elapsed.TotalMilliseconds;
                stopwatch.Restart();
                using (var stream = new MemoryStream())
                {
                    fresh.Emit(stream);
                }

                input.EmitMilliseconds += stopwatch.Elapsed.TotalMilliseconds;
            }

            // Repetitions outer, sets inner: on a shared machine the load drifts, and interleaving the sets makes each
            // repetition compare them under the same load (the ratios are what the table is read for).
            var runs = sets.ToDictionary(s => s, _ => new List<RunTimes>());
            var diagnostics = sets.ToDictionary(s => s, _ => 0);
            for (var run = 0; run <= reps; run++)
            {
                foreach (var set in sets)
                {
                    var sum = new RunTimes();
                    var found = 0;
                    foreach (var make in makers)
                    {
                        // The compiler binds a compilation's references before (or while) the analyzers start — csc's declaration
                        // stage, the IDE's compilation tracker — so that work is the compilation's, for every set alike; without
                        // this, whichever analyzer first asks for a symbol would be charged for it.
                        var made = make();
                        var compilation = made.WithOptions(set.Configure(made.Options));
                        _ = compilation.Assembly;
                        var withAnalyzers = compilation.WithAnalyzers(set.Analyzers, Options());
                        var all = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
                        sum.Add(await RunTimes.ReadAsync(withAnalyzers, set));
                        found += all.Count(d => set.Counts(d.Id));
                    }

                    diagnostics[set] = found;
                    if (run > 0)
                    {
                        runs[set].Add(sum); // run 0 is the warm-up
                    }
                }
            }

            foreach (var set in sets)
            {
                var result = SetResult.From(set, runs[set], diagnostics[set]);
                input.Sets.Add(result);
                Console.WriteLine($"   {set.Name,-46} {result.MedianMilliseconds,10:F1} ms {diagnostics[set],8} diagnostics");
            }

            return input;
        }

        /// <summary>Analysis on one thread with execution-time telemetry.</summary>
        public static CompilationWithAnalyzersOptions Options() => new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: null,
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: true);
    }

    /// <summary>Execution time of one run, per analyzer type.</summary>
    public sealed class RunTimes
    {
        public Dictionary<string, double> PerAnalyzer { get; } = new Dictionary<string, double>(StringComparer.Ordinal);

        public double Total => PerAnalyzer.Values.Sum();

        public void Add(RunTimes other)
        {
            foreach (var pair in other.PerAnalyzer)
            {
                PerAnalyzer[pair.Key] = (PerAnalyzer.TryGetValue(pair.Key, out var t) ? t : 0) + pair.Value;
            }
        }

        public static async Task<RunTimes> ReadAsync(CompilationWithAnalyzers withAnalyzers, AnalyzerSet set)
        {
            var times = new RunTimes();
            foreach (var analyzer in set.Analyzers)
            {
                var name = analyzer.GetType().Name;
                var time = (await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, default)).ExecutionTime.TotalMilliseconds;
                times.PerAnalyzer[name] = (times.PerAnalyzer.TryGetValue(name, out var t) ? t : 0) + time;
            }

            return times;
        }
    }

    public sealed class InputResult
    {
        public string Input { get; set; } = string.Empty;
        public int Files { get; set; }
        public double ParseMilliseconds { get; set; }
        public double BindMilliseconds { get; set; }
        public double EmitMilliseconds { get; set; }

        /// <summary>What the compilation column measures when it is not the whole parse + bind + emit.</summary>
        public string? CompilationNote { get; set; }
        public List<SetResult> Sets { get; set; } = new List<SetResult>();
    }

    public sealed class SetResult
    {
        public string Set { get; set; } = string.Empty;
        public double MedianMilliseconds { get; set; }
        public int Diagnostics { get; set; }

        /// <summary>Our shared per-compilation setup (median), included in <see cref="MedianMilliseconds"/>; 0 for peers.</summary>
        public double SharedSetupMilliseconds { get; set; }

        /// <summary>Cold start only: methods JIT-compiled during the analysis (median), all and the set's own assemblies'.</summary>
        public double JitCompiledMethods { get; set; }

        public double OwnJitCompiledMethods { get; set; }

        /// <summary>Median execution time per analyzer type (ours only).</summary>
        public Dictionary<string, double> Analyzers { get; set; } = new Dictionary<string, double>();

        public static SetResult From(AnalyzerSet set, IReadOnlyList<RunTimes> runs, int diagnostics)
        {
            var result = new SetResult { Set = set.Name, MedianMilliseconds = Median(runs.Select(r => r.Total)), Diagnostics = diagnostics };
            if (set.IsOurs)
            {
                foreach (var name in runs.SelectMany(r => r.PerAnalyzer.Keys).Distinct().OrderBy(n => n, StringComparer.Ordinal))
                {
                    result.Analyzers[name] = Median(runs.Select(r => r.PerAnalyzer.TryGetValue(name, out var t) ? t : 0));
                }

                result.SharedSetupMilliseconds = result.Analyzers.TryGetValue(nameof(SharedSetupAnalyzer), out var shared) ? shared : 0;
            }

            return result;
        }

        public static double Median(IEnumerable<double> values)
        {
            var sorted = values.OrderBy(v => v).ToList();
            return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        }
    }

    /// <summary>A named group of analyzers measured together, with the compilation options that enable its rules.</summary>
    public sealed class AnalyzerSet
    {
        public AnalyzerSet(string name, string note, ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableHashSet<string>? ids, bool defaultSeverities = false, bool fixedCostOnly = false)
        {
            Name = name;
            Note = note;
            Analyzers = analyzers;
            Ids = ids;
            DefaultSeverities = defaultSeverities;
            FixedCostOnly = fixedCostOnly;
        }

        public bool IsOurs => Name.StartsWith("MemoryRetention", StringComparison.Ordinal);

        /// <summary>Rules at their own default severities (the SDK's default analysis level), not all enabled.</summary>
        public bool DefaultSeverities { get; }

        /// <summary>Measured only on the fixed-cost inputs (too many rules for the large ones).</summary>
        public bool FixedCostOnly { get; }

        public bool Counts(string id) => Ids is null || Ids.Contains(id);

        public string Name { get; }
        public string Note { get; }
        public ImmutableArray<DiagnosticAnalyzer> Analyzers { get; }

        /// <summary>The rule IDs that count; null = all the set reports.</summary>
        public ImmutableHashSet<string>? Ids { get; }

        /// <summary>Enables the set's rules as warnings (peers' rules are often off by default) and turns the rest of their rules off.</summary>
        public CompilationOptions Configure(CompilationOptions options)
        {
            if (DefaultSeverities)
            {
                // analysislevel_10_default.globalconfig: the descriptors' defaults, with CA1516 (released later) off.
                return options.WithSpecificDiagnosticOptions(ImmutableDictionary<string, ReportDiagnostic>.Empty.Add("CA1516", ReportDiagnostic.Suppress));
            }

            var specific = new Dictionary<string, ReportDiagnostic>();
            foreach (var descriptor in Analyzers.SelectMany(a => a.SupportedDiagnostics))
            {
                specific[descriptor.Id] = Ids is null || Ids.Contains(descriptor.Id) ? ReportDiagnostic.Warn : ReportDiagnostic.Suppress;
            }

            return options.WithSpecificDiagnosticOptions(specific);
        }
    }

    public static class AnalyzerSets
    {
        public static IReadOnlyList<AnalyzerSet> Load()
        {
            var root = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NuGetPackageRoot").Value!;
            var sets = new List<AnalyzerSet>
            {
                new AnalyzerSet("Empty analyzer (baseline)", "registers one no-op action", ImmutableArray.Create<DiagnosticAnalyzer>(new EmptyAnalyzer()), null),
                new AnalyzerSet(
                    "MemoryRetention.Analyzers (all rules)",
                    "this repository",
                    ImmutableArray.Create<DiagnosticAnalyzer>(new SharedSetupAnalyzer()).AddRange(
                        typeof(MemoryRetention.Analyzers.RuleIds).Assembly.GetTypes()
                            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
                            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)),
                    null),
            };

            Add(sets, "IDisposableAnalyzers 4.0.8 (all IDISP rules)", Path.Combine(root, "idisposableanalyzers", "4.0.8", "analyzers", "dotnet", "cs"), ids: null);
            var netAnalyzers = Path.Combine(root, "microsoft.codeanalysis.netanalyzers", "10.0.401", "analyzers", "dotnet", "cs");
            Add(sets, "NetAnalyzers 10.0.401 (CA2000, CA2213, CA1001)", netAnalyzers, ImmutableHashSet.Create("CA2000", "CA2213", "CA1001"));
            Add(sets, "NetAnalyzers 10.0.401 (the SDK's default set)", netAnalyzers, ids: null, defaultSeverities: true, fixedCostOnly: true);
            Add(sets, "SonarAnalyzer.CSharp 8.33 (S2930, S2931)", Path.Combine(root, "sonaranalyzer.csharp", "8.33.0.40503", "analyzers"), ImmutableHashSet.Create("S2930", "S2931"));
            return sets;
        }

        private static void Add(List<AnalyzerSet> sets, string name, string folder, ImmutableHashSet<string>? ids, bool defaultSeverities = false, bool fixedCostOnly = false)
        {
            if (!Directory.Exists(folder))
            {
                Console.WriteLine($"{name}: not found at {folder}; skipped");
                return;
            }

            var analyzers = new List<DiagnosticAnalyzer>();
            var loader = new Loader();

            // Dependencies of an analyzer assembly (Sonar's SonarAnalyzer.dll, Google.Protobuf) are next to it.
            AssemblyLoadContext.Default.Resolving += (context, assemblyName) =>
            {
                var candidate = Path.Combine(folder, assemblyName.Name + ".dll");
                return File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
            };
            foreach (var dll in Directory.GetFiles(folder, "*.dll"))
            {
                try
                {
                    var reference = new AnalyzerFileReference(dll, loader);
                    analyzers.AddRange(reference.GetAnalyzers(LanguageNames.CSharp));
                }
                catch (Exception exception) when (exception is BadImageFormatException or FileLoadException or ReflectionTypeLoadException or InvalidOperationException)
                {
                    Console.WriteLine($"{name}: {Path.GetFileName(dll)} does not load ({exception.GetType().Name})");
                }
            }

            var selected = ids is null
                ? analyzers
                : analyzers.Where(a => a.SupportedDiagnostics.Any(d => ids.Contains(d.Id))).ToList();
            if (selected.Count == 0)
            {
                Console.WriteLine($"{name}: no analyzer loaded; skipped");
                return;
            }

            sets.Add(new AnalyzerSet(name, $"{selected.Count} of {analyzers.Count} analyzers in the package", selected.ToImmutableArray(), ids, defaultSeverities, fixedCostOnly));
        }

        private sealed class Loader : IAnalyzerAssemblyLoader
        {
            public void AddDependencyLocation(string fullPath)
            {
            }

            public Assembly LoadFromPath(string fullPath) => AssemblyLoadContext.Default.LoadFromAssemblyPath(fullPath);
        }
    }

    /// <summary>
    /// Not a rule: placed first in our set, it builds the per-compilation services every rule shares (the referenced
    /// assemblies index, the task-handler recognizer with its catalog resolved, the disposable types), so that their
    /// cost is charged to its own line and not to whichever rule happens to ask first.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SharedSetupAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor("MEMBENCH", "Shared setup", "Shared setup", "Performance", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(c =>
            {
                MemoryRetention.Analyzers.Infrastructure.ReferencedAssemblies.Of(c.Compilation);
                MemoryRetention.Analyzers.Handlers.HandlerRecognizer.Create(c.Compilation, c.Options);
                MemoryRetention.Analyzers.Flow.DisposableTypes.Create(c.Compilation);
            });
        }
    }

    /// <summary>The baseline: the cost of merely hosting an analyzer.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class EmptyAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor("EMPTY001", "Empty", "Empty", "Performance", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSyntaxNodeAction(_ => { }, Microsoft.CodeAnalysis.CSharp.SyntaxKind.InvocationExpression);
        }
    }

    public static class Report
    {
        public static string Markdown(IReadOnlyList<InputResult> results, IReadOnlyList<AnalyzerSet> sets)
        {
            var b = new StringBuilder();
            b.AppendLine($"Analyzer execution time (median, ms; CompilationWithAnalyzers telemetry, one thread) — {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
            b.AppendLine();
            b.Append("| Input | Compilation (parse + bind + emit) |");
            foreach (var set in sets)
            {
                b.Append(' ').Append(set.Name).Append(" |");
            }

            b.AppendLine();
            b.Append("|---|---|").AppendLine(string.Concat(sets.Select(_ => "---|")));
            foreach (var result in results)
            {
                var ours = result.Sets.FirstOrDefault(s => s.Set.StartsWith("MemoryRetention", StringComparison.Ordinal));
                var oursTime = ours?.MedianMilliseconds ?? 0;
                var compile = result.ParseMilliseconds + result.BindMilliseconds + result.EmitMilliseconds;
                b.Append($"| {result.Input} | {compile:F0} ms{(result.CompilationNote is null ? string.Empty : " (" + result.CompilationNote + ")")} |");
                foreach (var set in sets)
                {
                    var s = result.Sets.FirstOrDefault(r => r.Set == set.Name);
                    if (s is null)
                    {
                        b.Append(" — |");
                        continue;
                    }

                    var notes = new List<string> { $"{s.Diagnostics} diag" };
                    if (s.JitCompiledMethods > 0)
                    {
                        notes[0] = $"{s.JitCompiledMethods:F0} methods JIT-compiled, {s.OwnJitCompiledMethods:F0} its own";
                    }

                    if (set.IsOurs)
                    {
                        notes.Add($"shared setup {Format(s.SharedSetupMilliseconds)} ms");
                        if (compile > 0)
                        {
                            notes.Add($"{100 * s.MedianMilliseconds / compile:F1}% of compilation");
                        }
                    }
                    else if (oursTime > 0)
                    {
                        notes.Add($"{s.MedianMilliseconds / oursTime:F1}× ours");
                    }

                    b.Append($" {Format(s.MedianMilliseconds)} ms ({string.Join(", ", notes)}) |");
                }

                b.AppendLine();
            }

            // Our analyzers one by one, to see which rule costs what and how each grows; the shared setup on its own line.
            var ourSets = results.Select(r => r.Sets.FirstOrDefault(s => s.Set.StartsWith("MemoryRetention", StringComparison.Ordinal))).ToList();
            var names = ourSets.Where(s => s is not null).SelectMany(s => s!.Analyzers.Keys).Distinct().ToList();
            if (names.Count > 0)
            {
                b.AppendLine();
                b.AppendLine("Our analyzers one by one (median, ms); the shared setup (referenced-assemblies index, task-handler recognizer, disposable types) on its own line:");
                b.AppendLine();
                b.Append("| Analyzer |").AppendLine(string.Concat(results.Select(r => $" {r.Input} |")));
                b.Append("|---|").AppendLine(string.Concat(results.Select(_ => "---|")));
                var last = ourSets.LastOrDefault(s => s is not null);
                foreach (var name in names.OrderBy(n => n == nameof(SharedSetupAnalyzer) ? 0 : 1).ThenByDescending(n => last?.Analyzers.TryGetValue(n, out var t) == true ? t : 0))
                {
                    b.Append($"| {(name == nameof(SharedSetupAnalyzer) ? "(shared setup)" : name)} |");
                    foreach (var s in ourSets)
                    {
                        b.Append(s is not null && s.Analyzers.TryGetValue(name, out var t) ? $" {Format(t)} |" : " — |");
                    }

                    b.AppendLine();
                }

                // Issue 13's rules (MEM060–MEM069) together, against the sum of our analyzers' medians.
                var family = sets.Where(set => set.IsOurs).SelectMany(set => set.Analyzers)
                    .Where(a => a.SupportedDiagnostics.Length > 0 && a.SupportedDiagnostics.All(d => d.Id.StartsWith("MEM06", StringComparison.Ordinal)))
                    .Select(a => a.GetType().Name).ToHashSet(StringComparer.Ordinal);
                if (family.Count > 0)
                {
                    b.Append($"| MEM060–MEM069 rules together ({family.Count} analyzers), share of ours |");
                    foreach (var s in ourSets)
                    {
                        var all = s?.Analyzers.Values.Sum() ?? 0;
                        var part = s?.Analyzers.Where(p => family.Contains(p.Key)).Sum(p => p.Value) ?? 0;
                        b.Append(all > 0 ? $" {Format(part)} ({100 * part / all:F1}%) |" : " — |");
                    }

                    b.AppendLine();
                }
            }

            // The targets (issue 17), computed from the table above, each with whether it is met.
            var lines = new List<string>();
            static string Met(bool met) => met ? "met" : "NOT met";
            foreach (var result in results)
            {
                var ours = result.Sets.FirstOrDefault(s => s.Set.StartsWith("MemoryRetention", StringComparison.Ordinal));
                var peer = result.Sets.FirstOrDefault(s => s.Set.StartsWith("IDisposableAnalyzers", StringComparison.Ordinal));
                var sdk = result.Sets.FirstOrDefault(s => s.Set.Contains("default set"));
                var compile = result.ParseMilliseconds + result.BindMilliseconds + result.EmitMilliseconds;
                if (ours is null)
                {
                    continue;
                }

                var parts = new List<string>();
                var fixedCost = result.Input.StartsWith("Tiny", StringComparison.Ordinal) || result.Input.StartsWith("Empty", StringComparison.Ordinal);
                var corpus = result.Input.EndsWith(" files", StringComparison.Ordinal) && !result.Input.StartsWith("Edit", StringComparison.Ordinal);
                if (fixedCost)
                {
                    if (sdk is not null && sdk.MedianMilliseconds > 0)
                    {
                        var ratio = ours.MedianMilliseconds / sdk.MedianMilliseconds;
                        parts.Add($"ours / NetAnalyzers' default set = {ratio:F2} (target ≤ 0.5: {Met(ratio <= 0.5)})");
                    }

                    parts.Add($"ours = {Format(ours.MedianMilliseconds)} ms (target < 50 ms: {Met(ours.MedianMilliseconds < 50)})");
                }
                else if (peer is not null && peer.MedianMilliseconds > 0)
                {
                    var ratio = ours.MedianMilliseconds / peer.MedianMilliseconds;
                    var limit = corpus ? 0.25 : 0.5;
                    parts.Add($"ours / IDisposableAnalyzers = {ratio:F2} (target ≤ {limit}: {Met(ratio <= limit)})");
                }

                if (compile > 0 && result.CompilationNote is null)
                {
                    var share = 100 * ours.MedianMilliseconds / compile;
                    parts.Add(corpus ? $"ours / compilation = {share:F1}% (target ≤ 3%: {Met(share <= 3)})" : $"ours / compilation = {share:F1}%");
                }

                if (parts.Count > 0)
                {
                    lines.Add($"- {result.Input}: {string.Join("; ", parts)}");
                }
            }

            var thousand = results.FirstOrDefault(r => r.Input == "1000 files")?.Sets.FirstOrDefault(s => s.Set.StartsWith("MemoryRetention", StringComparison.Ordinal));
            var fiveThousand = results.FirstOrDefault(r => r.Input == "5000 files")?.Sets.FirstOrDefault(s => s.Set.StartsWith("MemoryRetention", StringComparison.Ordinal));
            if (thousand is not null && fiveThousand is not null && thousand.MedianMilliseconds > 0)
            {
                var growth = fiveThousand.MedianMilliseconds / thousand.MedianMilliseconds;
                lines.Add($"- growth: 5,000-file time / 1,000-file time = {growth:F2} (target ≤ 5.5: {Met(growth <= 5.5)})");
            }

            if (lines.Count > 0)
            {
                b.AppendLine();
                b.AppendLine("Against the targets (issue 17: tiny project ≤ 0.5 of NetAnalyzers' default set and < 50 ms; many projects and the edit loop ≤ 0.5 of IDisposableAnalyzers; corpus ≤ 0.25 of it and ≤ 3% of the compilation; growth ≤ 5.5×):");
                b.AppendLine();
                foreach (var line in lines)
                {
                    b.AppendLine(line);
                }
            }

            return b.ToString();
        }

        private static string Format(double milliseconds) => milliseconds < 10 ? milliseconds.ToString("F1", CultureInfo.InvariantCulture) : milliseconds.ToString("F0", CultureInfo.InvariantCulture);
    }
}
