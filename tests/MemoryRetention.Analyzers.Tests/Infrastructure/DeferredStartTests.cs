using System.Collections.Immutable;
using System.Linq;
using MemoryRetention.Analyzers.Infrastructure;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Infrastructure
{
    /// <summary>
    /// Every rule's compilation-start hook runs on its first callback (Infrastructure/DeferredStart), through forwarding
    /// actions registered for the kinds the rule declares. A kind the hook registers but does not declare would never be
    /// called: with every framework the tests know referenced (so every rule registers all it can), each hook's
    /// registrations must be among its declared kinds.
    /// </summary>
    public sealed class DeferredStartTests
    {
        private static ImmutableArray<MemoryAnalyzerBase> Rules()
            => typeof(MemoryAnalyzerBase).Assembly.GetTypes()
                .Where(t => !t.IsAbstract && typeof(MemoryAnalyzerBase).IsAssignableFrom(t))
                .Select(t => (MemoryAnalyzerBase)System.Activator.CreateInstance(t)!)
                .ToImmutableArray();

        [Fact]
        public void EveryRule_RegistersOnlyTheKindsItDeclares_WithEveryFrameworkReferenced()
        {
            var compilation = CSharpCompilation.Create(
                "DeferredStartTest",
                new[] { CSharpSyntaxTree.ParseText("class C { }") },
                FrameworkReferences.With(FrameworkReferences.AllPackageIds.ToArray()),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            var options = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty);
            var rules = Rules();
            Assert.True(rules.Length >= 16, $"{rules.Length} rules found");

            foreach (var rule in rules)
            {
                var (operations, symbols, symbolStarts) = rule.RecordRegistrations(compilation, options);
                var declared = rule.DeclaredActions;
                Assert.True(operations.Count + symbols.Count + symbolStarts.Count > 0, $"{rule.GetType().Name} registered nothing with every framework referenced");
                Assert.All(operations, kind => Assert.True(declared.Operations.Contains(kind), $"{rule.GetType().Name} registers {kind} without declaring it"));
                Assert.All(symbols, kind => Assert.True(declared.Symbols.Contains(kind), $"{rule.GetType().Name} registers a symbol action for {kind} without declaring it"));
                Assert.All(symbolStarts, kind => Assert.True(declared.SymbolStarts.Contains(kind), $"{rule.GetType().Name} registers a symbol-start action for {kind} without declaring it"));

                // And nothing declared that no compilation can use (each declared kind is registered here).
                Assert.All(declared.Operations, kind => Assert.True(operations.Contains(kind), $"{rule.GetType().Name} declares {kind} but never registers it"));
                Assert.All(declared.Symbols, kind => Assert.True(symbols.Contains(kind), $"{rule.GetType().Name} declares a symbol action for {kind} but never registers it"));
                Assert.All(declared.SymbolStarts, kind => Assert.True(symbolStarts.Contains(kind), $"{rule.GetType().Name} declares a symbol-start action for {kind} but never registers it"));
            }
        }
    }
}
