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
        public static async Task<int> Main(string[] args)
        {
            var sizes = Arg(args, "--sizes")?.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() ?? new[] { 200, 1000, 5000 };
            var reps = int.Parse(Arg(args, "--reps") ?? "3", CultureInfo.InvariantCulture);
            var project = Arg(args, "--project");
            var output = Arg(args, "--out") ?? Path.Combine(FrameworkReferences.RepositoryRoot, "bench", "results");
            Directory.CreateDirectory(output);

            var only = Arg(args, "--only");
            var sets = AnalyzerSets.Load().Where(s => only is null || s.Name.StartsWith(only, StringComparison.OrdinalIgnoreCase) || s.Name.StartsWith("Empty", StringComparison.Ordinal)).ToList();
            foreach (var set in sets)
            {
                Console.WriteLine($"{set.Name}: {set.Analyzers.Length} analyzers ({set.Note})");
            }

            var results = new List<InputResult>();
            if (project is not null)
            {
                results.Add(await MeasureAsync(Path.GetFileName(project), await ProjectInput.LoadAsync(project), sets, reps));
            }
            else
            {
                foreach (var size in sizes)
                {
                    var compilation = CSharpCompilation.Create(
                        $"Corpus{size}",
                        WorkerCorpus.Generate(size).Select(f => CSharpSyntaxTree.ParseText(f.Text, path: f.Path)),
                        FrameworkReferences.With(WorkerCorpus.Packages),
                        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
                    results.Add(await MeasureAsync($"{size} files", compilation, sets, reps));
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

        private static string? Arg(string[] args, string name)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        }

        private static async Task<InputResult> MeasureAsync(string name, Compilation compilation, IReadOnlyList<AnalyzerSet> sets, int reps)
        {
            Console.WriteLine($"-- {name}");
            var input = new InputResult { Input = name, Files = compilation.SyntaxTrees.Count() };

            // The compilation's own cost: parse (re-parse every tree), bind (declaration + method-body diagnostics), emit.
            var stopwatch = Stopwatch.StartNew();
            foreach (var tree in compilation.SyntaxTrees)
            {
                CSharpSyntaxTree.ParseText(tree.GetText(), (CSharpParseOptions)tree.Options, tree.FilePath);
            }

            input.ParseMilliseconds = stopwatch.Elapsed.TotalMilliseconds;
            stopwatch.Restart();
            var fresh = compilation.Clone();
            fresh.GetDiagnostics();
            input.BindMilliseconds = stopwatch.Elapsed.TotalMilliseconds;
            stopwatch.Restart();
            using (var stream = new MemoryStream())
            {
                fresh.Emit(stream);
            }

            input.EmitMilliseconds = stopwatch.Elapsed.TotalMilliseconds;

            foreach (var set in sets)
            {
                var times = new List<double>();
                var perAnalyzer = new Dictionary<string, List<double>>();
                var diagnostics = 0;
                for (var run = 0; run <= reps; run++)
                {
                    var options = new CompilationWithAnalyzersOptions(
                        new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                        onAnalyzerException: null,
                        concurrentAnalysis: false,
                        logAnalyzerExecutionTime: true);
                    var withAnalyzers = compilation.Clone().WithOptions(set.Configure(compilation.Options)).WithAnalyzers(set.Analyzers, options);
                    var found = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
                    var total = TimeSpan.Zero;
                    var runTimes = new List<(string Name, double Milliseconds)>();
                    foreach (var analyzer in set.Analyzers)
                    {
                        var time = (await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, default)).ExecutionTime;
                        total += time;
                        runTimes.Add((analyzer.GetType().Name, time.TotalMilliseconds));
                    }

                    if (run > 0)
                    {
                        times.Add(total.TotalMilliseconds); // run 0 is the warm-up
                        foreach (var (analyzerName, milliseconds) in runTimes)
                        {
                            if (!perAnalyzer.TryGetValue(analyzerName, out var list))
                            {
                                perAnalyzer[analyzerName] = list = new List<double>();
                            }

                            list.Add(milliseconds);
                        }
                    }

                    diagnostics = found.Count(d => set.Ids is null || set.Ids.Contains(d.Id));
                }

                times.Sort();
                var median = times.Count == 0 ? 0 : times[times.Count / 2];
                var result = new SetResult { Set = set.Name, MedianMilliseconds = median, Diagnostics = diagnostics };
                if (set.Name.StartsWith("MemoryRetention", StringComparison.Ordinal))
                {
                    foreach (var pair in perAnalyzer.OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        pair.Value.Sort();
                        result.Analyzers[pair.Key] = pair.Value.Count == 0 ? 0 : pair.Value[pair.Value.Count / 2];
                    }
                }

                input.Sets.Add(result);
                Console.WriteLine($"   {set.Name,-40} {median,10:F0} ms {diagnostics,8} diagnostics");
            }

            return input;
        }
    }

    public sealed class InputResult
    {
        public string Input { get; set; } = string.Empty;
        public int Files { get; set; }
        public double ParseMilliseconds { get; set; }
        public double BindMilliseconds { get; set; }
        public double EmitMilliseconds { get; set; }
        public List<SetResult> Sets { get; set; } = new List<SetResult>();
    }

    public sealed class SetResult
    {
        public string Set { get; set; } = string.Empty;
        public double MedianMilliseconds { get; set; }
        public int Diagnostics { get; set; }

        /// <summary>Median execution time per analyzer type (ours only).</summary>
        public Dictionary<string, double> Analyzers { get; set; } = new Dictionary<string, double>();
    }

    /// <summary>A named group of analyzers measured together, with the compilation options that enable its rules.</summary>
    public sealed class AnalyzerSet
    {
        public AnalyzerSet(string name, string note, ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableHashSet<string>? ids)
        {
            Name = name;
            Note = note;
            Analyzers = analyzers;
            Ids = ids;
        }

        public string Name { get; }
        public string Note { get; }
        public ImmutableArray<DiagnosticAnalyzer> Analyzers { get; }

        /// <summary>The rule IDs that count; null = all the set reports.</summary>
        public ImmutableHashSet<string>? Ids { get; }

        /// <summary>Enables the set's rules as warnings (peers' rules are often off by default) and turns the rest of their rules off.</summary>
        public CompilationOptions Configure(CompilationOptions options)
        {
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
                    typeof(MemoryRetention.Analyzers.RuleIds).Assembly.GetTypes()
                        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
                        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
                        .ToImmutableArray(),
                    null),
            };

            Add(sets, "IDisposableAnalyzers 4.0.8 (all IDISP rules)", Path.Combine(root, "idisposableanalyzers", "4.0.8", "analyzers", "dotnet", "cs"), ids: null);
            Add(sets, "NetAnalyzers 10.0.401 (CA2000, CA2213, CA1001)", Path.Combine(root, "microsoft.codeanalysis.netanalyzers", "10.0.401", "analyzers", "dotnet", "cs"), ImmutableHashSet.Create("CA2000", "CA2213", "CA1001"));
            Add(sets, "SonarAnalyzer.CSharp 8.33 (S2930, S2931)", Path.Combine(root, "sonaranalyzer.csharp", "8.33.0.40503", "analyzers"), ImmutableHashSet.Create("S2930", "S2931"));
            return sets;
        }

        private static void Add(List<AnalyzerSet> sets, string name, string folder, ImmutableHashSet<string>? ids)
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

            sets.Add(new AnalyzerSet(name, $"{selected.Count} of {analyzers.Count} analyzers in the package", selected.ToImmutableArray(), ids));
        }

        private sealed class Loader : IAnalyzerAssemblyLoader
        {
            public void AddDependencyLocation(string fullPath)
            {
            }

            public Assembly LoadFromPath(string fullPath) => AssemblyLoadContext.Default.LoadFromAssemblyPath(fullPath);
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
                var ours = result.Sets.FirstOrDefault(s => s.Set.StartsWith("MemoryRetention", StringComparison.Ordinal))?.MedianMilliseconds ?? 0;
                var compile = result.ParseMilliseconds + result.BindMilliseconds + result.EmitMilliseconds;
                b.Append($"| {result.Input} | {compile:F0} ms |");
                foreach (var set in sets)
                {
                    var s = result.Sets.FirstOrDefault(r => r.Set == set.Name);
                    if (s is null)
                    {
                        b.Append(" — |");
                        continue;
                    }

                    var ratio = ours > 0 && !set.Name.StartsWith("MemoryRetention", StringComparison.Ordinal) ? $", {s.MedianMilliseconds / ours:F1}× ours" : string.Empty;
                    var share = set.Name.StartsWith("MemoryRetention", StringComparison.Ordinal) && compile > 0 ? $", {100 * s.MedianMilliseconds / compile:F1}% of compilation" : string.Empty;
                    b.Append($" {s.MedianMilliseconds:F0} ms ({s.Diagnostics} diag{ratio}{share}) |");
                }

                b.AppendLine();
            }

            // Our analyzers one by one, to see which rule costs what and how each grows.
            var ourSets = results.Select(r => r.Sets.FirstOrDefault(s => s.Set.StartsWith("MemoryRetention", StringComparison.Ordinal))).ToList();
            var names = ourSets.Where(s => s is not null).SelectMany(s => s!.Analyzers.Keys).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
            if (names.Count > 0)
            {
                b.AppendLine();
                b.AppendLine("Our analyzers one by one (median, ms):");
                b.AppendLine();
                b.Append("| Analyzer |").AppendLine(string.Concat(results.Select(r => $" {r.Input} |")));
                b.Append("|---|").AppendLine(string.Concat(results.Select(_ => "---|")));
                foreach (var name in names.OrderByDescending(n => ourSets.LastOrDefault(s => s is not null)?.Analyzers.TryGetValue(n, out var t) == true ? t : 0))
                {
                    b.Append($"| {name} |");
                    foreach (var s in ourSets)
                    {
                        b.Append(s is not null && s.Analyzers.TryGetValue(name, out var t) ? $" {t:F0} |" : " — |");
                    }

                    b.AppendLine();
                }
            }

            return b.ToString();
        }
    }
}
