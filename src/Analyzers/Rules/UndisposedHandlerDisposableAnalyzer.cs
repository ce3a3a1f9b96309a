using System.Collections.Immutable;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM020: a task handler (or a worker loop's body) creates an IDisposable / IAsyncDisposable — by constructor
    /// or by a factory that hands over a new instance — and neither disposes it, returns it nor hands it to an owner.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class UndisposedHandlerDisposableAnalyzer : MemoryAnalyzerBase
    {
        /// <summary>The option this rule reads (documented on its page).</summary>
        public const string AnalyzeOutsideHandlersKey = MemoryRetentionOptions.AnalyzeOutsideHandlersKey;

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.MEM020_UndisposedHandlerDisposable);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var types = DisposableTypes.Create(context.Compilation);
            if (types is null)
            {
                return;
            }

            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            var index = new LocalReferenceIndex();
            context.RegisterOperationAction(c => AnalyzeCreation(c, c.Operation, handlers, types, index), OperationKind.ObjectCreation);
            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    if (types.IsFactory(invocation.TargetMethod))
                    {
                        AnalyzeCreation(c, invocation, handlers, types, index);
                    }
                },
                OperationKind.Invocation);
        }

        private static void AnalyzeCreation(OperationAnalysisContext context, IOperation creation, HandlerRecognizer handlers, DisposableTypes types, LocalReferenceIndex index)
        {
            var createdType = CreatedType(creation, types);
            if (createdType is null || !types.IsDisposable(createdType) || types.HasNothingToRelease(createdType) || creation.Syntax is null)
            {
                return;
            }

            if (IsExcludedByOtherRule(createdType, types))
            {
                return;
            }

            var code = handlers.Classify(creation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork
                && !MemoryRetentionOptions.GetBool(context.Options, creation.Syntax.SyntaxTree, AnalyzeOutsideHandlersKey, defaultValue: false))
            {
                return;
            }

            var result = Ownership.Analyze(creation, types, context.CancellationToken, index);
            if (result.Fate != OwnershipFate.Leaked)
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM020_UndisposedHandlerDisposable,
                creation.Syntax.GetLocation(),
                Describe(creation, createdType),
                code.Describe()));
        }

        /// <summary>"'StreamReader'", or "'IDisposable' from 'BeginScope'" for a factory's result.</summary>
        private static string Describe(IOperation creation, ITypeSymbol createdType)
        {
            var typeName = createdType.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
            return creation is IInvocationOperation invocation
                ? "'" + typeName + "' from '" + invocation.TargetMethod.Name + "'"
                : "'" + typeName + "'";
        }

        /// <summary>The type of the object a creation hands over: the constructed type, or a factory's (awaited) return type.</summary>
        internal static ITypeSymbol? CreatedType(IOperation creation, DisposableTypes types)
        {
            var type = creation.Type;
            if (type is INamedTypeSymbol named && named.IsGenericType && named.TypeArguments.Length == 1
                && (SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, types.TaskOfT) || SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, types.ValueTaskOfT)))
            {
                // Only an awaited async factory hands over the result; a stored Task is not the disposable.
                return Ownership.ValueOf(creation) is IAwaitOperation ? named.TypeArguments[0] : null;
            }

            return type;
        }

        /// <summary>
        /// Objects that a more specific rule reports (one finding per object): cancellation token sources (MEM032 —
        /// a plain source without a timeout or parent holds nothing), timers (MEM033), meters, activity sources (MEM065)
        /// and logger factories (MEM066).
        /// </summary>
        private static bool IsExcludedByOtherRule(ITypeSymbol type, DisposableTypes types)
            => types.IsCancellationTokenSource(type) || types.IsTimer(type) || types.IsLibraryRegistryType(type);
    }
}
