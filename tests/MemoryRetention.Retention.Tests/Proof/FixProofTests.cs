using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MemoryRetention.Retention.Tests.Proof
{
    /// <summary>
    /// One test per proof program (Programs/MEM###.Action.cs): the package's analyzers flag it where its markers say,
    /// the package's fixer rewrites it with Fix All, the rewrite compiles cleanly and is no longer flagged, and running
    /// both shows the flagged form keeps what the rule says and the fixed form does not, with the same observable result.
    /// </summary>
    public class FixProofTests : IClassFixture<ProofReport>
    {
        private readonly ITestOutputHelper _output;
        private readonly ProofReport _report;

        public FixProofTests(ITestOutputHelper output, ProofReport report)
        {
            _output = output;
            _report = report;
        }

        public static IEnumerable<object[]> Programs() => ProofProgram.AllNames().Select(n => new object[] { n });

        [Theory]
        [MemberData(nameof(Programs))]
        public async Task FixStopsTheRetention(string program)
        {
            var proof = ProofProgram.Load(program);
            using var workspace = new AdhocWorkspace();

            // 1. The flagged program compiles cleanly and the package flags exactly the marked lines.
            var flagged = ProofHarness.CreateProject(workspace, proof, proof.Source);
            AssertCompilesCleanly(proof, "flagged", await ProofHarness.CompilerProblemsAsync(flagged));
            var diagnostics = await ProofHarness.AnalyzeAsync(flagged);
            var actual = diagnostics.Select(d => (Id: d.Location.GetLineSpan().Path.EndsWith("/" + proof.Name + ".cs", StringComparison.Ordinal) ? d.Id : d.Id + " in " + d.Location.GetLineSpan().Path, Line: d.Location.GetLineSpan().StartLinePosition.Line + 1)).OrderBy(d => d.Line).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
            var expected = proof.ExpectedDiagnostics.OrderBy(d => d.Line).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
            Assert.True(expected.Count > 0, $"{proof.Name}: no '// flagged: {proof.Rule}' marker.");
            if (!actual.SequenceEqual(expected))
            {
                throw new XunitException($"{proof.Name}: expected diagnostics {Show(expected)}, the analyzers reported:\n" + string.Join("\n", diagnostics));
            }

            // 2. The package's fixer, with Fix All, writes the fixed program, which compiles cleanly.
            var fixedSource = await ProofHarness.FixAllAsync(flagged, proof, diagnostics);
            Assert.NotEqual(proof.Source, fixedSource);
            _output.WriteLine("Fixed program:\n" + fixedSource);
            using var fixedWorkspace = new AdhocWorkspace();
            var fixedProject = ProofHarness.CreateProject(fixedWorkspace, proof, fixedSource);
            AssertCompilesCleanly(proof, "fixed", await ProofHarness.CompilerProblemsAsync(fixedProject));

            // 3. Run both on the real framework and measure (before the re-analysis below, so a failing proof still says what ran).
            var before = ProofHarness.Run(await ProofHarness.EmitAsync(flagged), proof);
            var after = ProofHarness.Run(await ProofHarness.EmitAsync(fixedProject), proof);
            var line = string.Format(
                CultureInfo.InvariantCulture,
                "{0} {1}: {2:N0} invocations, {3} {4} → {5}",
                proof.Rule,
                proof.Action,
                proof.Invocations,
                proof.Format(before.Of(proof.Measure)),
                proof.Unit,
                proof.Format(after.Of(proof.Measure)));
            Report(line);
            _output.WriteLine($"flagged: {before}\nfixed:   {after}");

            Assert.False(string.IsNullOrEmpty(before.Result), $"{proof.Name}: the scenario returned no observable result.");
            if (before.Result != after.Result)
            {
                throw new XunitException($"{line}\nThe fix changed behaviour: flagged returned '{before.Result}', fixed returned '{after.Result}'.");
            }

            if (before.Of(proof.Measure) < proof.FlaggedAtLeast)
            {
                throw new XunitException($"{line}\nThe flagged form was expected to keep at least {proof.Format(proof.FlaggedAtLeast)}; flagged: {before}");
            }

            if (after.Of(proof.Measure) > proof.FixedAtMost)
            {
                throw new XunitException($"{line}\nThe fixed form was expected to keep at most {proof.Format(proof.FixedAtMost)}; fixed: {after}\n{fixedSource}");
            }

            // 4. Nothing of the rule is left, and no other finding is new (another rule's finding the fix does not
            // address, such as MEM030 on the event MEM011's closure is subscribed to, stays as it was).
            var remaining = (await ProofHarness.AnalyzeAsync(fixedProject)).Where(d => !proof.FixedMayReport.Contains(d.Id) || d.Id == proof.Rule).ToList();
            var others = diagnostics.Where(d => d.Id != proof.Rule && !proof.FixedMayReport.Contains(d.Id)).Select(d => d.Id).OrderBy(i => i, StringComparer.Ordinal);
            if (remaining.Any(d => d.Id == proof.Rule) || !remaining.Select(d => d.Id).OrderBy(i => i, StringComparer.Ordinal).SequenceEqual(others))
            {
                throw new XunitException($"{proof.Name}: the fixed program is still flagged, or newly flagged:\n" + string.Join("\n", remaining) + "\n" + fixedSource);
            }
        }

        private void Report(string line)
        {
            _output.WriteLine(line);
            _report.Print(line);
        }

        private static void AssertCompilesCleanly(ProofProgram proof, string form, IReadOnlyCollection<Diagnostic> problems)
        {
            if (problems.Count > 0)
            {
                throw new XunitException($"{proof.Name}: the {form} program does not compile cleanly:\n" + string.Join("\n", problems));
            }
        }

        private static string Show(IEnumerable<(string Id, int Line)> diagnostics)
            => "[" + string.Join(", ", diagnostics.Select(d => $"{d.Id} at line {d.Line}")) + "]";
    }

    /// <summary>
    /// Prints each proof line where a plain <c>dotnet test</c> shows it: xunit diagnostic messages (enabled in
    /// xunit.runner.json) are written to the console at normal verbosity; standard output is too, for other runners.
    /// </summary>
    public sealed class ProofReport
    {
        private readonly IMessageSink _sink;

        public ProofReport(IMessageSink sink) => _sink = sink;

        public void Print(string line)
        {
            _sink.OnMessage(new DiagnosticMessage("[proof] " + line));
            Console.WriteLine("[proof] " + line);
        }
    }
}
