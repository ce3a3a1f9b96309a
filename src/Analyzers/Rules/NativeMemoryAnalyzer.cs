using System.Collections.Immutable;
using System.Threading;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM062: per unit of work, <c>GCHandle.Alloc</c>, <c>Marshal.AllocHGlobal</c>, <c>Marshal.AllocCoTaskMem</c> or
    /// <c>NativeMemory.Alloc</c> kept in a local that is never freed, or freed outside a <c>finally</c> block (so an
    /// exception before the free leaks it). Silent when the local escapes — returned, stored in a field, handed to a
    /// constructor or to a method of the project (which may own it), captured by a lambda, copied to another variable,
    /// or turned into an <c>IntPtr</c> with <c>GCHandle.ToIntPtr</c> (freed by whoever gets it back).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class NativeMemoryAnalyzer : MemoryAnalyzerBase
    {
        /// <summary>Diagnostic property: the free call the fixer writes in a finally block, for example <c>Marshal.FreeHGlobal</c>.</summary>
        public const string FreeProperty = "free";

        /// <summary>Diagnostic property: present when the fixer may move the free into a finally block.</summary>
        public const string FixProperty = "fix";

        public const string TryFinallyFix = "tryFinally";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.MEM062_NativeMemoryNotFreed);

        private enum FreeState
        {
            Never,
            NotInFinally,
            InFinally,
            Escapes,
        }

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = RuleActions.Of(OperationKind.Invocation);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var gcHandle = KnownTypes.Get(context.Compilation, "System.Runtime.InteropServices.GCHandle");
            var marshal = KnownTypes.Get(context.Compilation, "System.Runtime.InteropServices.Marshal");
            var nativeMemory = KnownTypes.Get(context.Compilation, "System.Runtime.InteropServices.NativeMemory");
            if (gcHandle is null && marshal is null && nativeMemory is null)
            {
                return;
            }

            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            if (!handlers.HasAnyFramework)
            {
                return;
            }

            var index = LocalReferenceIndex.For(context.Compilation);
            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    var method = invocation.TargetMethod;
                    var free = FreeFor(method, gcHandle, marshal, nativeMemory);
                    if (free is null)
                    {
                        return;
                    }

                    Analyze(c, invocation, free, handlers, index);
                },
                OperationKind.Invocation);
        }

        /// <summary>The name of the matching free (<c>Free</c> is the GCHandle instance method), or null when not an allocation.</summary>
        private static string? FreeFor(IMethodSymbol method, INamedTypeSymbol? gcHandle, INamedTypeSymbol? marshal, INamedTypeSymbol? nativeMemory)
        {
            if (!method.IsStatic)
            {
                return null;
            }

            var type = method.ContainingType;
            if (gcHandle is not null && SymbolEqualityComparer.Default.Equals(type, gcHandle))
            {
                return method.Name == "Alloc" ? "Free" : null;
            }

            if (marshal is not null && SymbolEqualityComparer.Default.Equals(type, marshal))
            {
                return method.Name switch
                {
                    "AllocHGlobal" => "FreeHGlobal",
                    "AllocCoTaskMem" => "FreeCoTaskMem",
                    _ => null,
                };
            }

            if (nativeMemory is not null && SymbolEqualityComparer.Default.Equals(type, nativeMemory))
            {
                return method.Name switch
                {
                    "Alloc" or "AllocZeroed" => "Free",
                    "AlignedAlloc" => "AlignedFree",
                    _ => null,
                };
            }

            return null;
        }

        private static void Analyze(OperationAnalysisContext context, IInvocationOperation allocation, string free, HandlerRecognizer handlers, LocalReferenceIndex index)
        {
            var use = OperationTree.OuterConversion(allocation);
            ILocalSymbol? local;
            bool declared;
            switch (use.Parent)
            {
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    local = declarator.Symbol;
                    declared = true;
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when ReferenceEquals(assignment.Value, use):
                    local = target.Local;
                    declared = false;
                    break;
                case IExpressionStatementOperation:
                    local = null;
                    declared = false;
                    break;
                default:
                    return; // returned, stored, passed on: someone else frees it
            }

            var code = handlers.Classify(allocation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            var isHandle = free == "Free" && allocation.TargetMethod.ContainingType.Name == "GCHandle";
            var state = local is null ? FreeState.Never : Fate(allocation, local, free, isHandle, index, context.CancellationToken, out _);
            if (state == FreeState.Escapes || state == FreeState.InFinally)
            {
                return;
            }

            var name = "'" + allocation.TargetMethod.ContainingType.Name + "." + allocation.TargetMethod.Name + "'";
            var what = state == FreeState.Never
                ? "never freed" + (isHandle ? " (the handle also keeps its target alive)" : string.Empty)
                : "freed outside a finally block, so every exception before the free leaks it";
            var properties = ImmutableDictionary<string, string?>.Empty.Add(FreeProperty, isHandle ? "Free" : allocation.TargetMethod.ContainingType.Name + "." + free);
            if (declared && local is not null && CanFixWith(local, allocation, isHandle))
            {
                properties = properties.Add(FixProperty, TryFinallyFix);
            }

            context.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM062_NativeMemoryNotFreed, allocation.Syntax.GetLocation(), properties, name, code.Describe(), what));
        }

        /// <summary>The free accepts the local as it is: the same type as the allocation returns, or any pointer for NativeMemory.</summary>
        private static bool CanFixWith(ILocalSymbol local, IInvocationOperation allocation, bool isHandle)
        {
            if (isHandle)
            {
                return local.Type.Name == "GCHandle";
            }

            return SymbolEqualityComparer.Default.Equals(local.Type, allocation.TargetMethod.ReturnType)
                || (allocation.TargetMethod.ContainingType.Name == "NativeMemory" && local.Type.TypeKind == TypeKind.Pointer);
        }

        private static FreeState Fate(IInvocationOperation allocation, ILocalSymbol local, string free, bool isHandle, LocalReferenceIndex index, CancellationToken cancellationToken, out int frees)
        {
            frees = 0;
            var inFinally = false;
            foreach (var reference in index.Get(OperationTree.Root(allocation), local, cancellationToken))
            {
                if (reference is not ILocalReferenceOperation || OperationTree.IsWrite(reference))
                {
                    continue;
                }

                if (IsCapturedByLambda(reference, allocation))
                {
                    return FreeState.Escapes;
                }

                var use = OperationTree.OuterConversion(reference);
                if (isHandle && use.Parent is IInvocationOperation { TargetMethod.Name: "Free" } handleFree && ReferenceEquals(handleFree.Instance, use))
                {
                    frees++;
                    inFinally |= IsInFinally(handleFree);
                    continue;
                }

                switch (use.Parent)
                {
                    case IArgumentOperation { Parent: IInvocationOperation call } when !isHandle && call.TargetMethod.Name == free && call.TargetMethod.IsStatic
                        && call.TargetMethod.ContainingType.Name == allocation.TargetMethod.ContainingType.Name:
                        frees++;
                        inFinally |= IsInFinally(call);
                        break;
                    case IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "ToIntPtr" } }:
                    case IArgumentOperation { Parent: IObjectCreationOperation }:
                    case IArgumentOperation { Parent: IInvocationOperation call2 } when IsPossibleOwner(call2.TargetMethod):
                    case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out }:
                    case IReturnOperation:
                    case IVariableInitializerOperation:
                    case IAssignmentOperation assignment when ReferenceEquals(assignment.Value, use):
                    case IArrayInitializerOperation:
                    case ITupleOperation:
                        return FreeState.Escapes;
                }
            }

            return frees == 0 ? FreeState.Never : inFinally ? FreeState.InFinally : FreeState.NotInFinally;
        }

        /// <summary>
        /// A method of the project (not an extern) may take ownership and free later; a framework method that is not a
        /// free (Marshal.Copy, a P/Invoke) only uses the memory. SafeHandle.SetHandle takes ownership.
        /// </summary>
        private static bool IsPossibleOwner(IMethodSymbol method)
            => method.Name == "SetHandle"
               || (!method.IsExtern && method.GetDllImportData() is null && !method.IsPartialDefinition && method.PartialImplementationPart is null
                   && method.Locations.Length > 0 && method.Locations[0].IsInSource);

        private static bool IsCapturedByLambda(IOperation reference, IOperation allocation)
        {
            for (var current = reference.Parent; current is not null; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation || current is ILocalFunctionOperation)
                {
                    // A lambda that contains the allocation too is just the code being analysed.
                    for (var outer = allocation.Parent; outer is not null; outer = outer.Parent)
                    {
                        if (ReferenceEquals(outer, current))
                        {
                            return false;
                        }
                    }

                    return true;
                }
            }

            return false;
        }

        private static bool IsInFinally(IOperation operation)
        {
            for (IOperation? current = operation; current?.Parent is not null; current = current.Parent)
            {
                if (current.Parent is ITryOperation @try && ReferenceEquals(@try.Finally, current))
                {
                    return true;
                }

                if (current.Parent is IUsingOperation || current is IAnonymousFunctionOperation)
                {
                    return false;
                }
            }

            return false;
        }
    }
}
