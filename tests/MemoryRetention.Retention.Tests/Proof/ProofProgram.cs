using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace MemoryRetention.Retention.Tests.Proof
{
    /// <summary>What a proof program measures: the thing its rule says is retained.</summary>
    public enum Measure
    {
        /// <summary>Objects passed to <c>track</c> still alive after a forced, aggressive full GC.</summary>
        Alive,

        /// <summary>OS handles (open file descriptors, /proc/self/fd) opened during the run and still open, before any GC.</summary>
        Handles,

        /// <summary>Active <see cref="System.Threading.Timer"/>s created during the run and still scheduled, before any GC.</summary>
        Timers,

        /// <summary>GC heap growth between the two marks, each after a forced, aggressive full GC (bytes).</summary>
        Heap,

        /// <summary>Bytes allocated between the two marks (what a pool or a recycled stream saves).</summary>
        Allocated,

        /// <summary>Assemblies loaded in the process (<c>AppDomain.GetAssemblies</c>) more than at the start mark, after a forced full GC.</summary>
        Assemblies,
    }

    /// <summary>
    /// One proof program (Programs/*.cs): the flagged handler as users write it, in its framework, plus a
    /// <c>Scenario.RunAsync</c> that drives it, and a header of <c>//! key: value</c> lines saying what to prove.
    /// Expected diagnostics are the lines that end with a <c>// flagged: MEM###</c> comment.
    /// </summary>
    public sealed class ProofProgram
    {
        private static readonly Regex Header = new Regex(@"^\s*//!\s*(?<key>[a-z-]+)\s*:\s*(?<value>.*?)\s*$", RegexOptions.Compiled);
        private static readonly Regex Flagged = new Regex(@"//\s*flagged:\s*(?<ids>MEM\d{3}(\s*,\s*MEM\d{3})*)", RegexOptions.Compiled);

        private ProofProgram(string path, string source, IReadOnlyDictionary<string, List<string>> header)
        {
            Path = path;
            Name = System.IO.Path.GetFileNameWithoutExtension(path);
            Source = source;
            string One(string key) => header.TryGetValue(key, out var values) && values.Count == 1
                ? values[0]
                : throw new FormatException($"{Name}: header '//! {key}: …' is required exactly once.");
            string? Optional(string key) => header.TryGetValue(key, out var values) ? values[0] : null;

            Rule = One("rule");
            FixKey = One("fix");
            Action = One("action");
            Title = Optional("title");
            Measure = Enum.Parse<Measure>(One("measure"), ignoreCase: true);
            Unit = One("unit");
            Invocations = int.Parse(One("invocations"), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            FlaggedAtLeast = ParseAmount(One("flagged-at-least"));
            FixedAtMost = ParseAmount(One("fixed-at-most"));
            EditorConfig = header.TryGetValue("editorconfig", out var config) ? config : new List<string>();
            FixedMayReport = header.TryGetValue("fixed-may-report", out var allowed)
                ? allowed.Select(a => a.Split(' ', 2)[0].Trim()).ToList()
                : new List<string>();

            var expected = new List<(string Id, int Line)>();
            var lines = source.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var match = Flagged.Match(lines[i]);
                if (match.Success)
                {
                    foreach (var id in match.Groups["ids"].Value.Split(',').Select(s => s.Trim()))
                    {
                        expected.Add((id, i + 1));
                    }
                }
            }

            ExpectedDiagnostics = expected;
        }

        public string Path { get; }

        /// <summary>File name without extension, for example <c>MEM020.Using</c>.</summary>
        public string Name { get; }

        public string Source { get; }

        /// <summary>The rule whose fix is proved.</summary>
        public string Rule { get; }

        /// <summary>The fix action's equivalence key: Fix All is applied with it, as <c>dotnet format</c> applies it.</summary>
        public string FixKey { get; }

        /// <summary>A short name for the fix action in the output ("using", "bounded cache").</summary>
        public string Action { get; }

        /// <summary>The code action's title the fixer must offer on the first diagnostic (optional).</summary>
        public string? Title { get; }

        public Measure Measure { get; }

        /// <summary>What the measured number counts, as printed ("FileStream handles kept").</summary>
        public string Unit { get; }

        public int Invocations { get; }

        /// <summary>The flagged form must show at least this much of <see cref="Measure"/>.</summary>
        public long FlaggedAtLeast { get; }

        /// <summary>The fixed form must show at most this much of <see cref="Measure"/>.</summary>
        public long FixedAtMost { get; }

        /// <summary>.editorconfig lines (for rules behind an option), added to both analyses.</summary>
        public IReadOnlyList<string> EditorConfig { get; }

        /// <summary>
        /// Rule ids the fixed program may newly report (<c>//! fixed-may-report: MEM001 — why</c>): a known disagreement
        /// between the fix and another rule, written down with its reason rather than hidden.
        /// </summary>
        public IReadOnlyList<string> FixedMayReport { get; }

        /// <summary>(rule id, 1-based line) of every <c>// flagged: MEM###</c> marker.</summary>
        public IReadOnlyList<(string Id, int Line)> ExpectedDiagnostics { get; }

        public static string Directory => System.IO.Path.Combine(AppContext.BaseDirectory, "Programs");

        public static IEnumerable<string> AllNames()
            => System.IO.Directory.GetFiles(Directory, "MEM*.cs").Select(System.IO.Path.GetFileNameWithoutExtension).OrderBy(n => n, StringComparer.Ordinal)!;

        public static ProofProgram Load(string name)
        {
            var path = System.IO.Path.Combine(Directory, name + ".cs");
            var source = File.ReadAllText(path).Replace("\r\n", "\n");
            var header = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var line in source.Split('\n'))
            {
                var match = Header.Match(line);
                if (match.Success)
                {
                    var key = match.Groups["key"].Value;
                    if (!header.TryGetValue(key, out var list))
                    {
                        header[key] = list = new List<string>();
                    }

                    list.Add(match.Groups["value"].Value);
                }
            }

            return new ProofProgram(path, source, header);
        }

        /// <summary>A count, or bytes with a KB/MB suffix.</summary>
        private static long ParseAmount(string text)
        {
            text = text.Replace(",", string.Empty).Replace("_", string.Empty).Trim();
            long factor = 1;
            if (text.EndsWith("MB", StringComparison.OrdinalIgnoreCase))
            {
                factor = 1024 * 1024;
                text = text[..^2];
            }
            else if (text.EndsWith("KB", StringComparison.OrdinalIgnoreCase))
            {
                factor = 1024;
                text = text[..^2];
            }

            return (long)(double.Parse(text.Trim(), CultureInfo.InvariantCulture) * factor);
        }

        public string Format(long value)
            => Measure is Measure.Heap or Measure.Allocated
                ? (Math.Max(0, value) / (1024.0 * 1024.0)).ToString("N1", CultureInfo.InvariantCulture) + " MB"
                : value.ToString("N0", CultureInfo.InvariantCulture);
    }
}
