using System.Collections.Concurrent;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers.Infrastructure
{
    /// <summary>Symbol look-ups by metadata name. Call from compilation-start actions and cache the results there.</summary>
    public static class KnownTypes
    {
        /// <summary>
        /// The type with this metadata name, or null: the source assembly's own, else the first public one among the
        /// referenced assemblies that can define it (see <see cref="ReferencedAssemblies"/>).
        /// </summary>
        public static INamedTypeSymbol? Get(Compilation compilation, string metadataName)
        {
            var answers = PerCompilation.GetValue(compilation, _ => new ConcurrentDictionary<string, INamedTypeSymbol?>(System.StringComparer.Ordinal));
            return answers.TryGetValue(metadataName, out var known) ? known : answers.GetOrAdd(metadataName, Resolve(compilation, metadataName)); // no closure per call
        }

        // Every rule asks for its types at compilation start, and most asked-for framework types are absent (a project
        // references a few of the frameworks recognised). One answer per compilation and name, shared by all rules, found
        // through ReferencedAssemblies: an absent framework's types are never searched for, and a present type is looked
        // up in the few assemblies that can define it rather than in every reference. Weakly keyed, so nothing outlives
        // the compilation.
        private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<string, INamedTypeSymbol?>> PerCompilation =
            new ConditionalWeakTable<Compilation, ConcurrentDictionary<string, INamedTypeSymbol?>>();

        private static INamedTypeSymbol? Resolve(Compilation compilation, string metadataName)
            => ReferencedAssemblies.Of(compilation).Find(metadataName);

        /// <summary>
        /// True when <paramref name="ns"/> is exactly the namespace <paramref name="dottedName"/> ("System.Text"; "" for
        /// the global namespace). Compared part by part: no display string is built, so hot paths can ask it.
        /// </summary>
        public static bool IsNamespace(INamespaceSymbol? ns, string dottedName) => IsNamespace(ns, dottedName, dottedName.Length);

        /// <summary>
        /// True when <paramref name="type"/>'s original definition is the top-level type with this full metadata name
        /// ("System.Collections.Generic.Dictionary`2"), wherever it is defined — for the few questions that need no
        /// look-up at all (a name compared per field or per call); <see cref="Get"/> when the symbol itself is needed.
        /// </summary>
        public static bool HasMetadataName(ITypeSymbol? type, string fullMetadataName)
        {
            if (type is not INamedTypeSymbol named || named.OriginalDefinition is not { ContainingType: null } definition)
            {
                return false;
            }

            var dot = fullMetadataName.LastIndexOf('.');
            var name = definition.MetadataName;
            return name.Length == fullMetadataName.Length - dot - 1
                && string.CompareOrdinal(fullMetadataName, dot + 1, name, 0, name.Length) == 0
                && IsNamespace(definition.ContainingNamespace, fullMetadataName, dot < 0 ? 0 : dot);
        }

        // The namespace against dottedName[0..length), from its last part back to the global namespace.
        private static bool IsNamespace(INamespaceSymbol? ns, string dottedName, int length)
        {
            var end = length;
            for (; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            {
                if (end <= 0)
                {
                    return false;
                }

                var start = dottedName.LastIndexOf('.', end - 1) + 1;
                var part = ns.Name;
                if (end - start != part.Length || string.CompareOrdinal(dottedName, start, part, 0, part.Length) != 0)
                {
                    return false;
                }

                end = start - 1;
            }

            return ns is not null && end <= 0;
        }

        /// <summary>True when <paramref name="type"/> is, derives from, or implements <paramref name="other"/>.</summary>
        public static bool IsOrDerivesFrom(ITypeSymbol? type, INamedTypeSymbol? other)
        {
            if (type is null || other is null)
            {
                return false;
            }

            if (other.TypeKind == TypeKind.Interface)
            {
                return SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, other)
                    || type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, other));
            }

            for (var current = type; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, other))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
