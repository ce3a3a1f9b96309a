using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers.Infrastructure
{
    /// <summary>
    /// Which assemblies a compilation references, indexed by name, computed in one pass over the referenced assembly
    /// symbols the first time a rule asks, and shared by all rules. It answers, before any type is looked up, whether
    /// a framework can be present at all (<see cref="Frameworks"/>), and which few assemblies can define a given type,
    /// so that well-known types are found without searching every reference.
    /// </summary>
    internal sealed class ReferencedAssemblies
    {
        /// <summary>
        /// Namespaces owned by a framework or library, with the assembly-name prefixes that can define them. A type in
        /// such a namespace is never searched for when no referenced assembly (nor the source) has one of these names:
        /// an absent framework then costs nothing. Names outside these namespaces (System.*, user-configured types)
        /// are looked up in the assemblies their name suggests, then, if not found there, in every reference.
        /// </summary>
        internal static readonly ImmutableArray<(string Namespace, ImmutableArray<string> Assemblies)> Frameworks = ImmutableArray.Create(
            // Libraries put their DI extension classes in Microsoft.Extensions.DependencyInjection (EF Core's
            // EntityFrameworkServiceCollectionExtensions lives in Microsoft.EntityFrameworkCore.dll).
            Gate("Microsoft.Extensions", "Microsoft.Extensions", "Microsoft.EntityFrameworkCore"),
            Gate("Microsoft.EntityFrameworkCore", "Microsoft.EntityFrameworkCore"),
            Gate("Microsoft.IO", "Microsoft.IO"),
            Gate("Microsoft.Azure.WebJobs", "Microsoft.Azure.WebJobs"),
            Gate("Microsoft.Azure.Functions", "Microsoft.Azure.Functions"),
            Gate("Azure", "Azure"),
            Gate("Hangfire", "Hangfire"),
            Gate("Quartz", "Quartz"),
            Gate("MassTransit", "MassTransit"),
            Gate("NServiceBus", "NServiceBus"),
            Gate("Rebus", "Rebus"),
            Gate("MediatR", "MediatR"),
            Gate("Mediator", "Mediator"),
            Gate("Wolverine", "Wolverine", "JasperFx"),
            Gate("Coravel", "Coravel"),
            Gate("DotNetCore.CAP", "DotNetCore.CAP"),
            Gate("RabbitMQ", "RabbitMQ"),
            Gate("Confluent", "Confluent"),
            Gate("Akka", "Akka"),
            Gate("Orleans", "Orleans", "Microsoft.Orleans"),
            Gate("Newtonsoft", "Newtonsoft"),
            Gate("Microsoft.CodeAnalysis", "Microsoft.CodeAnalysis"),
            Gate("System.ObservableExtensions", "System.Reactive"));

        /// <summary>
        /// BCL namespaces whose types live in an assembly named otherwise (in the .NET reference pack), tried before
        /// every reference is searched.
        /// </summary>
        internal static readonly ImmutableArray<(string Namespace, ImmutableArray<string> Assemblies)> Homes = ImmutableArray.Create(
            Gate("System.Buffers", "System.Memory", "System.Buffers"),
            Gate("System.Timers", "System.ComponentModel.TypeConverter", "System.ComponentModel.Primitives"));

        private static readonly ConditionalWeakTable<Compilation, ReferencedAssemblies> PerCompilation = new ConditionalWeakTable<Compilation, ReferencedAssemblies>();

        private readonly IAssemblySymbol _source;
        private readonly Compilation _compilation;
        private readonly ReferenceSet _references;
        private volatile HashSet<string>? _sourceNamespaceRoots;
        private int _assembliesSearched;
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _fullSearches = new System.Collections.Concurrent.ConcurrentQueue<string>();

        private ReferencedAssemblies(Compilation compilation)
        {
            _source = compilation.Assembly;
            _compilation = compilation;
            _references = ReferenceSet.For(compilation, out var reused);
            ReusedReferences = reused;
        }

        /// <summary>The index for a compilation (built once, shared by all rules; weakly keyed, nothing outlives the compilation).</summary>
        public static ReferencedAssemblies Of(Compilation compilation) => PerCompilation.GetValue(compilation, c => new ReferencedAssemblies(c));

        /// <summary>
        /// True when this compilation reuses the metadata answers of an earlier compilation that bound the same referenced
        /// assemblies (an edit, another project with the same references): its look-ups search no reference again.
        /// </summary>
        internal bool ReusedReferences { get; }

        /// <summary>Assemblies searched so far for type look-ups in this compilation (a work counter for tests and the benchmark).</summary>
        public int AssembliesSearched => Volatile.Read(ref _assembliesSearched);

        /// <summary>The names whose look-up had to search every referenced assembly.</summary>
        public IReadOnlyCollection<string> FullSearches => _fullSearches;

        /// <summary>
        /// The type with this metadata name: the source assembly's own, else the first public one in the assemblies that
        /// can define it; for names outside the framework namespaces, every reference is searched when those have none.
        /// </summary>
        public INamedTypeSymbol? Find(string metadataName)
        {
            // Source first (as Compilation.GetTypeByMetadataName does): user code and test stubs may declare framework names.
            // Only when a tree declares a namespace with the name's first segment: asking the source assembly makes the
            // compiler merge every tree's declarations, which the first question at compilation start would pay for.
            if (SourceMayDeclare(metadataName) && Search(_source, metadataName) is { } type)
            {
                return type;
            }

            return _references.Find(metadataName, this);
        }

        /// <summary>
        /// True when some tree declares a namespace whose first segment is <paramref name="metadataName"/>'s (or, for a
        /// name without a namespace, a type outside any namespace). Syntax only: the compilation units' top-level members.
        /// </summary>
        private bool SourceMayDeclare(string metadataName)
        {
            var roots = _sourceNamespaceRoots;
            if (roots is null)
            {
                roots = new HashSet<string>(StringComparer.Ordinal);
                foreach (var tree in _compilation.SyntaxTrees)
                {
                    roots.UnionWith(TreeNamespaceRoots.GetValue(tree, NamespaceRootsOf));
                }

                _sourceNamespaceRoots = roots;
            }

            if (roots.Contains("*"))
            {
                return true;
            }

            var plus = metadataName.IndexOf('+');
            var top = plus < 0 ? metadataName : metadataName.Substring(0, plus);
            return roots.Contains(top.IndexOf('.') < 0 ? string.Empty : RootOf(top));
        }

        // A tree's top-level namespace roots, kept with the (immutable) tree: a new compilation after an edit reads the
        // other trees' answers instead of walking their compilation units again.
        private static readonly ConditionalWeakTable<SyntaxTree, string[]> TreeNamespaceRoots = new ConditionalWeakTable<SyntaxTree, string[]>();

        private static string[] NamespaceRootsOf(SyntaxTree tree)
        {
            if (tree.GetRoot() is not Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax unit)
            {
                return new[] { "*" }; // not C#: ask the source
            }

            var roots = new HashSet<string>(StringComparer.Ordinal);
            foreach (var member in unit.Members)
            {
                roots.Add(member is Microsoft.CodeAnalysis.CSharp.Syntax.BaseNamespaceDeclarationSyntax ns ? RootOf(ns.Name.ToString().Trim()) : string.Empty);
            }

            return roots.Count == 0 ? Array.Empty<string>() : roots.ToArray();
        }

        /// <summary>Counts one assembly searched on behalf of this compilation (the reference set counts its searches here).</summary>
        internal void CountSearch() => Interlocked.Increment(ref _assembliesSearched);

        /// <summary>Records a name whose look-up had to search every referenced assembly.</summary>
        internal void CountFullSearch(string metadataName) => _fullSearches.Enqueue(metadataName);

        private INamedTypeSymbol? Search(IAssemblySymbol assembly, string metadataName)
        {
            Interlocked.Increment(ref _assembliesSearched);
            return assembly.GetTypeByMetadataName(metadataName);
        }

        internal static ImmutableArray<string>? GateOf(string metadataName)
        {
            if (metadataName.StartsWith("System.", StringComparison.Ordinal) && !metadataName.StartsWith("System.ObservableExtensions", StringComparison.Ordinal))
            {
                return null; // the BCL (the common case, checked first)
            }

            foreach (var (ns, assemblies) in Frameworks)
            {
                if (IsPrefix(ns, metadataName))
                {
                    return assemblies;
                }
            }

            return null;
        }

        /// <summary>True when <paramref name="name"/> is <paramref name="prefix"/> or starts with it followed by a dot.</summary>
        internal static bool IsPrefix(string prefix, string name)
            => name.StartsWith(prefix, StringComparison.Ordinal) && (name.Length == prefix.Length || name[prefix.Length] == '.');

        internal static string RootOf(string name)
        {
            var dot = name.IndexOf('.');
            return dot < 0 ? name : name.Substring(0, dot);
        }

        internal static string NamespaceOf(string metadataName)
        {
            var plus = metadataName.IndexOf('+'); // nested types: Outer+Inner
            var top = plus < 0 ? metadataName : metadataName.Substring(0, plus);
            var dot = top.LastIndexOf('.');
            return dot < 0 ? string.Empty : top.Substring(0, dot);
        }

        private static (string, ImmutableArray<string>) Gate(string ns, params string[] assemblies) => (ns, ImmutableArray.Create(assemblies));
    }
}
