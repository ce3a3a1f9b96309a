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

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = RuleActions.Of(OperationKind.Invocation, OperationKind.ObjectCreation);

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

            // Only a loop after the creation can reuse it (most scopes are created in a handler with no loop after them):
            // look for one before collecting the aliases.
            List<ILoopOperation>? laterLoops = null;
            foreach (var operation in root.Descendants())
            {
                if (operation is ILoopOperation loop
                    && loop.Body is not null
                    && !loop.Syntax.Span.Contains(creation.Syntax.Span)
                    && loop.Syntax.SpanStart >= creation.Syntax.SpanStart)
                {
                    (laterLoops ??= new List<ILoopOperation>()).Add(loop);
                }
            }

            if (laterLoops is null)
            {
                return;
            }

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

            foreach (var loop in laterLoops)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                if (!handlers.IsWorkerLoop(loop, code.EntryPoint, context.CancellationToken))
                {
                    continue;
                }

                var uses = loop.Body!.Descendants().OfType<ILocalReferenceOperation>().Where(r => aliases.Contains(r.Local)).ToList();
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

                    // A helper loop (outside any entry point) is reported only when something runs it: per-unit-of-work
                    // code reaches it (the shared reachability; then it is handled like the handler), or a hosted
                    // service's run-once code calls it (`ExecuteAsync => PumpAsync(token)`). Never called, or called only
                    // from a lambda that may never run: silent.
                    if (code.Kind == HandlerCodeKind.None && !HelperRuns.IsRun(code.ContainingMember, handlers, context.Compilation, context.CancellationToken))
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
        /// Every registration of the resolved service type is a singleton (the shared lifetime service's answer: covers
        /// <c>AddSingleton&lt;Clock&gt;()</c>, <c>AddSingleton&lt;IClock, Clock&gt;()</c>, instances and factories).
        /// </summary>
        private static bool IsSingletonService(ITypeSymbol? service, HandlerRecognizer handlers)
            => LifetimeService.For(handlers).RegisteredLifetime(service) == ServiceLifetimeKind.Singleton;

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

    /// <summary>
    /// MEM041's question for a loop in a helper that is neither in an entry point's body nor reached per unit of work:
    /// does anything run the helper — the run-once part of a hosted service (<c>ExecuteAsync</c>, <c>StartAsync</c>, a
    /// <c>Task.Run</c> started there), directly or through at most <see cref="Reachability.MaxDepth"/> calls. The
    /// shared reachability answers "per unit of work" and does not follow run-once callers (what they call runs once,
    /// which is exactly a worker loop here), so this walk reads the same shared call-site index and classifier.
    /// Asked only when a finding is about to be reported; bounded by depth and by <see cref="MaxSitesPerName"/>.
    /// </summary>
    internal static class HelperRuns
    {
        /// <summary>At most this many call sites of one name are bound (past it: not run, silent).</summary>
        public const int MaxSitesPerName = 64;

        public static bool IsRun(ISymbol? member, HandlerRecognizer handlers, Compilation compilation, CancellationToken cancellationToken)
        {
            // A local function belongs to the method declaring it.
            while (member is IMethodSymbol { MethodKind: MethodKind.LocalFunction } local)
            {
                member = local.ContainingSymbol;
            }

            if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } start)
            {
                return member is not IMethodSymbol; // an accessor, an initializer…: keep the finding as before
            }

            var visited = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default) { start.OriginalDefinition };
            var frontier = new List<IMethodSymbol> { start.OriginalDefinition };
            for (var depth = 0; depth < Reachability.MaxDepth && frontier.Count > 0; depth++)
            {
                var next = new List<IMethodSymbol>();
                foreach (var method in frontier)
                {
                    var sites = handlers.Reachability.CallSitesNamed(method.Name, cancellationToken);
                    for (var i = 0; i < sites.Count && i < MaxSitesPerName; i++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var site = sites[i];
                        if (!compilation.ContainsSyntaxTree(site.SyntaxTree))
                        {
                            continue;
                        }

#pragma warning disable RS1030 // bound only when a MEM041 finding is about to be reported, at most MaxSitesPerName per name
                        var model = compilation.GetSemanticModel(site.SyntaxTree);
#pragma warning restore RS1030
                        if (model.GetOperation(site, cancellationToken) is not IInvocationOperation call
                            || !SymbolEqualityComparer.Default.Equals(call.TargetMethod.OriginalDefinition, method)
                            || !RunsWhereItIsWritten(call))
                        {
                            continue;
                        }

                        var code = handlers.Classifier.ClassifyLexical(call, cancellationToken);
                        if (code.Kind != HandlerCodeKind.None)
                        {
                            return true; // run-once code of a hosted service, or a unit of work's own body
                        }

                        foreach (var caller in Reachability.GetRunningMembers(call))
                        {
                            if (caller.MethodKind == MethodKind.Ordinary && visited.Add(caller.OriginalDefinition))
                            {
                                next.Add(caller.OriginalDefinition);
                            }
                        }
                    }
                }

                frontier = next;
            }

            return false;
        }

        /// <summary>The call runs when its method does: not inside a lambda, unless the lambda is started at once (<c>Task.Run</c>, <c>Task.Factory.StartNew</c>).</summary>
        private static bool RunsWhereItIsWritten(IOperation call)
        {
            for (var function = Ownership.ContainingFunction(call); function is IAnonymousFunctionOperation lambda; function = Ownership.ContainingFunction(lambda))
            {
                var parent = lambda.Parent is IDelegateCreationOperation creation ? creation.Parent : lambda.Parent;
                if (parent is not IArgumentOperation { Parent: IInvocationOperation started }
                    || !((started.TargetMethod.Name == "Run" && started.TargetMethod.ContainingType?.ToDisplayString() == "System.Threading.Tasks.Task")
                        || (started.TargetMethod.Name == "StartNew" && started.TargetMethod.ContainingType?.OriginalDefinition.ToDisplayString().StartsWith("System.Threading.Tasks.TaskFactory", System.StringComparison.Ordinal) == true)))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
