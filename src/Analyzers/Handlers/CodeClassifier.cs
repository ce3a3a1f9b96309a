using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>
    /// Code classification: where an operation runs, as far as retention is concerned — in a per-invocation entry
    /// point's body (including lambdas and local functions created there), in the per-iteration body of a worker
    /// loop, in the run-once part of a hosted service, or in none of these. Stateless beyond its recognizers.
    /// </summary>
    internal sealed class CodeClassifier
    {
        private readonly HandlerRecognizer _owner;

        public CodeClassifier(HandlerRecognizer owner)
        {
            _owner = owner;
        }

        /// <summary>
        /// Classifies where <paramref name="operation"/> runs: in a per-invocation entry point's body (including
        /// lambdas and local functions created there), in the per-iteration body of a worker loop, in the
        /// run-once part of a hosted service, or in none of these.
        /// </summary>
        public HandlerCode Classify(IOperation operation, CancellationToken cancellationToken = default)
        {
            var code = ClassifyLexical(operation, cancellationToken);
            if (code.Kind != HandlerCodeKind.None)
            {
                return code;
            }

            // Not in a handler's own body: per unit of work when such code reaches the member that runs it.
            _owner.Reachability.UseModel(operation.SemanticModel);
            foreach (var member in Reachability.GetRunningMembers(operation))
            {
                if (_owner.Reachability.GetPath(member, cancellationToken) is { } path)
                {
                    return new HandlerCode(HandlerCodeKind.ReachedPerUnitOfWork, path.EntryPoint, null, code.ContainingMember, path);
                }
            }

            return code;
        }

        /// <summary>
        /// Where <paramref name="operation"/> sits lexically: in an entry point's body, a worker loop's body, the
        /// run-once part of a hosted service, or none of these — without following calls.
        /// </summary>
        public HandlerCode ClassifyLexical(IOperation operation, CancellationToken cancellationToken)
        {
            ILoopOperation? innermostWorkerLoop = null;
            ISymbol? containingMember = null;
            var loops = new List<ILoopOperation>();
            IOperation? previous = null;

            for (var current = operation; current is not null; previous = current, current = current.Parent)
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (current)
                {
                    case ILoopOperation loop when previous is not null && WorkerLoopRecognizer.IsInLoopBody(loop, previous):
                        loops.Add(loop);
                        break;

                    case IAnonymousFunctionOperation lambda:
                        containingMember ??= lambda.Symbol;
                        var lambdaEntry = _owner.EntryPoints.GetLambdaEntryPoint(lambda);
                        if (lambdaEntry is not null)
                        {
                            var loopInLambda = _owner.WorkerLoops.FirstWorkerLoop(loops, lambdaEntry, cancellationToken);
                            return loopInLambda is not null
                                ? new HandlerCode(HandlerCodeKind.WorkerLoopBody, lambdaEntry, loopInLambda, containingMember)
                                : new HandlerCode(HandlerCodeKind.EntryPointBody, lambdaEntry, null, containingMember);
                        }

                        break;

                    case ILocalFunctionOperation localFunction:
                        containingMember ??= localFunction.Symbol;
                        break;
                }

                if (current.Parent is null)
                {
                    // The root: a method body, a field initializer, …
                    var method = GetContainingMethod(current);
                    containingMember ??= method;
                    var entry = _owner.EntryPoints.GetEntryPoint(method);
                    innermostWorkerLoop = _owner.WorkerLoops.FirstWorkerLoop(loops, entry, cancellationToken);
                    if (innermostWorkerLoop is not null)
                    {
                        return new HandlerCode(HandlerCodeKind.WorkerLoopBody, entry, innermostWorkerLoop, containingMember);
                    }

                    if (entry is null)
                    {
                        return new HandlerCode(HandlerCodeKind.None, null, null, containingMember);
                    }

                    return new HandlerCode(entry.RunsOnce ? HandlerCodeKind.RunOnceBody : HandlerCodeKind.EntryPointBody, entry, null, containingMember);
                }
            }

            return new HandlerCode(HandlerCodeKind.None, null, null, containingMember);
        }

        private static IMethodSymbol? GetContainingMethod(IOperation root)
        {
            switch (root)
            {
                case IMethodBodyOperation body:
                    return body.SemanticModel?.GetDeclaredSymbol(body.Syntax) as IMethodSymbol;
                case IConstructorBodyOperation:
                    return null;
                case IBlockOperation block when block.Syntax?.Parent is not null:
                    return block.SemanticModel?.GetDeclaredSymbol(block.Syntax.Parent) as IMethodSymbol;
                default:
                    if (root.Syntax is not null && root.SemanticModel is not null)
                    {
                        return root.SemanticModel.GetEnclosingSymbol(root.Syntax.SpanStart) as IMethodSymbol;
                    }

                    return null;
            }
        }
    }
}
