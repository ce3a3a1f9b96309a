using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Meta
{
    /// <summary>
    /// Keeps the docs true: every rule of the catalog (enumerated from the analyzers in the assembly, so a new rule is
    /// covered without editing these tests) has its page, README row, release-tracking row, fix or documented reason,
    /// and documented options.
    /// </summary>
    public class CatalogTests
    {
        private static readonly Assembly AnalyzerAssembly = typeof(RuleIds).Assembly;
        private static readonly Assembly FixerAssembly = typeof(MemoryRetention.CodeFixes.UndisposedHandlerDisposableCodeFix).Assembly;

        public static IReadOnlyList<(Type Analyzer, DiagnosticDescriptor Descriptor)> Rules { get; } = AnalyzerAssembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .SelectMany(t => ((DiagnosticAnalyzer)Activator.CreateInstance(t)!).SupportedDiagnostics.Select(d => (t, d)))
            .OrderBy(r => r.d.Id, StringComparer.Ordinal)
            .ToList();

        private static readonly HashSet<string> FixableIds = FixerAssembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t) && t.GetCustomAttribute<ExportCodeFixProviderAttribute>() is not null)
            .SelectMany(t => ((CodeFixProvider)Activator.CreateInstance(t)!).FixableDiagnosticIds)
            .ToHashSet();

        public static IEnumerable<object[]> Ids => Rules.Select(r => r.Descriptor.Id).Distinct().Select(id => new object[] { id });

        private static string Root => FrameworkReferences.RepositoryRoot;

        private static DiagnosticDescriptor Descriptor(string id) => Rules.First(r => r.Descriptor.Id == id).Descriptor;

        [Fact]
        public void TheCatalogIsNotEmpty_AndIdsAreUnique()
        {
            Assert.NotEmpty(Rules);
            var byId = Rules.GroupBy(r => r.Descriptor.Id);
            Assert.All(byId, g => Assert.Single(g.Select(r => r.Descriptor).Distinct()));
            Assert.All(Rules, r => Assert.Matches(@"^MEM\d{3}$", r.Descriptor.Id));
        }

        [Theory]
        [MemberData(nameof(Ids))]
        public void HelpLink_PointsAtAnExistingPage_WhoseTitleIsTheDescriptorsTitle(string id)
        {
            var descriptor = Descriptor(id);
            Assert.Equal(Descriptors.HelpLink(id), descriptor.HelpLinkUri);
            Assert.EndsWith($"/docs/rules/{id}.md", descriptor.HelpLinkUri);
            var page = Path.Combine(Root, "docs", "rules", id + ".md");
            Assert.True(File.Exists(page), $"docs/rules/{id}.md is missing");
            var firstLine = File.ReadLines(page).First();
            Assert.Equal($"# {id}: {descriptor.Title}", firstLine);
        }

        [Theory]
        [MemberData(nameof(Ids))]
        public void Readme_HasTheRulesRow(string id)
        {
            var descriptor = Descriptor(id);
            var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
            var row = $"| [{id}](docs/rules/{id}.md) | {descriptor.Title} | {descriptor.DefaultSeverity} | {(FixableIds.Contains(id) ? "yes" : "no")} |";
            Assert.Contains(row, readme);
        }

        [Fact]
        public void Readme_ListsNoRuleThatDoesNotExist()
        {
            var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
            var listed = Regex.Matches(readme, @"^\| \[(MEM\d{3})\]", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(Rules.Select(r => r.Descriptor.Id).Distinct().OrderBy(i => i, StringComparer.Ordinal), listed.OrderBy(i => i, StringComparer.Ordinal));
        }

        [Theory]
        [MemberData(nameof(Ids))]
        public void ReleaseTracking_HasTheRulesRow(string id)
        {
            var descriptor = Descriptor(id);
            var unshipped = File.ReadAllLines(Path.Combine(Root, "src", "Analyzers", "AnalyzerReleases.Unshipped.md"));
            Assert.Contains(unshipped, line => Regex.IsMatch(line, $@"^{id}\s*\|\s*{descriptor.Category}\s*\|\s*{descriptor.DefaultSeverity}\s*\|"));
        }

        [Theory]
        [MemberData(nameof(Ids))]
        public void EveryRule_HasACodeFix_OrItsPageSaysWhyNot(string id)
        {
            if (FixableIds.Contains(id))
            {
                return;
            }

            var page = File.ReadAllText(Path.Combine(Root, "docs", "rules", id + ".md"));
            Assert.Contains("No code fix", page);
        }

        [Theory]
        [MemberData(nameof(Ids))]
        public void EveryOptionARuleReads_IsOnItsPage_AndInConfigurationDocs(string id)
        {
            var page = File.ReadAllText(Path.Combine(Root, "docs", "rules", id + ".md"));
            var configuration = File.ReadAllText(Path.Combine(Root, "docs", "configuration.md"));
            foreach (var analyzer in Rules.Where(r => r.Descriptor.Id == id).Select(r => r.Analyzer).Distinct())
            {
                var keys = analyzer.GetFields(BindingFlags.Public | BindingFlags.Static | BindingFlags.FlattenHierarchy)
                    .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                    .Select(f => (string)f.GetRawConstantValue()!)
                    .Where(v => v.StartsWith("memory_retention.", StringComparison.Ordinal));
                foreach (var key in keys)
                {
                    Assert.True(page.Contains(key, StringComparison.Ordinal), $"docs/rules/{id}.md does not document the option '{key}'");
                    Assert.True(configuration.Contains(key, StringComparison.Ordinal), $"docs/configuration.md does not document the option '{key}'");
                }
            }
        }

        [Fact]
        public void EveryFixer_HasAFixAllProvider_AndIsExported()
        {
            foreach (var type in FixerAssembly.GetTypes().Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t)))
            {
                Assert.NotNull(type.GetCustomAttribute<ExportCodeFixProviderAttribute>());
                var fixer = (CodeFixProvider)Activator.CreateInstance(type)!;
                Assert.NotNull(fixer.GetFixAllProvider());
                Assert.All(fixer.FixableDiagnosticIds, fixedId => Assert.Contains(Rules, r => r.Descriptor.Id == fixedId));
            }
        }
    }
}
