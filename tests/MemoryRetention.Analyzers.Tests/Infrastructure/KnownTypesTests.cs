using System.Collections.Generic;
using System.Linq;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Infrastructure;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Infrastructure
{
    /// <summary>
    /// Well-known type look-ups: an absent framework costs no search of the references, a present type is found in the
    /// few assemblies that can define it, and the answers are those of a search of every reference. Counted, not timed.
    /// </summary>
    public sealed class KnownTypesTests
    {
        private static CSharpCompilation Compile(string source, params string[] packages) => CSharpCompilation.Create(
            "KnownTypesTest",
            new[] { CSharpSyntaxTree.ParseText(source) },
            FrameworkReferences.With(packages),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        private static IEnumerable<string> CatalogNames()
            => HandlerCatalog.Interfaces.Select(c => c.MetadataName)
                .Concat(HandlerCatalog.BaseClasses.Select(c => c.MetadataName))
                .Concat(HandlerCatalog.HandlerBaseTypes.Select(c => c.MetadataName))
                .Concat(HandlerCatalog.Registrations.Select(c => c.ContainingType))
                .Concat(HandlerCatalog.Events.Select(c => c.ContainingType))
                .Concat(HandlerCatalog.MethodAttributes.Select(a => a.MetadataName))
                .Concat(HandlerCatalog.HangfireJobClients)
                .Distinct();

        [Fact]
        public void AbsentFramework_IsNotSearchedFor()
        {
            var compilation = Compile("class C { }");
            var lookups = ReferencedAssemblies.Of(compilation);

            Assert.Null(KnownTypes.Get(compilation, "Quartz.IJob"));
            Assert.Null(KnownTypes.Get(compilation, "MassTransit.IConsumer`1"));
            Assert.Null(KnownTypes.Get(compilation, "Microsoft.Extensions.Hosting.BackgroundService"));

            // Nothing was asked: no reference has the frameworks' names, and no tree declares their namespaces (so not
            // even the source assembly, which would make the compiler merge every tree's declarations).
            Assert.Equal(0, lookups.AssembliesSearched);
            Assert.Empty(lookups.FullSearches);
        }

        [Fact]
        public void SourceDeclaringAFrameworkNamespace_IsAskedFirst()
        {
            // User code and test stubs may declare a framework's names: a tree declaring the namespace makes the source
            // assembly the first place asked, and its type is the answer.
            var compilation = Compile("namespace Quartz { public interface IJob { } } namespace Quartz.Impl { class Other { } }");
            var lookups = ReferencedAssemblies.Of(compilation);

            var job = KnownTypes.Get(compilation, "Quartz.IJob");
            Assert.NotNull(job);
            Assert.True(job!.Locations.Single().IsInSource);
            Assert.Null(KnownTypes.Get(compilation, "MassTransit.IConsumer`1"));
            Assert.Equal(1, lookups.AssembliesSearched); // the source, for Quartz.IJob; MassTransit.IConsumer`1: nothing at all
        }

        [Fact]
        public void WholeCatalog_OnAnEmptyLibrary_SearchesNoReference()
        {
            var compilation = Compile("class C { }");
            var lookups = ReferencedAssemblies.Of(compilation);
            var names = CatalogNames().Where(n => !n.StartsWith("System.", System.StringComparison.Ordinal)).ToList();

            foreach (var name in names)
            {
                Assert.Null(KnownTypes.Get(compilation, name));
            }

            Assert.Equal(0, lookups.AssembliesSearched);
            Assert.Empty(lookups.FullSearches);
        }

        [Fact]
        public void CatalogNamespaces_AreAllGatedByAssemblyName()
        {
            // Every framework name the catalog resolves is either the BCL's or in a namespace whose assemblies are known,
            // so an absent framework never costs a search of every reference.
            var ungated = CatalogNames()
                .Where(n => !n.StartsWith("System.", System.StringComparison.Ordinal))
                .Where(n => !ReferencedAssemblies.Frameworks.Any(f => n.StartsWith(f.Namespace + ".", System.StringComparison.Ordinal)))
                .ToList();

            Assert.Empty(ungated);
        }

        [Fact]
        public void PresentTypes_AreFoundInTheirOwnAssemblies()
        {
            var compilation = Compile("class C { }", Packages.Of(Packages.Hosting, Packages.Quartz));
            var lookups = ReferencedAssemblies.Of(compilation);

            Assert.Equal("Quartz", KnownTypes.Get(compilation, "Quartz.IJob")?.ContainingAssembly.Name);
            Assert.Equal("Microsoft.Extensions.Hosting.Abstractions", KnownTypes.Get(compilation, "Microsoft.Extensions.Hosting.BackgroundService")?.ContainingAssembly.Name);
            Assert.NotNull(KnownTypes.Get(compilation, "System.Threading.Channels.ChannelReader`1"));
            Assert.NotNull(KnownTypes.Get(compilation, "System.IO.MemoryStream"));
            Assert.NotNull(KnownTypes.Get(compilation, "System.Buffers.MemoryPool`1"));

            Assert.Empty(lookups.FullSearches);
            Assert.True(lookups.AssembliesSearched < 40, $"{lookups.AssembliesSearched} assemblies searched for 5 types among {compilation.References.Count()} references");
        }

        [Fact]
        public void SourceDeclaredFrameworkNames_AreFound()
        {
            // A framework the registry does not serve is declared in source with its exact metadata names (test stubs, shims).
            var compilation = Compile("namespace NServiceBus { public interface IHandleMessages<T> { } }");

            Assert.Equal("KnownTypesTest", KnownTypes.Get(compilation, "NServiceBus.IHandleMessages`1")?.ContainingAssembly.Name);
        }

        [Fact]
        public void Answers_MatchASearchOfEveryReference()
        {
            // Every package the tests know, so that each framework of the catalog is present; the catalog's answers and a
            // few BCL names must be what a search of every referenced assembly gives.
            var compilation = Compile("class C { }", FrameworkReferences.AllPackageIds.ToArray());
            var names = CatalogNames().Concat(new[]
            {
                "System.IO.MemoryStream", "System.Timers.Timer", "System.Threading.PeriodicTimer", "System.Buffers.ArrayPool`1",
                "System.Collections.Concurrent.ConcurrentQueue`1", "Microsoft.Extensions.Caching.Memory.MemoryCache",
                "Microsoft.Extensions.DependencyInjection.IServiceScopeFactory", "Microsoft.EntityFrameworkCore.DbContext",
                "Microsoft.IO.RecyclableMemoryStreamManager", "System.ObservableExtensions", "No.Such.Type",
                "Microsoft.Extensions.DependencyInjection.EntityFrameworkServiceCollectionExtensions", // a framework namespace, another package's assembly
            });

            foreach (var name in names)
            {
                var everywhere = compilation.GetTypesByMetadataName(name);
                var expected = everywhere.FirstOrDefault(t => t.DeclaredAccessibility == Accessibility.Public) ?? everywhere.FirstOrDefault();
                var actual = KnownTypes.Get(compilation, name);
                Assert.True(SymbolEqualityComparer.Default.Equals(expected, actual), $"{name}: expected {expected?.ContainingAssembly.Name ?? "null"}, found {actual?.ContainingAssembly.Name ?? "null"}");
            }
        }

        [Fact]
        public void EditedCompilation_ReusesTheMetadataAnswers()
        {
            // Every edit makes a new compilation that keeps the referenced assembly symbols: its catalog look-ups are
            // answered from the earlier compilation's, with no assembly searched again, and the answers are the same symbols.
            var first = Compile("class C { }", Packages.Of(Packages.Hosting, Packages.Quartz));
            var names = CatalogNames().Concat(new[] { "System.IO.MemoryStream", "System.Buffers.ArrayPool`1", "No.Such.Type" }).ToList();
            var before = names.Select(n => KnownTypes.Get(first, n)).ToList();
            Assert.True(ReferencedAssemblies.Of(first).AssembliesSearched > 0);

            var tree = first.SyntaxTrees.Single();
            var edited = first.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().WithChanges(new Microsoft.CodeAnalysis.Text.TextChange(new Microsoft.CodeAnalysis.Text.TextSpan(9, 0), " int x; "))));
            var lookups = ReferencedAssemblies.Of(edited);
            var after = names.Select(n => KnownTypes.Get(edited, n)).ToList();

            Assert.True(lookups.ReusedReferences);
            Assert.Equal(0, lookups.AssembliesSearched);
            Assert.Equal(before, after, SymbolEqualityComparer.Default);
            Assert.NotNull(KnownTypes.Get(edited, "Quartz.IJob"));
            System.GC.KeepAlive(first);
        }

        [Fact]
        public void CompilationWithOtherReferences_GetsItsOwnAnswers()
        {
            var withQuartz = Compile("class C { }", Packages.Of(Packages.Hosting, Packages.Quartz));
            Assert.NotNull(KnownTypes.Get(withQuartz, "Quartz.IJob"));

            // (It may reuse another compilation's set with the same references — never the set with Quartz.)
            var withoutQuartz = Compile("class C { }", Packages.Of(Packages.Hosting));
            Assert.Null(KnownTypes.Get(withoutQuartz, "Quartz.IJob"));
            Assert.Equal("Microsoft.Extensions.Hosting.Abstractions", KnownTypes.Get(withoutQuartz, "Microsoft.Extensions.Hosting.BackgroundService")?.ContainingAssembly.Name);
            System.GC.KeepAlive(withQuartz);
        }

        [Fact]
        public void SourceTypes_AreNeverShared()
        {
            // The shared answers are the references' only: a new compilation that declares a framework name in source gets
            // its own type, and one that stops declaring it gets the referenced one back.
            var plain = Compile("class C { }", Packages.Of(Packages.Quartz));
            Assert.Equal("Quartz", KnownTypes.Get(plain, "Quartz.IJob")?.ContainingAssembly.Name);

            var declaring = plain.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Quartz { public interface IJob { } }"));
            Assert.True(ReferencedAssemblies.Of(declaring).ReusedReferences);
            Assert.True(KnownTypes.Get(declaring, "Quartz.IJob")!.Locations.Single().IsInSource);

            var undeclared = declaring.RemoveSyntaxTrees(declaring.SyntaxTrees.Last());
            Assert.Equal("Quartz", KnownTypes.Get(undeclared, "Quartz.IJob")?.ContainingAssembly.Name);
            System.GC.KeepAlive(plain);
        }

        [Fact]
        public void HasMetadataName_ComparesNameAndEveryNamespacePart()
        {
            var compilation = Compile(@"
namespace Collections.Generic { public class Dictionary<TKey, TValue> { } }
namespace Other { public class Holder { public class Type { } } }
namespace Security.Cryptography { public static class Fake { } }
");
            var dictionary = KnownTypes.Get(compilation, "System.Collections.Generic.Dictionary`2");
            var lookalike = compilation.GetTypeByMetadataName("Collections.Generic.Dictionary`2");
            var nested = compilation.GetTypeByMetadataName("Other.Holder+Type");
            var constructed = dictionary!.Construct(compilation.GetSpecialType(SpecialType.System_String), compilation.GetSpecialType(SpecialType.System_Int32));

            Assert.True(KnownTypes.HasMetadataName(dictionary, "System.Collections.Generic.Dictionary`2"));
            Assert.True(KnownTypes.HasMetadataName(constructed, "System.Collections.Generic.Dictionary`2"));
            Assert.False(KnownTypes.HasMetadataName(lookalike, "System.Collections.Generic.Dictionary`2")); // a namespace part short
            Assert.False(KnownTypes.HasMetadataName(dictionary, "Collections.Generic.Dictionary`2"));     // a namespace part long
            Assert.False(KnownTypes.HasMetadataName(dictionary, "System.Collections.Generic.Dictionary`1"));
            Assert.False(KnownTypes.HasMetadataName(nested, "Other.Type"));                              // nested, not top-level
            Assert.True(KnownTypes.HasMetadataName(compilation.GetSpecialType(SpecialType.System_String), "System.String"));
            Assert.False(KnownTypes.HasMetadataName(null, "System.String"));

            Assert.True(KnownTypes.IsNamespace(dictionary.ContainingNamespace, "System.Collections.Generic"));
            Assert.False(KnownTypes.IsNamespace(lookalike!.ContainingNamespace, "System.Collections.Generic"));
            Assert.False(KnownTypes.IsNamespace(compilation.GetTypeByMetadataName("Security.Cryptography.Fake")!.ContainingNamespace, "System.Security.Cryptography"));
            Assert.True(KnownTypes.IsNamespace(compilation.GlobalNamespace, string.Empty));
            Assert.False(KnownTypes.IsNamespace(compilation.GlobalNamespace, "System"));
        }
    }
}
