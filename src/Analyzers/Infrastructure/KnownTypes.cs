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
            => PerCompilation.GetValue(compilation, _ => new ConcurrentDictionary<string, INamedTypeSymbol?>(System.StringComparer.Ordinal))
                .GetOrAdd(metadataName, name => Resolve(compilation, name));

        // Every rule asks for its types at compilation start, and most asked-for framework types are absent (a project
        // references a few of the frameworks recognised). One answer per compilation and name, shared by all rules, found
        // through ReferencedAssemblies: an absent framework's types are never searched for, and a present type is looked
        // up in the few assemblies that can define it rather than in every reference. Weakly keyed, so nothing outlives
        // the compilation.
        private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<string, INamedTypeSymbol?>> PerCompilation =
            new ConditionalWeakTable<Compilation, ConcurrentDictionary<string, INamedTypeSymbol?>>();

        private static INamedTypeSymbol? Resolve(Compilation compilation, string metadataName)
            => ReferencedAssemblies.Of(compilation).Find(metadataName);

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
