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

        /// <summary>
        /// Also report (as Info) objects disposed by an explicit call that an exception before the call would skip.
        /// Off by default: most such calls are reached, and a handler's exception usually ends the unit of work anyway.
        /// </summary>
        public const string ExceptionPathsKey = MemoryRetentionOptions.Prefix + "MEM020.report_exception_paths";

        /// <summary>Diagnostic property: which path misses the disposal ("early_exit", "exception"); absent when none does.</summary>
        public const string GapProperty = "gap";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.MEM020_UndisposedHandlerDisposable);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = RuleActions.Of(OperationKind.ObjectCreation, OperationKind.Invocation, OperationKind.PropertyReference);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var types = DisposableTypes.Create(context.Compilation);
            if (types is null)
            {
                return;
            }

            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            var index = LocalReferenceIndex.For(context.Compilation);
            context.RegisterOperationAction(c => AnalyzeCreation(c, c.Operation, handlers, types, index), OperationKind.ObjectCreation);
            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    if (types.IsFactory(invocation.TargetMethod)
                        || types.IsSourceFactory(invocation.TargetMethod, c.CancellationToken)
                        || types.IsTaskWrappedCreation(invocation, c.CancellationToken))
                    {
                        AnalyzeCreation(c, invocation, handlers, types, index);
                    }

                    foreach (var argument in invocation.Arguments)
                    {
                        // An out argument is written `out …` (cheaper to see than the parameter's ref kind of a reduced
                        // extension method, asked for every argument of every call).
                        if (argument.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.ArgumentSyntax { RefKindKeyword.RawKind: (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.OutKeyword }
                            && argument.Parameter is { RefKind: RefKind.Out } parameter && types.IsSourceOutFactory(parameter, c.CancellationToken))
                        {
                            AnalyzeOutArgument(c, argument, parameter.Type, handlers, types, index);
                        }
                    }
                },
                OperationKind.Invocation);
            context.RegisterOperationAction(
                c =>
                {
                    var property = (IPropertyReferenceOperation)c.Operation;
                    if (!OperationTree.IsWrite(property) && types.IsSourceFactory(property.Property.GetMethod, c.CancellationToken))
                    {
                        AnalyzeCreation(c, property, handlers, types, index);
                    }
                },
                OperationKind.PropertyReference);
        }

        private static void AnalyzeOutArgument(OperationAnalysisContext context, IArgumentOperation argument, ITypeSymbol createdType, HandlerRecognizer handlers, DisposableTypes types, LocalReferenceIndex index)
        {
            if (argument.Syntax is null || IsExcludedByOtherRule(createdType, types) || !RunsPerUnitOfWork(context, argument, handlers, out var code))
            {
                return;
            }

            var result = Ownership.AnalyzeOutArgument(argument, types, context.CancellationToken, index);
            if (result is not { Fate: OwnershipFate.Leaked })
            {
                return;
            }

            var method = (argument.Parent as IInvocationOperation)?.TargetMethod.Name ?? "?";
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM020_UndisposedHandlerDisposable,
                argument.Syntax.GetLocation(),
                "'" + createdType.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "' from 'out' of '" + method + "'",
                code.Describe(),
                NeverDisposed));
        }

        private static bool RunsPerUnitOfWork(OperationAnalysisContext context, IOperation operation, HandlerRecognizer handlers, out HandlerCode code)
        {
            code = handlers.Classify(operation, context.CancellationToken);
            return code.RunsPerUnitOfWork
                || MemoryRetentionOptions.GetBool(context.Options, operation.Syntax.SyntaxTree, AnalyzeOutsideHandlersKey, defaultValue: false);
        }

        private const string NeverDisposed = "never disposed";

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

            if (!RunsPerUnitOfWork(context, creation, handlers, out var code))
            {
                return;
            }

            var result = Ownership.Analyze(creation, types, context.CancellationToken, index);
            var severity = Descriptors.MEM020_UndisposedHandlerDisposable.DefaultSeverity;
            string how;
            string? gap = null;
            if (result.Fate == OwnershipFate.Leaked)
            {
                how = NeverDisposed;
            }
            else if (result.Fate == OwnershipFate.Disposed && result.Gap == DisposalGap.EarlyExit && result.GapSite is not null)
            {
                how = "not disposed when the " + ExitName(result.GapSite) + " on line " + Line(result.GapSite) + " leaves first";
                gap = "early_exit";
            }
            else if (result.Fate == OwnershipFate.Disposed && result.Gap == DisposalGap.ExceptionPath && result.GapSite is not null
                && MemoryRetentionOptions.GetBool(context.Options, creation.Syntax.SyntaxTree, ExceptionPathsKey, defaultValue: false))
            {
                how = "not disposed when line " + Line(result.GapSite) + " throws before the 'Dispose' call";
                gap = "exception";
                severity = DiagnosticSeverity.Info;
            }
            else
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM020_UndisposedHandlerDisposable,
                creation.Syntax.GetLocation(),
                severity,
                additionalLocations: null,
                properties: gap is null ? ImmutableDictionary<string, string?>.Empty : ImmutableDictionary<string, string?>.Empty.Add(GapProperty, gap),
                Describe(creation, createdType),
                code.Describe(),
                how));
        }

        private static string ExitName(IOperation exit) => exit switch
        {
            IBranchOperation { BranchKind: BranchKind.Break } => "'break'",
            IBranchOperation { BranchKind: BranchKind.Continue } => "'continue'",
            IThrowOperation => "'throw'",
            _ => "'return'",
        };

        private static string Line(IOperation operation)
            => (operation.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>"'StreamReader'", or "'IDisposable' from 'BeginScope'" for a factory's result.</summary>
        private static string Describe(IOperation creation, ITypeSymbol createdType)
        {
            var typeName = createdType.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
            return creation switch
            {
                IInvocationOperation invocation => "'" + typeName + "' from '" + invocation.TargetMethod.Name + "'",
                IPropertyReferenceOperation property => "'" + typeName + "' from '" + property.Property.Name + "'",
                _ => "'" + typeName + "'",
            };
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
