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

    /// <summary>For an object disposed by explicit calls: a path on which none of them runs.</summary>
    public enum DisposalGap
    {
        /// <summary>Every path reaches a disposal (or it is a <c>using</c>, or in <c>finally</c>).</summary>
        None,

        /// <summary>A <c>return</c>, <c>break</c> or <c>continue</c> between the creation and the <c>Dispose</c> call leaves without disposing.</summary>
        EarlyExit,

        /// <summary>Code that may throw runs between the creation and the <c>Dispose</c> call, outside <c>try</c>/<c>finally</c>.</summary>
        ExceptionPath,
    }

    /// <summary>The result of <see cref="Ownership.Analyze"/>.</summary>
    public readonly struct OwnershipResult
    {
        public OwnershipResult(OwnershipFate fate, IOperation value, ILocalSymbol? local, IVariableDeclaratorOperation? declarator, DisposalGap gap = DisposalGap.None, IOperation? gapSite = null)
        {
            Fate = fate;
            Value = value;
            Local = local;
            Declarator = declarator;
            Gap = gap;
            GapSite = gapSite;
        }

        /// <summary>When <see cref="Fate"/> is <see cref="OwnershipFate.Disposed"/> by explicit calls: a path that skips them.</summary>
        public DisposalGap Gap { get; }

        /// <summary>The exit (<c>return</c>, <c>throw</c>, …) or the first call that may throw on the path of <see cref="Gap"/>.</summary>
        public IOperation? GapSite { get; }

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
            return new OwnershipResult(fate.Fate, value, local, declarator, fate.Gap, fate.GapSite);
        }

        /// <summary>
        /// Follows the object a call hands back through an <c>out</c> argument (<c>TryCreate(out var stream)</c>) to its
        /// fate. Null when the argument is not an <c>out</c> local.
        /// </summary>
        public static OwnershipResult? AnalyzeOutArgument(IArgumentOperation argument, DisposableTypes types, CancellationToken cancellationToken, LocalReferenceIndex? index = null)
        {
            var reference = argument.Value switch
            {
                IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared } => declared,
                ILocalReferenceOperation plain => plain,
                _ => null,
            };

            if (reference is null || argument.Parameter?.RefKind != RefKind.Out)
            {
                return null;
            }

            // Where the out value is tested (`if (!TryCreate(out var s)) return;`) the object may not exist on the early
            // path: report only objects never disposed, not gaps.
            var fate = FollowLocal(reference.Local, argument, types, cancellationToken, index, origin: reference);
            return new OwnershipResult(fate.Fate, argument, reference.Local, null);
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

        private static (LocalFate, ILocalSymbol?, IVariableDeclaratorOperation?) FollowValue(IOperation value, DisposableTypes types, CancellationToken cancellationToken, LocalReferenceIndex? index)
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
                    if (SkipUp(assignment).Parent is IUsingOperation)
                    {
                        // using (stream = new FileStream(…)) { … }
                        return (OwnershipFate.Disposed, (assignment.Target as ILocalReferenceOperation)?.Local, null);
                    }

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
                    return (ArgumentTakesOwnership(argument, types, cancellationToken) ? OwnershipFate.Transferred : OwnershipFate.Leaked, null, null);

                case IInvocationOperation invocation when ReferenceEquals(invocation.Instance, current):
                    if (DisposeNames.Contains(invocation.TargetMethod.Name))
                    {
                        return (OwnershipFate.Disposed, null, null);
                    }

                    // A fluent call that returns another disposable may hand the object on; a plain call (or one that
                    // returns a task, `ReadLineAsync()`) drops it.
                    var returned = invocation.TargetMethod.ReturnType;
                    return (types.IsDisposable(returned) && !types.HasNothingToRelease(returned) ? OwnershipFate.Transferred : OwnershipFate.Leaked, null, null);

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
        /// take ownership unless <c>leaveOpen: true</c>; other library constructors, and library methods taking a
        /// disposable, a type parameter or <c>object</c>, are assumed to keep it; a constructor or method of the same
        /// compilation keeps it unless its body shows it does not (<see cref="DisposableTypes.KeepsArgument"/>: it only
        /// calls and reads members of it); a library method taking a <c>Stream</c>/<c>TextReader</c>/<c>TextWriter</c>
        /// (or another ordinary parameter) only reads it.
        /// </summary>
        public static bool ArgumentTakesOwnership(IArgumentOperation argument, DisposableTypes types, CancellationToken cancellationToken = default)
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

                    // A constructor of this compilation that visibly does not keep it: still ours. Any other: kept.
                    return creation.Constructor is not { } constructor || !IsInSource(constructor) || types.KeepsArgument(parameter, cancellationToken);

                case IInvocationOperation invocation:
                    var method = invocation.TargetMethod;
                    if (IsInSource(method))
                    {
                        return types.KeepsArgument(parameter, cancellationToken);
                    }

                    if (types.OnlyReadsArguments(method.ReducedFrom ?? method))
                    {
                        return false;
                    }

                    // The receiver of a library extension method (`channel.BasicPublishAsync(…)`) is used, not kept,
                    // unless the extension hands back a disposable or the receiver's own type (`x.DisposeWith(bag)`).
                    if (method.IsExtensionMethod && parameter.Ordinal == 0 && !OwningMethodNames.Contains(method.Name))
                    {
                        var returnType = method.ReturnType;
                        return (types.IsDisposable(returnType) && !types.HasNothingToRelease(returnType))
                            || returnType.TypeKind == TypeKind.TypeParameter
                            || returnType.SpecialType == SpecialType.System_Object;
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

        private static bool IsInSource(IMethodSymbol method) => method.Locations.Length > 0 && method.Locations[0].IsInSource;

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

        private static LocalFate FollowLocal(ILocalSymbol local, IOperation value, DisposableTypes types, CancellationToken cancellationToken, LocalReferenceIndex? index, IOperation? origin = null)
        {
            if (local.IsRef || local.IsConst)
            {
                return OwnershipFate.Transferred;
            }

            var root = OperationTree.Root(value);
            var declaringFunction = ContainingFunction(value);
            var disposals = new List<IOperation>();
            var disposedByScope = false;
            var assignments = origin is null ? 0 : 1;

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

                if (operation is not ILocalReferenceOperation reference
                    || !SymbolEqualityComparer.Default.Equals(reference.Local, local)
                    || ReferenceEquals(reference, origin))
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
                        if (SkipUp(assignment).Parent is IUsingOperation)
                        {
                            // using (stream = new FileStream(…)) { … }
                            disposedByScope = true;
                        }

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
                            disposals.Add(invocation);
                        }

                        break;
                    case IConditionalAccessOperation conditionalAccess when ReferenceEquals(conditionalAccess.Operation, current):
                        if (IsDisposeCall(conditionalAccess.WhenNotNull))
                        {
                            disposals.Add(conditionalAccess);
                        }

                        break;
                    case IUsingOperation:
                        disposedByScope = true;
                        break;
                    case IArgumentOperation argument:
                        if (ArgumentTakesOwnership(argument, types, cancellationToken))
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

            if (disposedByScope)
            {
                return OwnershipFate.Disposed;
            }

            if (disposals.Count == 0)
            {
                return OwnershipFate.Leaked;
            }

            if (origin is not null)
            {
                return OwnershipFate.Disposed;
            }

            var (gap, site) = FindGap(value, disposals, declaringFunction, cancellationToken);
            return new LocalFate(OwnershipFate.Disposed, gap, site);
        }

        /// <summary>
        /// For an object disposed only by explicit calls: the first exit between the creation and the last call on
        /// which no call has run (<c>return</c>, <c>break</c>/<c>continue</c> out of the creating loop, <c>throw</c>),
        /// else the first call that may throw before the first disposal. None when a disposal is in <c>finally</c>, or
        /// a <c>catch</c> around the code disposes too. Walks only the block that declares the object.
        /// </summary>
        private static (DisposalGap, IOperation?) FindGap(IOperation value, List<IOperation> disposals, IOperation? declaringFunction, CancellationToken cancellationToken)
        {
            foreach (var disposal in disposals)
            {
                if (IsInFinally(disposal))
                {
                    return (DisposalGap.None, null);
                }
            }

            var scope = value.Parent;
            while (scope is not null && scope is not IBlockOperation)
            {
                scope = scope.Parent;
            }

            if (scope is null)
            {
                return (DisposalGap.None, null);
            }

            var createdAt = value.Syntax.Span;
            var firstDisposal = int.MaxValue;
            var lastDisposal = 0;
            foreach (var disposal in disposals)
            {
                firstDisposal = Math.Min(firstDisposal, disposal.Syntax.SpanStart);
                lastDisposal = Math.Max(lastDisposal, disposal.Syntax.SpanStart);
            }

            IOperation? exceptionSite = null;
            IOperation? throwSite = null;
            foreach (var operation in scope.Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var start = operation.Syntax.SpanStart;
                if (start <= createdAt.End || start >= lastDisposal || createdAt.Contains(operation.Syntax.Span))
                {
                    continue;
                }

                switch (operation)
                {
                    case IReturnOperation { Kind: OperationKind.Return } or IBranchOperation { BranchKind: BranchKind.Break or BranchKind.Continue }:
                        if (ReferenceEquals(ContainingFunction(operation), declaringFunction)
                            && LeavesScopeOf(operation, createdAt)
                            && !IsCovered(operation, disposals, createdAt))
                        {
                            return (DisposalGap.EarlyExit, operation);
                        }

                        break;
                    case IThrowOperation:
                        if (throwSite is null
                            && ReferenceEquals(ContainingFunction(operation), declaringFunction)
                            && !IsCovered(operation, disposals, createdAt))
                        {
                            throwSite = operation;
                        }

                        break;
                    case IInvocationOperation or IAwaitOperation or IObjectCreationOperation:
                        if (exceptionSite is null
                            && start < firstDisposal
                            && !operation.IsImplicit
                            && !disposals.Exists(d => d.Syntax.Span.Contains(operation.Syntax.Span))
                            && ReferenceEquals(ContainingFunction(operation), declaringFunction)
                            && !IsCovered(operation, disposals, createdAt))
                        {
                            exceptionSite = operation;
                        }

                        break;
                }
            }

            var site = throwSite ?? exceptionSite;
            return site is null ? (DisposalGap.None, null) : (DisposalGap.ExceptionPath, site);
        }

        /// <summary>A return leaves the method; a break or continue leaves the object's scope when its loop (or switch) encloses the creation.</summary>
        private static bool LeavesScopeOf(IOperation exit, Microsoft.CodeAnalysis.Text.TextSpan createdAt)
        {
            if (exit is IReturnOperation)
            {
                return true;
            }

            for (var current = exit.Parent; current is not null; current = current.Parent)
            {
                if (current is ILoopOperation || current is ISwitchOperation)
                {
                    return current.Syntax.Span.Contains(createdAt);
                }

                if (current is IAnonymousFunctionOperation || current is ILocalFunctionOperation)
                {
                    return false;
                }
            }

            return false;
        }

        /// <summary>
        /// True when a disposal already ran on the way to <paramref name="site"/> (a call after the creation, in a block
        /// that encloses the site, before it), or a <c>catch</c> of a <c>try</c> around the site disposes.
        /// </summary>
        private static bool IsCovered(IOperation site, List<IOperation> disposals, Microsoft.CodeAnalysis.Text.TextSpan createdAt)
        {
            foreach (var disposal in disposals)
            {
                var start = disposal.Syntax.SpanStart;
                if (start > createdAt.End && start < site.Syntax.SpanStart)
                {
                    var block = disposal.Parent;
                    while (block is not null && block is not IBlockOperation)
                    {
                        block = block.Parent;
                    }

                    if (block is not null && block.Syntax.Span.Contains(site.Syntax.Span))
                    {
                        return true;
                    }
                }
            }

            for (var current = site.Parent; current is not null; current = current.Parent)
            {
                if (current is ITryOperation @try && @try.Body.Syntax.Span.Contains(site.Syntax.Span))
                {
                    foreach (var disposal in disposals)
                    {
                        foreach (var @catch in @try.Catches)
                        {
                            if (@catch.Syntax.Span.Contains(disposal.Syntax.Span))
                            {
                                return true;
                            }
                        }
                    }
                }
            }

            return false;
        }

        private static bool IsInFinally(IOperation operation)
        {
            for (var current = operation; current.Parent is not null; current = current.Parent)
            {
                if (current.Parent is ITryOperation @try && ReferenceEquals(@try.Finally, current))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The fate of a local's object, and for explicit disposal a path that skips it.</summary>
        private readonly struct LocalFate
        {
            public LocalFate(OwnershipFate fate, DisposalGap gap = DisposalGap.None, IOperation? gapSite = null)
            {
                Fate = fate;
                Gap = gap;
                GapSite = gapSite;
            }

            public OwnershipFate Fate { get; }

            public DisposalGap Gap { get; }

            public IOperation? GapSite { get; }

            public static implicit operator LocalFate(OwnershipFate fate) => new LocalFate(fate);
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
