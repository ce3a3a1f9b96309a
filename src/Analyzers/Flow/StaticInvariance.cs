using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Flow
{
    /// <summary>
    /// Whether an expression has the same value every time it runs and can move, as written, into a static field
    /// initializer of the same type: constants, <c>typeof</c> of a type without method type parameters, static readonly
    /// fields, and object / array creations built only from those (object initializers included).
    /// </summary>
    public static class StaticInvariance
    {
        public static bool IsInvariant(IOperation? operation)
        {
            if (operation is null)
            {
                return false;
            }

            if (operation.ConstantValue.HasValue)
            {
                return true;
            }

            switch (operation)
            {
                case IConversionOperation conversion:
                    return IsInvariant(conversion.Operand);
                case IDefaultValueOperation:
                    return true;
                case ITypeOfOperation typeOf:
                    return !MentionsMethodTypeParameter(typeOf.TypeOperand);
                case IFieldReferenceOperation field:
                    return field.Field.IsStatic && (field.Field.IsReadOnly || field.Field.IsConst);
                case IObjectCreationOperation creation:
                    return creation.Arguments.All(a => IsInvariant(a.Value))
                        && (creation.Initializer is null || creation.Initializer.Initializers.All(IsInvariantMemberInitializer))
                        && !MentionsMethodTypeParameter(creation.Type);
                case IArrayCreationOperation array:
                    return array.DimensionSizes.All(IsInvariant)
                        && (array.Initializer is null || array.Initializer.ElementValues.All(IsInvariant))
                        && !MentionsMethodTypeParameter(array.Type);
                default:
                    return false;
            }
        }

        private static bool IsInvariantMemberInitializer(IOperation initializer)
            => initializer is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Instance: IInstanceReferenceOperation, Arguments.Length: 0 } or IFieldReferenceOperation { Instance: IInstanceReferenceOperation } } assignment
               && IsInvariant(assignment.Value);

        private static bool MentionsMethodTypeParameter(ITypeSymbol? type)
        {
            switch (type)
            {
                case null:
                    return false;
                case ITypeParameterSymbol parameter:
                    return parameter.TypeParameterKind == TypeParameterKind.Method;
                case IArrayTypeSymbol array:
                    return MentionsMethodTypeParameter(array.ElementType);
                case INamedTypeSymbol named:
                    return named.TypeArguments.Any(MentionsMethodTypeParameter) || MentionsMethodTypeParameter(named.ContainingType);
                default:
                    return false;
            }
        }
    }
}
