using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Flow
{
    /// <summary>
    /// Whether a value created per call is kept by a cache the author wrote: assigned to a field, property or array
    /// element (<c>??=</c> included), added to a collection, returned from a factory lambda handed to
    /// <c>GetOrAdd</c>/<c>GetOrCreate</c>/<c>Lazy&lt;T&gt;</c>, or returned to the caller — directly or through a local.
    /// The rules that report "created per message, never reused" stay silent for these.
    /// </summary>
    public static class StoredValues
    {
        private static readonly ImmutableHashSet<string> FactoryMethods = CollectionMembers.Adds.Union(new[] { "GetOrCreate", "GetOrCreateAsync", "Set", "EnsureInitialized" });

        /// <summary>
        /// True when the value is kept beyond the call — assigned to a field, property or element, added to a
        /// collection, returned from a factory lambda handed to GetOrAdd/Lazy — directly or through a local.
        /// </summary>
        public static bool IsStored(IOperation creation, LocalReferenceIndex index, CancellationToken cancellationToken)
        {
            if (IsStoredUse(creation, out var local))
            {
                return true;
            }

            if (local is null)
            {
                return false;
            }

            foreach (var reference in index.Get(OperationTree.Root(creation), local, cancellationToken))
            {
                if (reference is ILocalReferenceOperation && !OperationTree.IsWrite(reference) && IsStoredUse(reference, out _))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsStoredUse(IOperation value, out ILocalSymbol? local)
        {
            local = null;
            var use = OperationTree.OuterConversion(value);
            switch (use.Parent)
            {
                case IAssignmentOperation assignment when ReferenceEquals(assignment.Value, use):
                    switch (assignment.Target)
                    {
                        case ILocalReferenceOperation target:
                            local = target.Local;
                            return false;
                        case IFieldReferenceOperation:
                        case IPropertyReferenceOperation:
                        case IArrayElementReferenceOperation:
                            return true;
                        default:
                            return false;
                    }

                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    local = declarator.Symbol;
                    return false;
                case IArgumentOperation { Parent: IInvocationOperation invocation }:
                    return FactoryMethods.Contains(invocation.TargetMethod.Name);
                case IArgumentOperation { Parent: IObjectCreationOperation { Type.Name: "Lazy" } }:
                    return true;
                case ICoalesceOperation coalesce when ReferenceEquals(coalesce.WhenNull, use):
                    return IsStoredUse(coalesce, out local);
                case IReturnOperation:
                    return IsFactoryLambdaReturn(use);
                default:
                    return false;
            }
        }

        /// <summary>A value returned by a lambda that is handed to a cache's factory parameter (GetOrAdd, GetOrCreate, Lazy).</summary>
        private static bool IsFactoryLambdaReturn(IOperation use)
        {
            for (var current = use.Parent; current is not null; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation lambda)
                {
                    var outer = lambda.Parent is IDelegateCreationOperation delegateCreation ? OperationTree.OuterConversion(delegateCreation) : OperationTree.OuterConversion(lambda);
                    return outer.Parent switch
                    {
                        IArgumentOperation { Parent: IInvocationOperation invocation } => FactoryMethods.Contains(invocation.TargetMethod.Name),
                        IArgumentOperation { Parent: IObjectCreationOperation { Type.Name: "Lazy" } } => true,
                        _ => false,
                    };
                }

                if (current is ILocalFunctionOperation)
                {
                    break;
                }
            }

            // Returned from a method or local function: the caller owns it (and typically caches it).
            return true;
        }
    }
}
