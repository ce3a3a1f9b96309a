using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>Type and name comparisons the handler recognizers share (by original definition).</summary>
    internal static class TypeRelations
    {
        internal static bool MatchesName(ImmutableArray<string> patterns, string name)
        {
            foreach (var pattern in patterns)
            {
                if (pattern.EndsWith("*", StringComparison.Ordinal)
                    ? name.StartsWith(pattern.Substring(0, pattern.Length - 1), StringComparison.Ordinal)
                    : pattern == name)
                {
                    return true;
                }
            }

            return false;
        }

        internal static bool HasAttribute(ISymbol symbol, INamedTypeSymbol attributeType)
        {
            foreach (var attribute in symbol.GetAttributes())
            {
                if (InheritsOrEquals(attribute.AttributeClass, attributeType))
                {
                    return true;
                }
            }

            return false;
        }

        internal static bool InheritsOrEquals(INamedTypeSymbol? type, INamedTypeSymbol? baseType)
        {
            if (baseType is null)
            {
                return false;
            }

            for (var current = type; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
                {
                    return true;
                }
            }

            return false;
        }

        internal static bool InheritsFrom(INamedTypeSymbol? type, INamedTypeSymbol? baseType)
            => type is not null && InheritsOrEquals(type.BaseType, baseType);

        internal static bool ImplementsOrEquals(INamedTypeSymbol? type, INamedTypeSymbol? @interface)
        {
            if (type is null || @interface is null)
            {
                return false;
            }

            if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, @interface))
            {
                return true;
            }

            foreach (var implemented in type.AllInterfaces)
            {
                if (SymbolEqualityComparer.Default.Equals(implemented.OriginalDefinition, @interface))
                {
                    return true;
                }
            }

            return false;
        }

        internal static bool InheritsOrImplements(INamedTypeSymbol type, INamedTypeSymbol other)
            => other.TypeKind == TypeKind.Interface ? ImplementsOrEquals(type, other) : InheritsOrEquals(type, other);
    }
}
