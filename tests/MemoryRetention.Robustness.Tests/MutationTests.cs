using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;
using Xunit.Abstractions;

namespace MemoryRetention.Robustness.Tests
{
    /// <summary>
    /// Every test input of the repository (the C# snippets in the rule tests, the sample worker, the end-to-end case
    /// files), broken in many ways — truncated, a token deleted, a brace or parenthesis removed, an identifier renamed —
    /// and run through every analyzer and every fixer: no exception (hangs are caught by the cancellation test and the
    /// runner; no wall-clock bound here: a timed assertion fails on a loaded CI machine).
    /// Seeded: set MEMRET_ROBUSTNESS_SEED to reproduce, MEMRET_ROBUSTNESS_ITERATIONS for a longer run.
    /// </summary>
    public class MutationTests
    {
        private readonly ITestOutputHelper _output;

        public MutationTests(ITestOutputHelper output) => _output = output;

        private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("MEMRET_ROBUSTNESS_SEED"), out var seed) ? seed : 20261123;

        private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("MEMRET_ROBUSTNESS_ITERATIONS"), out var n) && n > 0 ? n : 1;

        /// <summary>The repository's test inputs: verbatim snippets in the rule tests, the sample, the case files.</summary>
        public static IReadOnlyList<(string Name, string Text)> Inputs()
        {
            var root = FrameworkReferences.RepositoryRoot;
            var inputs = new List<(string, string)>();
            foreach (var file in Directory.GetFiles(Path.Combine(root, "tests", "MemoryRetention.Analyzers.Tests"), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    continue;
                }

                var tree = CSharpSyntaxTree.ParseText(File.ReadAllText(file));
                var index = 0;
                foreach (var literal in tree.GetRoot().DescendantNodes().OfType<LiteralExpressionSyntax>())
                {
                    if (!literal.Token.Text.StartsWith("@\"", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var text = StripMarkup(literal.Token.ValueText);
                    if (text.Contains("class ", StringComparison.Ordinal) || text.Contains("namespace ", StringComparison.Ordinal))
                    {
                        inputs.Add(($"{Path.GetFileNameWithoutExtension(file)}#{index++}", text));
                    }
                }
            }

            foreach (var folder in new[] { Path.Combine(root, "samples"), Path.Combine(root, "tests", "MemoryRetention.EndToEnd.Tests", "cases") })
            {
                if (!Directory.Exists(folder))
                {
                    continue;
                }

                foreach (var file in Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
                {
                    inputs.Add((Path.GetFileName(file), File.ReadAllText(file)));
                }
            }

            return inputs;
        }

        private static string StripMarkup(string text)
            => Regex.Replace(text, @"\{\|(?:[A-Za-z]+\d*|#\d+):", string.Empty).Replace("|}", string.Empty).Replace("[|", string.Empty).Replace("|]", string.Empty);

        [Fact]
        public void TheInputsAreFound()
        {
            var inputs = Inputs();
            _output.WriteLine($"{inputs.Count} inputs");
            Assert.True(inputs.Count >= 40, $"only {inputs.Count} test inputs were found");
        }

        [Fact]
        public async Task MutatedInputs_NeverCrashOrHang()
        {
            var random = new Random(Seed);
            var inputs = Inputs();
            var variants = 0;
            var diagnostics = 0;
            var fixes = 0;
            var failures = new List<string>();
            foreach (var (name, text) in inputs)
            {
                var tokens = CSharpSyntaxTree.ParseText(text).GetRoot().DescendantTokens().ToList();
                if (tokens.Count < 5)
                {
                    continue;
                }

                foreach (var (kind, mutated) in Mutate(text, tokens, random, Iterations))
                {
                    variants++;
                    var compilation = Runner.Compile(new[] { ("Test0.cs", mutated) });
                    var result = await Runner.AnalyzeAsync(compilation);
                    diagnostics += result.Diagnostics.Length;

                    // Fixers on a share of the variants (they are the slow part).
                    if (variants % 3 == 0)
                    {
                        await Runner.TryFixesAsync(mutated, result);
                        fixes += result.FixesApplied;
                    }

                    if (result.Exceptions.Count > 0)
                    {
                        failures.Add($"{name} [{kind}] seed {Seed}: {result.Exceptions[0]}\n--- variant ---\n{mutated}");
                    }
                }
            }

            _output.WriteLine($"seed {Seed}: {inputs.Count} inputs, {variants} mutated variants, {diagnostics} diagnostics, {fixes} fixes computed, {failures.Count} failures");
            Assert.True(failures.Count == 0, string.Join("\n\n", failures.Take(3)));
        }

        private static IEnumerable<(string Kind, string Text)> Mutate(string text, List<SyntaxToken> tokens, Random random, int iterations)
        {
            // Truncated at several token boundaries (as if the user is still typing).
            var step = Math.Max(1, tokens.Count / (4 * iterations));
            for (var i = step; i < tokens.Count; i += step)
            {
                yield return ("truncated@" + i, text.Substring(0, tokens[i].SpanStart));
            }

            for (var n = 0; n < 2 * iterations; n++)
            {
                var token = tokens[random.Next(tokens.Count)];
                yield return ("deleted " + token.Text, text.Remove(token.SpanStart, token.Span.Length));
            }

            var braces = tokens.Where(t => t.IsKind(SyntaxKind.OpenBraceToken) || t.IsKind(SyntaxKind.CloseBraceToken) || t.IsKind(SyntaxKind.OpenParenToken) || t.IsKind(SyntaxKind.CloseParenToken)).ToList();
            for (var n = 0; n < 2 * iterations && braces.Count > 0; n++)
            {
                var brace = braces[random.Next(braces.Count)];
                yield return ("removed " + brace.Text, text.Remove(brace.SpanStart, brace.Span.Length));
            }

            var identifiers = tokens.Where(t => t.IsKind(SyntaxKind.IdentifierToken)).ToList();
            for (var n = 0; n < 2 * iterations && identifiers.Count > 0; n++)
            {
                var identifier = identifiers[random.Next(identifiers.Count)];
                yield return ("renamed " + identifier.Text, text.Remove(identifier.SpanStart, identifier.Span.Length).Insert(identifier.SpanStart, "Unknown" + n));
            }
        }
    }
}
