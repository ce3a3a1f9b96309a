using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Flow
{
    /// <summary>What happens to a created disposable within the method that created it.</summary>
    public enum OwnershipFate
    {
        /// <summary>Disposed: <c>using</c>, <c>await using</c>, a <c>Dispose</c>/<c>Close</c> call, <c>Dispose</c> in <c>finally</c>.</summary>
        Disposed,

        /// <summary>Handed to an owner or out of the method: returned, stored in a field or collection, wrapped, captured, passed on.</summary>
        Transferred,

        /// <summary>Neither disposed nor handed on: the object leaks when the method ends.</summary>
        Leaked,
    }

    /// <summary>The result of <see cref="Ownership.Analyze"/>.</summary>
    public readonly struct OwnershipResult
    {
        public OwnershipResult(OwnershipFate fate, IOperation value, ILocalSymbol? local, IVariableDeclaratorOperation? declarator)
        {
            Fate = fate;
            Value = value;
            Local = local;
            Declarator = declarator;
        }

        public OwnershipFate Fate { get; }

        /// <summary>The operation whose value is the disposable (the creation, or the <c>await</c> of an async factory).</summary>
        public IOperation Value { get; }

        /// <summary>The local the disposable was stored in, if any.</summary>
        public ILocalSymbol? Local { get; }

        /// <summary>The declarator that introduced <see cref="Local"/> with the disposable as its initializer, if any.</summary>
        public IVariableDeclaratorOperation? Declarator { get; }
    }

    /// <summary>
    /// Shared ownership and escape analysis for a newly created object, local to the method (or lambda) that
    /// creates it. It errs toward <see cref="OwnershipFate.Transferred"/>: any use it cannot prove non-owning counts
    /// as handing the object on, so rules built on it miss rather than warn wrongly.
    /// </summary>
    public static class Ownership
    {
        private static readonly HashSet<string> DisposeNames = new HashSet<string>(StringComparer.Ordinal) { "Dispose", "DisposeAsync", "Close", "Release" };

        private static readonly HashSet<string> OwningMethodNames = new HashSet<string>(StringComparer.Ordinal)
        {
            "File", "Stream", "RegisterForDispose", "RegisterForDisposeAsync",
        };

        /// <summary>Follows a newly created object (<paramref name="creation"/>) to its fate.</summary>
        /// <param name="index">
        /// A per-compilation index of local references per method body; with it, following many locals of one large
        /// body costs one walk of the body instead of one walk per local.
        /// </param>
        public static OwnershipResult Analyze(IOperation creation, DisposableTypes types, CancellationToken cancellationToken, LocalReferenceIndex? index = null)
        {
            var value = ValueOf(creation);
            var (fate, local, declarator) = FollowValue(value, types, cancellationToken, index);
            return new OwnershipResult(fate, value, local, declarator);
        }

        /// <summary>
        /// The operation that carries the created object: the creation itself, or the <c>await</c> of an async
        /// factory (<c>await client.GetAsync(url)</c>, with or without <c>ConfigureAwait</c>).
        /// </summary>
        public static IOperation ValueOf(IOperation creation)
        {
            var current = creation;
            if (current.Parent is IInvocationOperation configureAwait
                && configureAwait.TargetMethod.Name == "ConfigureAwait"
                && ReferenceEquals(configureAwait.Instance, current))
            {
                current = configureAwait;
            }

            return current.Parent is IAwaitOperation awaitOperation ? awaitOperation : creation;
        }

        private static (OwnershipFate, ILocalSymbol?, IVariableDeclaratorOperation?) FollowValue(IOperation value, DisposableTypes types, CancellationToken cancellationToken, LocalReferenceIndex? index)
        {
            var current = SkipUp(value);
            var parent = current.Parent;
            switch (parent)
            {
                case null:
                    return (OwnershipFate.Transferred, null, null);

                case IVariableInitializerOperation initializer when initializer.Parent is IVariableDeclaratorOperation declarator:
                    if (IsUsingResource(declarator))
                    {
                        return (OwnershipFate.Disposed, declarator.Symbol, declarator);
                    }

                    return (FollowLocal(declarator.Symbol, value, types, cancellationToken, index), declarator.Symbol, declarator);

                case IUsingOperation:
                    return (OwnershipFate.Disposed, null, null);

                case ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Value, current):
                    if (assignment.Target is ILocalReferenceOperation localTarget)
                    {
                        return (FollowLocal(localTarget.Local, value, types, cancellationToken, index), localTarget.Local, null);
                    }

                    return assignment.Target is IDiscardOperation
                        ? (OwnershipFate.Leaked, null, null)
                        : (OwnershipFate.Transferred, null, null);

                case IExpressionStatementOperation:
                    return (OwnershipFate.Leaked, null, null);

                case IArgumentOperation argument:
                    return (ArgumentTakesOwnership(argument, types) ? OwnershipFate.Transferred : OwnershipFate.Leaked, null, null);

                case IInvocationOperation invocation when ReferenceEquals(invocation.Instance, current):
                    if (DisposeNames.Contains(invocation.TargetMethod.Name))
                    {
                        return (OwnershipFate.Disposed, null, null);
                    }

                    // A fluent call that returns another disposable may hand the object on; a plain call drops it.
                    return (types.IsDisposable(invocation.TargetMethod.ReturnType) ? OwnershipFate.Transferred : OwnershipFate.Leaked, null, null);

                case IPropertyReferenceOperation property when ReferenceEquals(property.Instance, current):
                    return (types.IsDisposable(property.Type) ? OwnershipFate.Transferred : OwnershipFate.Leaked, null, null);

                case IConditionalAccessOperation conditionalAccess when ReferenceEquals(conditionalAccess.Operation, current):
                    return (IsDisposeCall(conditionalAccess.WhenNotNull) ? OwnershipFate.Disposed : OwnershipFate.Leaked, null, null);

                default:
                    // Returned, yielded, stored in a collection or initializer, wrapped in a tuple, …: handed on.
                    return (OwnershipFate.Transferred, null, null);
            }
        }

        /// <summary>Walks up through conversions, conditionals and coalescing, which pass the value through unchanged.</summary>
        private static IOperation SkipUp(IOperation operation)
        {
            var current = operation;
            while (current.Parent is IConversionOperation
                || current.Parent is IParenthesizedOperation
                || (current.Parent is IConditionalOperation conditional && !ReferenceEquals(conditional.Condition, current))
                || current.Parent is ICoalesceOperation)
            {
                current = current.Parent!;
            }

            return current;
        }

        private static bool IsUsingResource(IVariableDeclaratorOperation declarator)
        {
            var declaration = declarator.Parent as IVariableDeclarationOperation;
            var group = declaration?.Parent as IVariableDeclarationGroupOperation;
            return group?.Parent is IUsingDeclarationOperation
                || group?.Parent is IUsingOperation
                || declaration?.Parent is IUsingOperation;
        }

        private static bool IsDisposeCall(IOperation? operation)
            => operation is IInvocationOperation invocation && DisposeNames.Contains(invocation.TargetMethod.Name);

        /// <summary>
        /// True when passing the object as this argument hands ownership to the callee. Constructors of wrappers
        /// and of user types take ownership (unless <c>leaveOpen: true</c>); methods taking a disposable, a type
        /// parameter or <c>object</c> are assumed to keep it; methods of the same compilation are assumed to keep
        /// it; a library method taking a <c>Stream</c>/<c>TextReader</c>/<c>TextWriter</c> (or another ordinary
        /// parameter) only reads it.
        /// </summary>
        public static bool ArgumentTakesOwnership(IArgumentOperation argument, DisposableTypes types)
        {
            var parameter = argument.Parameter;
            if (parameter is null || parameter.RefKind != RefKind.None)
            {
                return true;
            }

            switch (argument.Parent)
            {
                case IObjectCreationOperation creation:
                    if (types.IsOwningWrapper(creation.Type))
                    {
                        return !HasLeaveOpenTrue(creation.Arguments);
                    }

                    // A constructor of any other type: assume it keeps what it is given.
                    return true;

                case IInvocationOperation invocation:
                    var method = invocation.TargetMethod;
                    if (method.Locations.Length > 0 && method.Locations[0].IsInSource)
                    {
                        return true;
                    }

                    if (types.OnlyReadsArguments(method.ReducedFrom ?? method))
                    {
                        return false;
                    }

                    if (OwningMethodNames.Contains(method.Name))
                    {
                        return true;
                    }

                    var parameterType = (parameter.OriginalDefinition as IParameterSymbol)?.Type ?? parameter.Type;
                    if (parameterType.TypeKind == TypeKind.TypeParameter || parameterType.SpecialType == SpecialType.System_Object)
                    {
                        return true;
                    }

                    // A library method that takes a Stream, TextReader or TextWriter reads it; anything else may keep it.
                    return !types.IsStreamLike(parameter.Type);

                default:
                    return true;
            }
        }

        private static bool HasLeaveOpenTrue(IEnumerable<IArgumentOperation> arguments)
        {
            foreach (var argument in arguments)
            {
                if (argument.Parameter?.Name == "leaveOpen")
                {
                    // Only a constant `true` leaves the inner object with the caller; anything else may hand it over.
                    return argument.Value.ConstantValue is { HasValue: true, Value: true };
                }
            }

            return false;
        }

        private static OwnershipFate FollowLocal(ILocalSymbol local, IOperation value, DisposableTypes types, CancellationToken cancellationToken, LocalReferenceIndex? index)
        {
            if (local.IsRef || local.IsConst)
            {
                return OwnershipFate.Transferred;
            }

            var root = value;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            var declaringFunction = ContainingFunction(value);
            var disposed = false;
            var assignments = 0;

            var operations = index is null ? root.Descendants() : index.Get(root, local, cancellationToken);
            foreach (var operation in operations)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (operation is IVariableDeclaratorOperation declarator
                    && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local)
                    && declarator.Initializer is not null)
                {
                    assignments++;
                    continue;
                }

                if (operation is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
                {
                    continue;
                }

                if (!ReferenceEquals(ContainingFunction(reference), declaringFunction))
                {
                    // Captured by a lambda or local function: it may outlive this method.
                    return OwnershipFate.Transferred;
                }

                var current = SkipUp(reference);
                switch (current.Parent)
                {
                    case ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Target, current):
                        assignments++;
                        break;
                    case ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Value, current):
                        if (assignment.Target is not IDiscardOperation)
                        {
                            return OwnershipFate.Transferred;
                        }

                        break;
                    case IInvocationOperation invocation when ReferenceEquals(invocation.Instance, current):
                        if (DisposeNames.Contains(invocation.TargetMethod.Name))
                        {
                            disposed = true;
                        }

                        break;
                    case IConditionalAccessOperation conditionalAccess when ReferenceEquals(conditionalAccess.Operation, current):
                        if (IsDisposeCall(conditionalAccess.WhenNotNull))
                        {
                            disposed = true;
                        }

                        break;
                    case IUsingOperation:
                        disposed = true;
                        break;
                    case IArgumentOperation argument:
                        if (ArgumentTakesOwnership(argument, types))
                        {
                            return OwnershipFate.Transferred;
                        }

                        break;
                    case IPropertyReferenceOperation:
                    case IFieldReferenceOperation:
                    case IEventReferenceOperation:
                    case IMethodReferenceOperation:
                    case IBinaryOperation:
                    case IIsTypeOperation:
                    case IIsPatternOperation:
                    case IExpressionStatementOperation:
                    case IAwaitOperation:
                    case IForEachLoopOperation:
                    case IInterpolationOperation:
                    case ILockOperation:
                        // A plain use: reads the object, keeps nothing.
                        break;
                    default:
                        // Returned, yielded, stored, put in a collection or tuple, passed by ref, …
                        return OwnershipFate.Transferred;
                }
            }

            if (assignments > 1)
            {
                // Reassigned: which object a later Dispose releases is beyond this analysis.
                return OwnershipFate.Transferred;
            }

            return disposed ? OwnershipFate.Disposed : OwnershipFate.Leaked;
        }

        /// <summary>The innermost lambda or local function containing <paramref name="operation"/>, or null for the method itself.</summary>
        public static IOperation? ContainingFunction(IOperation operation)
        {
            for (var current = operation.Parent; current is not null; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation || current is ILocalFunctionOperation)
                {
                    return current;
                }
            }

            return null;
        }
    }
}
