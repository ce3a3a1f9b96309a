using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// Library registries: per-unit-of-work calls that make a library keep memory for the process although the code
    /// keeps no reference — MEM064 service providers built and never disposed, MEM065 meters and activity sources never
    /// disposed (also per per-message object), MEM066 logger factories never disposed, MEM067 configuration files added
    /// with <c>reloadOnChange: true</c>. "Per unit of work" is <see cref="HandlerRecognizer.Classify"/>'s answer.
    /// Each rule resolves its types once per compilation and registers nothing when they are absent.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class LibraryRegistryAnalyzer : MemoryAnalyzerBase
    {
        /// <summary>Diagnostic property naming the rewrite the fixer may apply.</summary>
        public const string FixProperty = "fix";

        /// <summary><c>using var</c> / <c>await using var</c> on the declared local.</summary>
        public const string UsingFix = "using";

        /// <summary>The creation moves to a <c>static readonly</c> field (it depends on nothing of the call).</summary>
        public const string StaticFieldFix = "static";

        /// <summary>The instance field that holds it becomes <c>static</c>.</summary>
        public const string StaticMemberFix = "static-field";

        /// <summary><c>reloadOnChange: false</c>.</summary>
        public const string NoReloadFix = "no-reload";

        private static readonly ImmutableDictionary<string, string?> UsingProperties = ImmutableDictionary<string, string?>.Empty.Add(FixProperty, UsingFix);
        private static readonly ImmutableDictionary<string, string?> StaticFieldProperties = ImmutableDictionary<string, string?>.Empty.Add(FixProperty, StaticFieldFix);
        private static readonly ImmutableDictionary<string, string?> StaticMemberProperties = ImmutableDictionary<string, string?>.Empty.Add(FixProperty, StaticMemberFix);
        private static readonly ImmutableDictionary<string, string?> NoReloadProperties = ImmutableDictionary<string, string?>.Empty.Add(FixProperty, NoReloadFix);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            Descriptors.MEM064_ServiceProviderPerUnitOfWork,
            Descriptors.MEM065_MeterOrActivitySourcePerUnitOfWork,
            Descriptors.MEM066_LoggerFactoryPerUnitOfWork,
            Descriptors.MEM067_ReloadingConfigurationPerUnitOfWork);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = RuleActions.Of(OperationKind.ObjectCreation, OperationKind.Invocation);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var compilation = context.Compilation;
            var containerBuilder = KnownTypes.Get(compilation, "Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions");
            var meter = KnownTypes.Get(compilation, "System.Diagnostics.Metrics.Meter");
            var activitySource = KnownTypes.Get(compilation, "System.Diagnostics.ActivitySource");
            var loggerFactory = KnownTypes.Get(compilation, "Microsoft.Extensions.Logging.LoggerFactory");
            var fileConfiguration = KnownTypes.Get(compilation, "Microsoft.Extensions.Configuration.FileConfigurationExtensions");
            if (containerBuilder is null && meter is null && activitySource is null && loggerFactory is null && fileConfiguration is null)
            {
                return;
            }

            var types = DisposableTypes.Create(compilation);
            if (types is null)
            {
                return;
            }

            var handlers = HandlerRecognizer.Create(compilation, context.Options);
            if (!handlers.HasAnyFramework)
            {
                return;
            }

            var index = LocalReferenceIndex.For(context.Compilation);

            if (meter is not null || activitySource is not null || loggerFactory is not null)
            {
                context.RegisterOperationAction(
                    c =>
                    {
                        var creation = (IObjectCreationOperation)c.Operation;
                        var type = creation.Type;
                        if (KnownTypes.IsOrDerivesFrom(type, meter) || KnownTypes.IsOrDerivesFrom(type, activitySource))
                        {
                            AnalyzeMeterOrSource(c, creation, handlers, types, index);
                        }
                        else if (KnownTypes.IsOrDerivesFrom(type, loggerFactory))
                        {
                            AnalyzeOwned(c, creation, Descriptors.MEM066_LoggerFactoryPerUnitOfWork, handlers, types, index);
                        }
                    },
                    OperationKind.ObjectCreation);
            }

            if (containerBuilder is not null || loggerFactory is not null || fileConfiguration is not null)
            {
                context.RegisterOperationAction(
                    c =>
                    {
                        var invocation = (IInvocationOperation)c.Operation;
                        var method = invocation.TargetMethod;
                        switch (method.Name)
                        {
                            case "BuildServiceProvider":
                                if (containerBuilder is not null && SymbolEqualityComparer.Default.Equals(method.ContainingType, containerBuilder))
                                {
                                    AnalyzeOwned(c, invocation, Descriptors.MEM064_ServiceProviderPerUnitOfWork, handlers, types, index);
                                }

                                break;
                            case "Create":
                                if (loggerFactory is not null && method.IsStatic && SymbolEqualityComparer.Default.Equals(method.ContainingType, loggerFactory))
                                {
                                    AnalyzeOwned(c, invocation, Descriptors.MEM066_LoggerFactoryPerUnitOfWork, handlers, types, index);
                                }

                                break;
                            default:
                                if (fileConfiguration is not null)
                                {
                                    AnalyzeReloadingSource(c, invocation, handlers);
                                }

                                break;
                        }
                    },
                    OperationKind.Invocation);
            }
        }

        /// <summary>MEM064 / MEM066: an owned object built per unit of work and neither disposed nor handed on.</summary>
        private static void AnalyzeOwned(OperationAnalysisContext context, IOperation creation, DiagnosticDescriptor descriptor, HandlerRecognizer handlers, DisposableTypes types, LocalReferenceIndex index)
        {
            var code = handlers.Classify(creation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            var result = Ownership.Analyze(creation, types, context.CancellationToken, index);
            if (result.Fate != OwnershipFate.Leaked)
            {
                return;
            }

            // `using` ends the container (or factory) with the method: safe only when nothing it produced leaves the method.
            var properties = result.Declarator is not null && !ResultsLeaveFunction(creation, context.CancellationToken)
                ? UsingProperties
                : ImmutableDictionary<string, string?>.Empty;
            context.ReportDiagnostic(Diagnostic.Create(descriptor, creation.Syntax.GetLocation(), properties, code.Describe()));
        }

        /// <summary>MEM065: a Meter or ActivitySource created per unit of work, or held by a per-message object, and never disposed.</summary>
        private static void AnalyzeMeterOrSource(OperationAnalysisContext context, IObjectCreationOperation creation, HandlerRecognizer handlers, DisposableTypes types, LocalReferenceIndex index)
        {
            var typeName = creation.Type?.Name ?? "Meter";
            var field = HeldByInstanceField(creation);
            if (field is not null)
            {
                var owner = field.ContainingType;
                var handlerType = handlers.GetHandlerType(owner);
                var perMessage = handlerType is { Lifetime: HandlerLifetime.PerInvocation } || handlers.IsRegisteredScoped(owner);
                if (!perMessage || MemberDisposal.DisposedByItsType(owner, field.Name, context.CancellationToken))
                {
                    return;
                }

                var where = "for every instance of '" + owner.Name + "' (" + (handlerType is null ? "a scoped service" : "a new instance per message") + ")";
                var properties = field.DeclaringSyntaxReferences.Length == 1 && IsFieldInitializer(creation) && DependsOnNothingOfTheCall(creation)
                    ? StaticMemberProperties
                    : ImmutableDictionary<string, string?>.Empty;
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM065_MeterOrActivitySourcePerUnitOfWork, creation.Syntax.GetLocation(), properties, typeName, where));
                return;
            }

            var code = handlers.Classify(creation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            var result = Ownership.Analyze(creation, types, context.CancellationToken, index);
            var leaked = result.Fate == OwnershipFate.Leaked
                // `new ActivitySource("X").StartActivity()`: the activity refers to its source but never disposes it.
                || (result.Fate == OwnershipFate.Transferred && IsReceiverOfOwnCall(creation));
            if (!leaked)
            {
                return;
            }

            var fix = DependsOnNothingOfTheCall(creation)
                ? StaticFieldProperties
                : result.Declarator is not null ? UsingProperties : ImmutableDictionary<string, string?>.Empty;
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM065_MeterOrActivitySourcePerUnitOfWork, creation.Syntax.GetLocation(), fix, typeName, code.Describe()));
        }

        /// <summary>MEM067: <c>AddJsonFile(…, reloadOnChange: true)</c> (and the other file sources) per unit of work.</summary>
        private static void AnalyzeReloadingSource(OperationAnalysisContext context, IInvocationOperation invocation, HandlerRecognizer handlers)
        {
            var method = invocation.TargetMethod;
            if (!method.Name.StartsWith("Add", System.StringComparison.Ordinal)
                || method.ContainingNamespace?.ToDisplayString() != "Microsoft.Extensions.Configuration")
            {
                return;
            }

            var reload = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "reloadOnChange");
            if (reload is null || reload.ArgumentKind != ArgumentKind.Explicit || reload.Value.ConstantValue is not { HasValue: true, Value: true })
            {
                return;
            }

            var code = handlers.Classify(invocation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM067_ReloadingConfigurationPerUnitOfWork, reload.Syntax.GetLocation(), NoReloadProperties, method.Name, code.Describe()));
        }

        /// <summary>The instance field the creation initializes or is assigned to (in a constructor), or null.</summary>
        private static IFieldSymbol? HeldByInstanceField(IOperation creation)
        {
            var current = OperationTree.OuterConversion(creation);
            switch (current.Parent)
            {
                case IFieldInitializerOperation initializer when initializer.InitializedFields.Length == 1 && !initializer.InitializedFields[0].IsStatic:
                    return initializer.InitializedFields[0];
                case ISimpleAssignmentOperation { Target: IFieldReferenceOperation { Field.IsStatic: false, Instance: IInstanceReferenceOperation } target } assignment
                    when ReferenceEquals(assignment.Value, current)
                         && target.Field.ContainingType is { } type
                         && OperationTree.Root(assignment) is var root
                         && root.Syntax is ConstructorDeclarationSyntax or BlockSyntax { Parent: ConstructorDeclarationSyntax }:
                    return target.Field;
                default:
                    return null;
            }
        }

        private static bool IsFieldInitializer(IOperation creation)
            => OperationTree.OuterConversion(creation).Parent is IFieldInitializerOperation;

        /// <summary><c>new ActivitySource("X").StartActivity()</c> / <c>new Meter("X").CreateCounter&lt;int&gt;("c")</c>.</summary>
        private static bool IsReceiverOfOwnCall(IOperation creation)
        {
            var current = OperationTree.OuterConversion(creation);
            while (current.Parent is IParenthesizedOperation)
            {
                current = current.Parent;
            }

            return current.Parent is IInvocationOperation invocation
                && ReferenceEquals(invocation.Instance, current)
                && KnownTypes.IsOrDerivesFrom(creation.Type, invocation.TargetMethod.ContainingType);
        }

        /// <summary>
        /// True when the creation uses no local, parameter or instance member of the enclosing code (its own lambdas'
        /// parameters and locals are fine), so it can move to a static field unchanged.
        /// </summary>
        internal static bool DependsOnNothingOfTheCall(IOperation creation)
        {
            var span = creation.Syntax.Span;
            foreach (var operation in creation.DescendantsAndSelf())
            {
                switch (operation)
                {
                    case IInstanceReferenceOperation:
                        return false;
                    case ILocalReferenceOperation local when !DeclaredWithin(local.Local, span):
                        return false;
                    case IParameterReferenceOperation parameter when !DeclaredWithin(parameter.Parameter, span):
                        return false;
                    case IInvalidOperation:
                        return false;
                }
            }

            return true;
        }

        private static bool DeclaredWithin(ISymbol symbol, Microsoft.CodeAnalysis.Text.TextSpan span)
            => symbol.DeclaringSyntaxReferences.Length > 0 && symbol.DeclaringSyntaxReferences.All(r => span.Contains(r.Span));

        private static bool CapturesLocals(IAnonymousFunctionOperation lambda)
        {
            var span = lambda.Syntax.Span;
            foreach (var operation in lambda.Descendants())
            {
                if ((operation is ILocalReferenceOperation local && !DeclaredWithin(local.Local, span))
                    || (operation is IParameterReferenceOperation parameter && !DeclaredWithin(parameter.Parameter, span))
                    || operation is IInstanceReferenceOperation)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// True when the function that creates the object returns a value or stores anything in a field or property:
        /// then something the container or factory produced may outlive it, and disposing it at the end of the method
        /// would break that object.
        /// </summary>
        private static bool ResultsLeaveFunction(IOperation creation, CancellationToken cancellationToken)
        {
            var function = Ownership.ContainingFunction(creation) ?? OperationTree.Root(creation);
            var own = creation.Syntax.Span;
            foreach (var operation in function.Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (own.Contains(operation.Syntax.Span))
                {
                    // The creation's own configuration lambda (`LoggerFactory.Create(b => b.AddConsole())`).
                    continue;
                }

                switch (operation)
                {
                    case IReturnOperation { ReturnedValue: not null } returned when returned.Kind == OperationKind.Return || returned.Kind == OperationKind.YieldReturn:
                        return true;
                    case ISimpleAssignmentOperation { Target: IFieldReferenceOperation or IPropertyReferenceOperation }:
                        return true;
                    case IAnonymousFunctionOperation lambda when CapturesLocals(lambda):
                        // A lambda may run after the method; what it captures must stay alive.
                        return true;
                }
            }

            return false;
        }
    }
}
