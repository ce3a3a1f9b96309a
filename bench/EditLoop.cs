using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace MemoryRetention.Bench
{
    /// <summary>
    /// The edit loop: in a large compilation, one document's text is replaced (a one-line change inside a hosted
    /// service's ExecuteAsync loop), and what the IDE does next is timed — the analyzers' semantic diagnostics for that
    /// document on the new compilation (compilation-start work included, since every edit makes a new compilation).
    /// The median over the edits, after one warm-up edit.
    /// </summary>
    public static class EditLoop
    {
        private const string Anchor = "var count = db.Orders.Count(";

        public static async Task<InputResult> MeasureAsync(int files, int edits, IReadOnlyList<AnalyzerSet> sets)
        {
            var name = $"Edit loop ({files} files: one-line edit in a handler, semantic diagnostics of that document; {edits} edits)";
            Console.WriteLine($"-- {name}");
            var baseline = Program.Corpus(files);

            // A hosted-service file (WorkerCorpus: every fifth file) in the middle of the compilation.
            var tree = baseline.SyntaxTrees.First(t => t.FilePath == $"Worker{(files / 2) / 5 * 5}.cs");
            var text = tree.GetText();
            var anchor = text.ToString().IndexOf(Anchor, StringComparison.Ordinal);
            if (anchor < 0)
            {
                throw new InvalidOperationException($"The edit anchor '{Anchor}' is not in {tree.FilePath}; WorkerCorpus changed.");
            }

            var input = new InputResult { Input = name, Files = baseline.SyntaxTrees.Count(), CompilationNote = "binding the edited document" };
            var bind = new List<double>();

            // Edits outer, sets inner (each set edits its own copy of the compilation): on a shared machine the load
            // drifts, and interleaving compares the sets under the same load.
            var runs = sets.ToDictionary(s => s, _ => new List<RunTimes>());
            var diagnostics = sets.ToDictionary(s => s, _ => 0);
            var compilations = sets.ToDictionary(s => s, s => baseline.WithOptions(s.Configure(baseline.Options)));
            var currents = sets.ToDictionary(s => s, s => compilations[s].SyntaxTrees.First(t => t.FilePath == tree.FilePath));
            for (var edit = 0; edit <= edits; edit++)
            {
                foreach (var set in sets)
                {
                    // The one-line change: a new statement inside the loop body (valid code), as typing makes; incremental
                    // parse against the previous text, and a new compilation sharing the other trees, as the IDE does.
                    var current = currents[set];
                    var changed = current.WithChangedText(text.WithChanges(new TextChange(new TextSpan(anchor, 0), $"var edit{edit} = {edit}; ")));
                    var compilation = compilations[set] = compilations[set].ReplaceSyntaxTree(current, changed);
                    currents[set] = changed;

                    if (set.Name.StartsWith("Empty", StringComparison.Ordinal) && edit > 0)
                    {
                        var clone = compilation.Clone();
                        var stopwatch = Stopwatch.StartNew();
                        clone.GetSemanticModel(clone.SyntaxTrees.First(t => t.FilePath == tree.FilePath)).GetDiagnostics();
                        bind.Add(stopwatch.Elapsed.TotalMilliseconds);
                    }

                    var withAnalyzers = compilation.WithAnalyzers(set.Analyzers, Program.Options());
                    var model = compilation.GetSemanticModel(changed);
                    var found = await withAnalyzers.GetAnalyzerSemanticDiagnosticsAsync(model, filterSpan: null, default);
                    diagnostics[set] = found.Count(d => set.Counts(d.Id));
                    if (edit > 0)
                    {
                        runs[set].Add(await RunTimes.ReadAsync(withAnalyzers, set)); // edit 0 is the warm-up
                    }
                }
            }

            foreach (var set in sets)
            {
                var result = SetResult.From(set, runs[set], diagnostics[set]);
                input.Sets.Add(result);
                Console.WriteLine($"   {set.Name,-46} {result.MedianMilliseconds,10:F1} ms {diagnostics[set],8} diagnostics in the document");
            }

            input.BindMilliseconds = SetResult.Median(bind);
            return input;
        }
    }
}
