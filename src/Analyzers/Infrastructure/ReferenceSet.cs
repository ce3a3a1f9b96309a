using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers.Infrastructure
{
    /// <summary>
    /// The metadata half of <see cref="ReferencedAssemblies"/>: the referenced assembly symbols indexed by name, and the
    /// answers of well-known-type look-ups in them. It depends on nothing but those symbols, so it is shared by every
    /// compilation that binds the same ones — the compiler keeps a compilation's referenced assembly symbols when only
    /// its trees change (every edit in the IDE), and reuses them for another compilation with the same references
    /// (projects of one solution, repeated builds in the compiler server). Such a compilation resolves the catalog with
    /// dictionary hits instead of searching assemblies again; the source assembly is always asked per compilation
    /// (<see cref="ReferencedAssemblies.Find"/>), never here.
    /// </summary>
    /// <remarks>
    /// The cache holds the sets weakly, grouped by the core library's assembly symbol (a weak table): a set lives as long
    /// as some compilation's <see cref="ReferencedAssemblies"/> uses it, and is collected with the last of them — a
    /// package upgrade or a closed project leaves nothing behind. Projects with different references keep a set each.
    /// </remarks>
    internal sealed class ReferenceSet
    {
        private static readonly ConditionalWeakTable<IAssemblySymbol, Holder> PerCoreLibrary = new ConditionalWeakTable<IAssemblySymbol, Holder>();

        private readonly ImmutableArray<IAssemblySymbol> _all;
        private readonly IAssemblySymbol? _corLibrary;
        private readonly Dictionary<string, List<IAssemblySymbol>> _byRootName = new Dictionary<string, List<IAssemblySymbol>>(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, INamedTypeSymbol?> _answers = new ConcurrentDictionary<string, INamedTypeSymbol?>(StringComparer.Ordinal);
        private readonly int _hash;

        private ReferenceSet(ImmutableArray<IAssemblySymbol> all, IAssemblySymbol? corLibrary)
        {
            _all = all;
            _corLibrary = corLibrary;
            _hash = HashOf(all);
            foreach (var assembly in all)
            {
                var root = ReferencedAssemblies.RootOf(assembly.Identity.Name);
                if (!_byRootName.TryGetValue(root, out var list))
                {
                    _byRootName[root] = list = new List<IAssemblySymbol>();
                }

                list.Add(assembly);
            }
        }

        private sealed class Holder
        {
            public readonly List<WeakReference<ReferenceSet>> Sets = new List<WeakReference<ReferenceSet>>();
        }

        /// <summary>
        /// The set for <paramref name="compilation"/>'s referenced assemblies: the one an earlier compilation built when
        /// it bound the very same assembly symbols (<paramref name="reused"/>), else a new one.
        /// </summary>
        public static ReferenceSet For(Compilation compilation, out bool reused)
        {
            reused = false;
            var all = compilation.SourceModule.ReferencedAssemblySymbols;
            var corLibrary = compilation.GetSpecialType(SpecialType.System_Object) is { TypeKind: not TypeKind.Error } obj ? obj.ContainingAssembly : null;
            if (corLibrary is null)
            {
                return new ReferenceSet(all, null); // no core library (broken references): not shared
            }

            var holder = PerCoreLibrary.GetValue(corLibrary, _ => new Holder());
            var hash = HashOf(all);
            lock (holder.Sets)
            {
                for (var i = holder.Sets.Count - 1; i >= 0; i--)
                {
                    if (!holder.Sets[i].TryGetTarget(out var set))
                    {
                        holder.Sets.RemoveAt(i); // its compilations are gone
                    }
                    else if (set._hash == hash && set.Binds(all))
                    {
                        reused = true;
                        return set;
                    }
                }

                var created = new ReferenceSet(all, corLibrary);
                holder.Sets.Add(new WeakReference<ReferenceSet>(created));
                return created;
            }
        }

        private static int HashOf(ImmutableArray<IAssemblySymbol> all)
        {
            var hash = all.Length;
            foreach (var assembly in all)
            {
                hash = unchecked((hash * 31) + RuntimeHelpers.GetHashCode(assembly));
            }

            return hash;
        }

        private bool Binds(ImmutableArray<IAssemblySymbol> all)
        {
            if (all.Length != _all.Length)
            {
                return false;
            }

            for (var i = 0; i < all.Length; i++)
            {
                // Identity of the symbol objects, not equality of names: the same symbols mean the same types.
                if (!ReferenceEquals(all[i], _all[i]))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The public type with this metadata name in the referenced assemblies (see <see cref="ReferencedAssemblies.Find"/>).</summary>
        public INamedTypeSymbol? Find(string metadataName, ReferencedAssemblies asker)
            => _answers.TryGetValue(metadataName, out var known) ? known : _answers.GetOrAdd(metadataName, Search(metadataName, asker));

        private INamedTypeSymbol? Search(string metadataName, ReferencedAssemblies asker)
        {
            var gate = ReferencedAssemblies.GateOf(metadataName);
            INamedTypeSymbol? nonPublic = null;
            var searched = new HashSet<IAssemblySymbol>(SymbolEqualityComparer.Default);
            if (gate is not null)
            {
                var present = false;
                foreach (var prefix in gate.Value)
                {
                    foreach (var assembly in Named(prefix))
                    {
                        present = true;
                        if (TryCandidate(assembly, metadataName, searched, ref nonPublic, asker) is { } found)
                        {
                            return found;
                        }
                    }
                }

                if (!present || nonPublic is not null)
                {
                    return nonPublic; // an absent framework: nothing can define its names (but the source, asked first)
                }

                // Present, but the name is not in its own assemblies: other packages add types to a framework's namespace
                // (EF Core's EntityFrameworkServiceCollectionExtensions in Microsoft.Extensions.DependencyInjection).
            }

            // Outside the framework namespaces: the core library, then assemblies named like the namespace
            // (System.Threading.Channels.ChannelReader`1 → System.Threading.Channels), then everything.
            if (_corLibrary is not null && TryCandidate(_corLibrary, metadataName, searched, ref nonPublic, asker) is { } core)
            {
                return core;
            }

            var ns = ReferencedAssemblies.NamespaceOf(metadataName);
            if (ns.Length > 0 && _byRootName.TryGetValue(ReferencedAssemblies.RootOf(ns), out var related))
            {
                foreach (var assembly in related)
                {
                    var name = assembly.Identity.Name;
                    if ((ReferencedAssemblies.IsPrefix(name, ns) || ReferencedAssemblies.IsPrefix(ns, name)) && TryCandidate(assembly, metadataName, searched, ref nonPublic, asker) is { } near)
                    {
                        return near;
                    }
                }
            }

            foreach (var (home, assemblies) in ReferencedAssemblies.Homes)
            {
                if (ReferencedAssemblies.IsPrefix(home, metadataName))
                {
                    foreach (var prefix in assemblies)
                    {
                        foreach (var assembly in Named(prefix))
                        {
                            if (TryCandidate(assembly, metadataName, searched, ref nonPublic, asker) is { } homed)
                            {
                                return homed;
                            }
                        }
                    }
                }
            }

            if (nonPublic is not null)
            {
                return nonPublic;
            }

            asker.CountFullSearch(metadataName);
            foreach (var assembly in _all)
            {
                if (TryCandidate(assembly, metadataName, searched, ref nonPublic, asker) is { } any)
                {
                    return any;
                }
            }

            return nonPublic;
        }

        private static INamedTypeSymbol? TryCandidate(IAssemblySymbol assembly, string metadataName, HashSet<IAssemblySymbol> searched, ref INamedTypeSymbol? nonPublic, ReferencedAssemblies asker)
        {
            if (!searched.Add(assembly))
            {
                return null;
            }

            asker.CountSearch();
            var type = assembly.GetTypeByMetadataName(metadataName);
            if (type is null)
            {
                return null;
            }

            if (type.DeclaredAccessibility == Accessibility.Public)
            {
                return type;
            }

            nonPublic ??= type;
            return null;
        }

        private IEnumerable<IAssemblySymbol> Named(string prefix)
        {
            if (_byRootName.TryGetValue(ReferencedAssemblies.RootOf(prefix), out var list))
            {
                foreach (var assembly in list)
                {
                    if (ReferencedAssemblies.IsPrefix(prefix, assembly.Identity.Name))
                    {
                        yield return assembly;
                    }
                }
            }
        }
    }
}
