using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis.CodeFixes;
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

        /// <summary>
        /// Every (rule, fix action) pair has a program: a key that names its rule (<c>MEM030_AddUsing</c>) belongs to
        /// that rule; a key shared by the rules of one fixer (<c>MEM00x_ScopedCollection</c>) needs a program for each.
        /// </summary>
        [Fact]
        public void EveryFixActionHasAProofProgram()
        {
            var programs = ProofProgram.AllNames().Select(ProofProgram.Load).ToList();
            var actions = ProofHarness.Fixers
                .SelectMany(f => EquivalenceKeys(f).SelectMany(k => RulesOf(f, k).Select(id => (Fixer: f.GetType().Name, Rule: id, Key: k))))
                .Distinct()
                .ToList();
            Assert.NotEmpty(actions);
            var missing = actions.Where(a => programs.All(p => p.Rule != a.Rule || p.FixKey != a.Key)).Select(a => $"{a.Rule} {a.Key} ({a.Fixer})").ToList();
            Assert.True(missing.Count == 0, "No proof program for the fix actions: " + string.Join(", ", missing) + ". See Programs/README.md.");
        }

        /// <summary>
        /// A key is one action: programs that prove the same key name the same title (or none). Two different rewrites
        /// behind one key would let a program for one of them stand for both, so that the other is never proved (MEM013
        /// once offered its Return-in-finally, memory-owner and StringBuilder-policy fixes under one key).
        /// </summary>
        [Fact]
        public void EveryFixKeyIsOneAction()
        {
            var shared = ProofProgram.AllNames().Select(ProofProgram.Load)
                .Where(p => p.Title is not null)
                .GroupBy(p => p.FixKey, StringComparer.Ordinal)
                .Where(g => g.Select(p => p.Title).Distinct(StringComparer.Ordinal).Count() > 1)
                .Select(g => $"{g.Key}: " + string.Join(", ", g.Select(p => $"{p.Name} '{p.Title}'")))
                .ToList();
            Assert.True(shared.Count == 0, "Programs prove different actions under one equivalence key; give each action its own key in its fixer: " + string.Join("; ", shared));
        }

        /// <summary>The rules a fix action applies to: the one its key names, else every rule of its fixer.</summary>
        private static IEnumerable<string> RulesOf(CodeFixProvider fixer, string key)
        {
            var named = fixer.FixableDiagnosticIds.Where(id => key.StartsWith(id + "_", StringComparison.Ordinal)).ToList();
            return named.Count > 0 ? named : fixer.FixableDiagnosticIds;
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

        /// <summary>
        /// The equivalence keys a fixer declares: its string fields named '…Key' (constants or per-instance keys), and an
        /// <c>EquivalenceKeys</c> list where a fixer composes its keys (the MEM064–MEM068 fixers: '{rule}_{rewrite}').
        /// </summary>
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

                if (type.GetProperty("EquivalenceKeys", BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)?.GetValue(fixer) is IEnumerable<string> keys)
                {
                    foreach (var key in keys)
                    {
                        yield return key;
                    }
                }
            }
        }
    }
}
