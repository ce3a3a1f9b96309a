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
        /// The type with this metadata name, or null. When several referenced assemblies define the name
        /// (<see cref="Compilation.GetTypeByMetadataName"/> then returns null), the first public one is taken.
        /// </summary>
        public static INamedTypeSymbol? Get(Compilation compilation, string metadataName)
            => PerCompilation.GetValue(compilation, _ => new ConcurrentDictionary<string, INamedTypeSymbol?>(System.StringComparer.Ordinal))
                .GetOrAdd(metadataName, name => Resolve(compilation, name));

        // Every rule asks for its types at compilation start, and most asked-for framework types are absent (a project
        // references a few of the frameworks recognised), which is the expensive case (a search of every referenced
        // assembly). One answer per compilation and name, shared by all rules; weakly keyed, so nothing outlives the
        // compilation.
        private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<string, INamedTypeSymbol?>> PerCompilation =
            new ConditionalWeakTable<Compilation, ConcurrentDictionary<string, INamedTypeSymbol?>>();

        private static INamedTypeSymbol? Resolve(Compilation compilation, string metadataName)
        {
            var type = compilation.GetTypeByMetadataName(metadataName);
            if (type is not null)
            {
                return type;
            }

            foreach (var candidate in compilation.GetTypesByMetadataName(metadataName))
            {
                if (candidate.DeclaredAccessibility == Accessibility.Public)
                {
                    return candidate;
                }
            }

            return null;
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
