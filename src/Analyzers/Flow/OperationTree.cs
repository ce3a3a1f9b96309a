using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Flow
{
    /// <summary>Small walks over an operation tree that several rules need.</summary>
    public static class OperationTree
    {
        /// <summary>The root of the tree the operation belongs to: a method body, a field initializer, …</summary>
        public static IOperation Root(IOperation operation)
        {
            var root = operation;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            return root;
        }

        /// <summary>The operation inside any implicit or explicit conversions.</summary>
        public static IOperation? SkipConversions(IOperation? operation)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            return operation;
        }

        /// <summary>The outermost conversion wrapping the operation (or the operation itself): whose parent says how it is used.</summary>
        public static IOperation OuterConversion(IOperation operation)
        {
            while (operation.Parent is IConversionOperation)
            {
                operation = operation.Parent;
            }

            return operation;
        }

        /// <summary>Whether a local or parameter reference is written there: assigned, incremented, passed by ref or out.</summary>
        public static bool IsWrite(IOperation reference)
        {
            var use = OuterConversion(reference);
            return use.Parent switch
            {
                IAssignmentOperation assignment => ReferenceEquals(assignment.Target, use),
                IIncrementOrDecrementOperation => true,
                IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } => true,
                _ => false,
            };
        }
    }
}
