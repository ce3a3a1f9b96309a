using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
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
    /// MEM041: an IServiceScope, or a DbContext (constructed or from an IDbContextFactory), created before a worker
    /// loop and used in every iteration — directly, or through a service resolved from the scope before the loop.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ScopeReusedAcrossIterationsAnalyzer : MemoryAnalyzerBase
    {
        public const string KindProperty = "kind";
        public const string DbContextKind = "dbcontext";
        public const string ScopeKind = "scope";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.MEM041_ScopeReusedAcrossIterations);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            var scoped = new ScopedServices(context.Compilation, context.Options, handlers);
            if (!scoped.IsAvailable)
            {
                return;
            }

            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    var name = invocation.TargetMethod.Name;
                    if ((name == "CreateScope" || name == "CreateAsyncScope") && scoped.IsScope(invocation.Type))
                    {
                        Analyze(c, invocation, "a service scope", ScopeKind, handlers);
                    }
                    else if ((name == "CreateDbContext" || name == "CreateDbContextAsync")
                        && scoped.DbContextFactory is not null
                        && KnownTypes.IsOrDerivesFrom(invocation.TargetMethod.ContainingType, scoped.DbContextFactory))
                    {
                        Analyze(c, invocation, "a DbContext", DbContextKind, handlers);
                    }
                },
                OperationKind.Invocation);

            context.RegisterOperationAction(
                c =>
                {
                    var creation = (IObjectCreationOperation)c.Operation;
                    if (scoped.IsDbContext(creation.Type))
                    {
                        Analyze(c, creation, "a DbContext", DbContextKind, handlers);
                    }
                },
                OperationKind.ObjectCreation);
        }

        private static void Analyze(OperationAnalysisContext context, IOperation creation, string what, string kind, HandlerRecognizer handlers)
        {
            var local = DeclaredLocal(creation);
            if (local is null)
            {
                return;
            }

            var code = handlers.Classify(creation, context.CancellationToken);
            if (code.Kind == HandlerCodeKind.WorkerLoopBody)
            {
                return; // created per iteration: fine
            }

            var root = OperationTree.Root(creation);

            // Locals whose initializer reads this one (a service resolved from the scope) count as uses of it.
            var aliases = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default) { local };
            foreach (var declarator in root.Descendants().OfType<IVariableDeclaratorOperation>())
            {
                if (declarator.Initializer is not null
                    && declarator.Initializer.Value.DescendantsAndSelf().OfType<ILocalReferenceOperation>().Any(r => SymbolEqualityComparer.Default.Equals(r.Local, local)))
                {
                    aliases.Add(declarator.Symbol);
                }
            }

            foreach (var loop in root.Descendants().OfType<ILoopOperation>())
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                if (loop.Body is null
                    || loop.Syntax.Span.Contains(creation.Syntax.Span)
                    || loop.Syntax.SpanStart < creation.Syntax.SpanStart
                    || !handlers.IsWorkerLoop(loop, code.EntryPoint, context.CancellationToken))
                {
                    continue;
                }

                var uses = loop.Body.Descendants().OfType<ILocalReferenceOperation>().Where(r => aliases.Contains(r.Local)).ToList();
                if (uses.Count > 0)
                {
                    // `context.ChangeTracker.Clear()` in the loop: the context is reset each iteration.
                    if (kind == DbContextKind && ClearsChangeTracker(loop.Body, aliases))
                    {
                        return;
                    }

                    // A scope used in the loop only through contexts resolved from it, each cleared every iteration.
                    if (kind == ScopeKind
                        && uses.All(u => !SymbolEqualityComparer.Default.Equals(u.Local, local))
                        && uses.Select(u => u.Local).Distinct(SymbolEqualityComparer.Default).All(l => ClearsChangeTracker(loop.Body, new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default) { (ILocalSymbol)l! })))
                    {
                        return;
                    }

                    // `scope = _scopes.CreateScope()` (or the context) recreated in the loop: each iteration starts afresh.
                    if (uses.Any(u => SymbolEqualityComparer.Default.Equals(u.Local, local) && OperationTree.IsWrite(u)))
                    {
                        return;
                    }

                    // A batch loop that ends (`&& processed < max`, `for (…; i < n; i++)`): it tracks a bounded amount.
                    if (IsBoundedByCounter(loop))
                    {
                        return;
                    }

                    // Only singletons come out of the scope: nothing it tracks grows.
                    if (kind == ScopeKind && ResolvesOnlySingletons(uses, local, handlers))
                    {
                        return;
                    }

                    // A helper loop that nothing runs (never called, or only from a lambda that may never run).
                    if (code.EntryPoint is null && !DirectCallers.HasDirectCaller(code.ContainingMember, context.Compilation, context.CancellationToken))
                    {
                        return;
                    }

                    context.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.MEM041_ScopeReusedAcrossIterations,
                        creation.Syntax.GetLocation(),
                        ImmutableDictionary<string, string?>.Empty.Add(KindProperty, kind),
                        local.Name,
                        what));
                    return;
                }
            }
        }

        private static bool ClearsChangeTracker(IOperation body, HashSet<ILocalSymbol> contexts)
            => body.Descendants().OfType<IInvocationOperation>().Any(i =>
                i.TargetMethod.Name == "Clear"
                && i.Instance is IPropertyReferenceOperation { Property.Name: "ChangeTracker", Instance: ILocalReferenceOperation owner }
                && contexts.Contains(owner.Local));

        /// <summary>
        /// The loop's condition also compares a counter that the loop moves (<c>i &lt; n</c> with <c>i++</c> in the
        /// body or the increment part, <c>processed &lt; max</c> with <c>processed += …</c>): the loop ends.
        /// </summary>
        private static bool IsBoundedByCounter(ILoopOperation loop)
        {
            var condition = loop switch
            {
                IWhileLoopOperation whileLoop => whileLoop.Condition,
                IForLoopOperation forLoop => forLoop.Condition,
                _ => null,
            };

            if (condition is null)
            {
                return false;
            }

            foreach (var conjunct in Conjuncts(condition))
            {
                if (conjunct is not IBinaryOperation comparison
                    || comparison.OperatorKind is not (BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual))
                {
                    continue;
                }

                foreach (var side in new[] { comparison.LeftOperand, comparison.RightOperand })
                {
                    if (OperationTree.SkipConversions(side) is ILocalReferenceOperation counter && IsMovedIn(loop, counter.Local))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>The operands of a top-level <c>&amp;&amp;</c> chain (each must hold for the loop to go on).</summary>
        private static IEnumerable<IOperation> Conjuncts(IOperation condition)
        {
            var current = OperationTree.SkipConversions(condition);
            if (current is IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } and)
            {
                foreach (var part in Conjuncts(and.LeftOperand))
                {
                    yield return part;
                }

                foreach (var part in Conjuncts(and.RightOperand))
                {
                    yield return part;
                }
            }
            else if (current is not null)
            {
                yield return current;
            }
        }

        private static bool IsMovedIn(ILoopOperation loop, ILocalSymbol counter)
            => loop.Descendants().Any(o =>
                (o is IIncrementOrDecrementOperation { Target: ILocalReferenceOperation incremented } && SymbolEqualityComparer.Default.Equals(incremented.Local, counter))
                || (o is ICompoundAssignmentOperation { Target: ILocalReferenceOperation compound } && SymbolEqualityComparer.Default.Equals(compound.Local, counter)));

        /// <summary>
        /// The compilation registers the type as a singleton. TODO(lifetimes): once main's LifetimeService builds here,
        /// ask <c>LifetimeService.RegisteredLifetime(service) == Singleton</c>, which also answers for the service type of
        /// <c>AddSingleton&lt;IClock, Clock&gt;()</c>.
        /// </summary>
        private static bool IsSingletonService(ITypeSymbol? service, HandlerRecognizer handlers)
            => service is INamedTypeSymbol named && handlers.IsRegisteredSingleton(named);

        /// <summary>
        /// Every use of the scope in the loop resolves a registered singleton (<c>scope.ServiceProvider.GetRequiredService&lt;Clock&gt;()</c>),
        /// or is a service resolved before the loop that is a registered singleton.
        /// </summary>
        private static bool ResolvesOnlySingletons(List<ILocalReferenceOperation> uses, ILocalSymbol scope, HandlerRecognizer handlers)
        {
            foreach (var use in uses)
            {
                if (!SymbolEqualityComparer.Default.Equals(use.Local, scope))
                {
                    // A service resolved from the scope before the loop: fine when it is a singleton.
                    if (IsSingletonService(use.Local.Type, handlers))
                    {
                        continue;
                    }

                    return false;
                }

                var access = OperationTree.OuterConversion(use).Parent;
                if (access is IPropertyReferenceOperation { Property.Name: "ServiceProvider" } provider
                    && OperationTree.OuterConversion(provider).Parent is IArgumentOperation { Parent: IInvocationOperation resolve }
                    && (resolve.TargetMethod.Name == "GetRequiredService" || resolve.TargetMethod.Name == "GetService")
                    && resolve.TargetMethod.TypeArguments.Length == 1
                    && IsSingletonService(resolve.TargetMethod.TypeArguments[0], handlers))
                {
                    continue;
                }

                return false;
            }

            return true;
        }

        private static ILocalSymbol? DeclaredLocal(IOperation creation)
        {
            var current = Ownership.ValueOf(creation);
            while (current.Parent is IConversionOperation)
            {
                current = current.Parent;
            }

            return current.Parent switch
            {
                IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
                _ => null,
            };
        }
    }

    /// <summary>Whether a helper method is called directly by code of its own type (MEM041's precision check).</summary>
    internal static class DirectCallers
    {
        /// <summary>
        /// For a loop outside any entry point: whether its method is called directly (not from inside a lambda) by code
        /// of its own type. Only asked before reporting, so the type's declarations are read once per finding.
        /// TODO(reach): ask the shared reachability service once it lands, which also sees callers in other types.
        /// </summary>
        public static bool HasDirectCaller(ISymbol? member, Compilation compilation, CancellationToken cancellationToken)
        {
            if (member is not IMethodSymbol method || method.MethodKind is not (MethodKind.Ordinary or MethodKind.LocalFunction) || method.ContainingType is null)
            {
                return true; // a lambda, an accessor, …: keep the finding
            }

            var owner = method.MethodKind == MethodKind.LocalFunction ? method.ContainingSymbol : method.ContainingType;
            foreach (var reference in (owner ?? method.ContainingType).DeclaringSyntaxReferences)
            {
                var syntax = reference.GetSyntax(cancellationToken);
                if (!compilation.ContainsSyntaxTree(syntax.SyntaxTree))
                {
                    continue;
                }

                var model = compilation.GetSemanticModel(syntax.SyntaxTree);
                foreach (var node in syntax.DescendantNodes())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (node is not Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax invocationSyntax
                        || model.GetOperation(invocationSyntax, cancellationToken) is not IInvocationOperation invocation
                        || !SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.OriginalDefinition, method.OriginalDefinition))
                    {
                        continue;
                    }

                    if (Ownership.ContainingFunction(invocation) is not IAnonymousFunctionOperation)
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
