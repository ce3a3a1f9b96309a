using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MemoryRetention.Bench
{
    /// <summary>
    /// The fixed cost as a build without the compiler server (UseSharedCompilation=false, common in CI) pays it: the
    /// first analysis in a fresh process, where the analyzers' code is JIT-compiled. Each measurement is a child
    /// process that compiles the tiny worker first (the compiler itself warm, as the SDK's precompiled csc is) and
    /// hosts an empty analyzer once (the driver warm), then runs one analyzer set on a new compilation and reports its
    /// telemetry time and the methods JIT-compiled meanwhile (all, and the set's own).
    /// </summary>
    public static class ColdStart
    {
        public static async Task<InputResult> MeasureAsync(IReadOnlyList<AnalyzerSet> sets, int reps)
        {
            const string name = "Tiny worker, first compilation in a fresh process (no compiler server)";
            Console.WriteLine($"-- {name}");
            var input = new InputResult { Input = name, CompilationNote = "not measured" };
            var self = typeof(Program).Assembly.Location;
            foreach (var set in sets)
            {
                var runs = new List<RunTimes>();
                var jitted = new List<double>();
                var own = new List<double>();
                for (var run = 0; run < reps; run++)
                {
                    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
                    start.ArgumentList.Add(self);
                    start.ArgumentList.Add("--cold-child");
                    start.ArgumentList.Add(set.Name);
                    using var process = Process.Start(start)!;
                    var output = await process.StandardOutput.ReadToEndAsync();
                    await process.WaitForExitAsync();
                    var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("COLD ", StringComparison.Ordinal));
                    if (line is null)
                    {
                        Console.WriteLine($"   {set.Name}: child failed\n{output}");
                        continue;
                    }

                    var parts = line.Split(' ');
                    var times = new RunTimes();
                    foreach (var pair in parts.Skip(3))
                    {
                        var kv = pair.Split('=');
                        times.PerAnalyzer[kv[0]] = double.Parse(kv[1], CultureInfo.InvariantCulture);
                    }

                    runs.Add(times);
                    jitted.Add(double.Parse(parts[1], CultureInfo.InvariantCulture));
                    own.Add(double.Parse(parts[2], CultureInfo.InvariantCulture));
                }

                var result = SetResult.From(set, runs, 0);
                result.JitCompiledMethods = SetResult.Median(jitted);
                result.OwnJitCompiledMethods = SetResult.Median(own);
                input.Sets.Add(result);
                Console.WriteLine($"   {set.Name,-46} {result.MedianMilliseconds,10:F1} ms {result.JitCompiledMethods,8:F0} methods JIT-compiled ({result.OwnJitCompiledMethods:F0} of the set's own)");
            }

            return input;
        }

        /// <summary>The child: prints <c>COLD &lt;jitted&gt; &lt;own jitted&gt; Analyzer=ms ...</c>.</summary>
        public static async Task<int> ChildAsync(string setName)
        {
            var sets = AnalyzerSets.Load();
            var set = sets.First(s => s.Name == setName);
            var empty = sets.First(s => s.Name.StartsWith("Empty", StringComparison.Ordinal));

            var warm = Scenarios.TinyWorker();
            warm.GetDiagnostics();
            await warm.WithAnalyzers(empty.Analyzers, Program.Options()).GetAnalyzerDiagnosticsAsync();

            var ownAssemblies = new HashSet<string>(set.Analyzers.Select(a => a.GetType().Assembly.GetName().Name!), StringComparer.Ordinal);
            using var listener = new JitListener();
            var compilation = Scenarios.TinyWorker();
            var before = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false);
            var analyzed = compilation.WithOptions(set.Configure(compilation.Options));
            _ = analyzed.Assembly; // the references bound by the compiler, as in the other scenarios (Program.MeasureAsync)
            var withAnalyzers = analyzed.WithAnalyzers(set.Analyzers, Program.Options());
            await withAnalyzers.GetAnalyzerDiagnosticsAsync();
            var jitted = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) - before;
            var times = await RunTimes.ReadAsync(withAnalyzers, set);
            Thread.Sleep(200); // let the listener drain
            var own = listener.Namespaces.Count(n => ownAssemblies.Any(a => n.StartsWith(RootNamespace(a), StringComparison.Ordinal)));
            Console.WriteLine("COLD " + jitted.ToString(CultureInfo.InvariantCulture) + " " + own.ToString(CultureInfo.InvariantCulture) + " "
                + string.Join(" ", times.PerAnalyzer.Select(p => $"{p.Key}={p.Value.ToString("R", CultureInfo.InvariantCulture)}")));
            return 0;
        }

        private static string RootNamespace(string assemblyName)
        {
            var dot = assemblyName.IndexOf('.');
            return dot < 0 ? assemblyName : assemblyName.Substring(0, dot);
        }

        /// <summary>Collects the namespaces of JIT-compiled methods (runtime JIT events).</summary>
        private sealed class JitListener : EventListener
        {
            public List<string> Namespaces { get; } = new List<string>();

            protected override void OnEventSourceCreated(EventSource source)
            {
                if (source.Name == "Microsoft-Windows-DotNETRuntime")
                {
                    EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x10); // JIT keyword
                }
            }

            protected override void OnEventWritten(EventWrittenEventArgs e)
            {
                if (e.EventName is not null && e.EventName.StartsWith("MethodLoadVerbose", StringComparison.Ordinal) && e.Payload is not null)
                {
                    var index = e.PayloadNames?.IndexOf("MethodNamespace") ?? -1;
                    if (index >= 0 && e.Payload[index] is string ns)
                    {
                        lock (Namespaces)
                        {
                            Namespaces.Add(ns);
                        }
                    }
                }
            }
        }
    }
}
