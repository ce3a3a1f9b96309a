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

            var root = creation;
            while (root.Parent is not null)
            {
                root = root.Parent;
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

                if (loop.Body.Descendants().OfType<ILocalReferenceOperation>().Any(r => aliases.Contains(r.Local)))
                {
                    // `context.ChangeTracker.Clear()` in the loop: the context is reset each iteration.
                    if (kind == DbContextKind && ClearsChangeTracker(loop.Body, local))
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

        private static bool ClearsChangeTracker(IOperation body, ILocalSymbol local)
            => body.Descendants().OfType<IInvocationOperation>().Any(i =>
                i.TargetMethod.Name == "Clear"
                && i.Instance is IPropertyReferenceOperation { Property.Name: "ChangeTracker", Instance: ILocalReferenceOperation owner }
                && SymbolEqualityComparer.Default.Equals(owner.Local, local));

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
}
