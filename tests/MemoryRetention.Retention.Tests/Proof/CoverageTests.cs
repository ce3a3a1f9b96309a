using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;

namespace MemoryRetention.Retention.Tests.Proof
{
    /// <summary>
    /// Every code fix of the package is proved by a program: each diagnostic id a fixer fixes, and each fix action
    /// (equivalence key) a fixer declares, has a program in Programs/. A fixer added later fails here until its
    /// program is added — one file, nothing else.
    /// </summary>
    public class CoverageTests
    {
        /// <summary>
        /// Fixable rules whose proof program is not written yet, each with what is missing. The list may only shrink:
        /// a rule listed here that has a program fails the test below.
        /// </summary>
        private static readonly Dictionary<string, string> Pending = new Dictionary<string, string>(StringComparer.Ordinal)
        {
        };

        [Fact]
        public void EveryFixableRuleHasAProofProgram()
        {
            var programs = ProofProgram.AllNames().Select(ProofProgram.Load).ToList();
            var written = Pending.Keys.Where(id => programs.Any(p => p.Rule == id)).ToList();
            Assert.True(written.Count == 0, "These rules have a proof program now; remove them from CoverageTests.Pending: " + string.Join(", ", written));
            var missing = ProofHarness.Fixers
                .SelectMany(f => f.FixableDiagnosticIds.Select(id => (Fixer: f.GetType().Name, Id: id)))
                .Where(x => programs.All(p => p.Rule != x.Id) && !Pending.ContainsKey(x.Id))
                .Select(x => $"{x.Id} (fixed by {x.Fixer})")
                .Distinct()
                .ToList();
            Assert.True(missing.Count == 0, "No proof program in tests/MemoryRetention.Retention.Tests/Programs for: " + string.Join(", ", missing) + ". See Programs/README.md.");
        }

        [Fact]
        public void EveryFixActionHasAProofProgram()
        {
            var programs = ProofProgram.AllNames().Select(ProofProgram.Load).ToList();
            var keys = ProofHarness.Fixers.SelectMany(f => EquivalenceKeys(f).Select(k => (Fixer: f.GetType().Name, Key: k))).Distinct().ToList();
            Assert.NotEmpty(keys);
            var missing = keys.Where(k => programs.All(p => p.FixKey != k.Key)).Select(k => $"{k.Key} ({k.Fixer})").ToList();
            Assert.True(missing.Count == 0, "No proof program for the fix actions: " + string.Join(", ", missing) + ". See Programs/README.md.");
        }

        [Fact]
        public void EveryProgramNamesAFixActionThatExists()
        {
            // Declared keys, or keys a fixer composes from its rule id ('MEM064_using'); the proof itself checks that the
            // fixer offers the action under that key.
            var keys = ProofHarness.Fixers.SelectMany(EquivalenceKeys).ToHashSet(StringComparer.Ordinal);
            var ids = ProofHarness.Fixers.SelectMany(f => f.FixableDiagnosticIds).ToHashSet(StringComparer.Ordinal);
            var stale = ProofProgram.AllNames().Select(ProofProgram.Load)
                .Where(p => !keys.Contains(p.FixKey) && !(p.FixKey.StartsWith(p.Rule + "_", StringComparison.Ordinal) && ids.Contains(p.Rule)))
                .Select(p => $"{p.Name} ({p.FixKey})").ToList();
            Assert.True(stale.Count == 0, "Programs name fix actions no fixer declares: " + string.Join(", ", stale));
        }

        /// <summary>The equivalence keys a fixer declares: its string fields named '…Key' (constants or per-instance keys).</summary>
        private static IEnumerable<string> EquivalenceKeys(object fixer)
        {
            for (var type = fixer.GetType(); type is not null && type != typeof(object); type = type.BaseType)
            {
                foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                {
                    if (field.FieldType == typeof(string) && field.Name.EndsWith("Key", StringComparison.OrdinalIgnoreCase)
                        && (field.IsStatic ? field.GetValue(null) : field.GetValue(fixer)) is string { Length: > 0 } key)
                    {
                        yield return key;
                    }
                }
            }
        }
    }
}
