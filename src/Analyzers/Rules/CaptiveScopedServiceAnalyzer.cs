using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM040: a long-lived handler (hosted service, singleton-registered handler, Mediator handler, actor, grain)
    /// keeps a scoped-by-nature service — stored from its constructor, captured from its primary constructor, or
    /// created from an IDbContextFactory into a field — or resolves scoped or disposable services from the root
    /// IServiceProvider it holds.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed partial class CaptiveScopedServiceAnalyzer : MemoryAnalyzerBase
    {
        /// <summary>The option this rule reads (documented on its page).</summary>
        public const string ScopedTypesKey = ScopedServices.ScopedTypesKey;

        /// <summary>Diagnostic property: the fixer may rewrite the field into a scope per unit of work.</summary>
        public const string FixProperty = "fix";
        public const string ScopePerUnitOfWorkFix = "scope";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.MEM040_CaptiveScopedService);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = new RuleActions(ImmutableArray.Create(OperationKind.Invocation, OperationKind.SimpleAssignment, OperationKind.FieldInitializer, OperationKind.ParameterReference), symbols: ImmutableArray.Create(SymbolKind.Method));

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            var scoped = new ScopedServices(context.Compilation, context.Options, handlers);
            if (!scoped.IsAvailable)
            {
                return;
            }

            var types = DisposableTypes.Create(context.Compilation);
            var reportedPrimaryParameters = new ConcurrentDictionary<IParameterSymbol, bool>(SymbolEqualityComparer.Default);
            var lifetimes = LifetimeService.For(handlers);
            var mediators = ImmutableArray.CreateRange(
                new[] { "MediatR.IMediator", "MediatR.ISender", "MediatR.IPublisher" }
                    .Select(n => KnownTypes.Get(context.Compilation, n)).Where(t => t is not null).Select(t => t!));
            var parallel = KnownTypes.Get(context.Compilation, "System.Threading.Tasks.Parallel");
            var captive = new Captives(handlers, lifetimes, scoped, mediators, parallel);

            context.RegisterSymbolAction(c => AnalyzeContainerConstructor(c, captive), SymbolKind.Method);
            context.RegisterOperationAction(c => AnalyzeStoreIntoLongLived(c, (IInvocationOperation)c.Operation, captive), OperationKind.Invocation);

            context.RegisterOperationAction(c => AnalyzeAssignment(c, (ISimpleAssignmentOperation)c.Operation, handlers, scoped, captive), OperationKind.SimpleAssignment);
            context.RegisterOperationAction(c => AnalyzeFieldInitializer(c, (IFieldInitializerOperation)c.Operation, handlers, scoped), OperationKind.FieldInitializer);
            context.RegisterOperationAction(c => AnalyzePrimaryConstructorCapture(c, (IParameterReferenceOperation)c.Operation, handlers, scoped, reportedPrimaryParameters), OperationKind.ParameterReference);
            context.RegisterOperationAction(c => AnalyzeRootResolution(c, (IInvocationOperation)c.Operation, handlers, scoped, types, captive), OperationKind.Invocation);
        }

        private static (HandlerFramework? Framework, string Name)? LongLived(INamedTypeSymbol? type, HandlerRecognizer handlers)
            => LifetimeService.For(handlers).Of(type) is { LivesForProcess: true, Owner: { } owner } lifetime
                ? (lifetime.Framework, owner)
                : ((HandlerFramework?, string)?)null;

        private static void AnalyzeAssignment(OperationAnalysisContext context, ISimpleAssignmentOperation assignment, HandlerRecognizer handlers, ScopedServices scoped, Captives captive)
        {
            ISymbol? member = assignment.Target switch
            {
                IFieldReferenceOperation { Instance: IInstanceReferenceOperation, Field: var field } => field,
                IPropertyReferenceOperation { Instance: IInstanceReferenceOperation, Property: var property } => property,
                _ => null,
            };

            if (member is null)
            {
                return;
            }

            // The value first: most assignments store something that is not a captive, and the owner's lifetime (whose
            // first question builds the registration index) is asked only for one that is.
            var value = Unwrap(assignment.Value);
            var captiveValue = value switch
            {
                IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } } parameter
                    => scoped.Describe(parameter.Type) is not null || captive.IsMediator(parameter.Parameter.Type),
                IInvocationOperation invocation => IsContextFromFactory(invocation, scoped),
                _ => false,
            };
            if (!captiveValue || LongLived(member.ContainingType, handlers) is not { } owner)
            {
                return;
            }

            // A singleton built by a factory lambda gets its arguments from the factory: the captive is reported there.
            if (captive.IsBuiltByFactoryOnly(member.ContainingType))
            {
                return;
            }

            switch (value)
            {
                case IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } } parameter
                    when scoped.Describe(parameter.Type) is { } why:
                    context.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.MEM040_CaptiveScopedService,
                        assignment.Syntax.GetLocation(),
                        ImmutableDictionary<string, string?>.Empty.Add(FixProperty, ScopePerUnitOfWorkFix),
                        "The " + owner.Name + " keeps the scoped '" + parameter.Parameter.Type.Name + "' (" + why + ") in '" + member.Name + "'",
                        "one instance serves every unit of work and what it tracks is never released"));
                    break;

                case IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } } mediator
                    when captive.IsMediator(mediator.Parameter.Type):
                    // MediatR's mediator is transient: resolved into a long-lived owner it holds the root provider, and each
                    // Send resolves the handlers (and their scoped dependencies) from it.
                    context.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.MEM040_CaptiveScopedService,
                        assignment.Syntax.GetLocation(),
                        ImmutableDictionary<string, string?>.Empty.Add(FixProperty, ScopePerUnitOfWorkFix),
                        "The " + owner.Name + " keeps the mediator '" + mediator.Parameter.Type.Name + "' in '" + member.Name + "'",
                        "each Send resolves its handlers and their scoped dependencies from the root provider, which keeps them for the process"));
                    break;

                case IInvocationOperation invocation when IsContextFromFactory(invocation, scoped):
                    context.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.MEM040_CaptiveScopedService,
                        assignment.Syntax.GetLocation(),
                        "The " + owner.Name + " keeps a DbContext from '" + invocation.TargetMethod.Name + "' in '" + member.Name + "'",
                        "its change tracker keeps every entity it ever loads; create a context per unit of work with 'using'"));
                    break;
            }
        }

        private static void AnalyzeFieldInitializer(OperationAnalysisContext context, IFieldInitializerOperation initializer, HandlerRecognizer handlers, ScopedServices scoped)
        {
            if (initializer.InitializedFields.Length != 1)
            {
                return;
            }

            // `private readonly AppDbContext _db = db;` with a primary-constructor parameter (the value first, the owner's lifetime only then).
            if (Unwrap(initializer.Value) is IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } } parameter
                && scoped.Describe(parameter.Type) is { } why
                && LongLived(initializer.InitializedFields[0].ContainingType, handlers) is { } owner)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.MEM040_CaptiveScopedService,
                    initializer.Syntax.GetLocation(),
                    "The " + owner.Name + " keeps the scoped '" + parameter.Parameter.Type.Name + "' (" + why + ") in '" + initializer.InitializedFields[0].Name + "'",
                    "one instance serves every unit of work and what it tracks is never released"));
            }
        }

        private static void AnalyzePrimaryConstructorCapture(
            OperationAnalysisContext context,
            IParameterReferenceOperation reference,
            HandlerRecognizer handlers,
            ScopedServices scoped,
            ConcurrentDictionary<IParameterSymbol, bool> reported)
        {
            var parameter = reference.Parameter;
            if (parameter.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.Constructor } constructor
                || context.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor }
                || context.ContainingSymbol is IFieldSymbol
                || context.ContainingSymbol is IPropertySymbol
                || !SymbolEqualityComparer.Default.Equals(context.ContainingSymbol.ContainingType, constructor.ContainingType)
                || parameter.Locations.Length == 0)
            {
                return;
            }

            // A parameter used outside the constructor is a primary-constructor capture: the instance keeps it.
            if (scoped.Describe(parameter.Type) is not { } why || LongLived(constructor.ContainingType, handlers) is not { } owner || !reported.TryAdd(parameter, true))
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM040_CaptiveScopedService,
                parameter.Locations[0],
                "The " + owner.Name + " captures the scoped '" + parameter.Type.Name + "' (" + why + ") from its primary constructor",
                "one instance serves every unit of work and what it tracks is never released"));
        }

        private static void AnalyzeRootResolution(OperationAnalysisContext context, IInvocationOperation invocation, HandlerRecognizer handlers, ScopedServices scoped, DisposableTypes? types, Captives captive)
        {
            var method = invocation.TargetMethod;
            if (method.Name != "GetService" && method.Name != "GetRequiredService" && method.Name != "GetServices")
            {
                return;
            }

            // The provider: `_provider.GetRequiredService<T>()` (extension: first argument) or `_provider.GetService(typeof(T))`.
            var receiver = invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
            if (Unwrap(receiver) is IParameterReferenceOperation factoryParameter)
            {
                AnalyzeSingletonFactory(context, invocation, factoryParameter, captive);
                return;
            }

            if (Unwrap(receiver) is not IFieldReferenceOperation { Instance: IInstanceReferenceOperation } providerField
                || !SymbolEqualityComparer.Default.Equals(providerField.Field.Type, scoped.ServiceProvider)
                || LongLived(providerField.Field.ContainingType, handlers) is not { } owner)
            {
                return;
            }

            var resolved = ResolvedType(invocation);
            if (resolved is null)
            {
                return;
            }

            var why = scoped.Describe(resolved);
            if (why is null)
            {
                // A disposable transient resolved from the root provider is kept by it until the process ends:
                // that accumulates only when it happens per unit of work.
                if (types is null || !types.IsDisposable(resolved)
                    || !(handlers.Classify(invocation, context.CancellationToken).RunsPerUnitOfWork || captive.IsRepeated(invocation)))
                {
                    return;
                }

                why = "disposable";
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM040_CaptiveScopedService,
                invocation.Syntax.GetLocation(),
                "The " + owner.Name + " resolves the " + why + " '" + resolved.Name + "' from the root provider '" + providerField.Field.Name + "'",
                "the root provider keeps every disposable it creates until the process ends; resolve it from a scope per unit of work"));
        }

        private static ITypeSymbol? ResolvedType(IInvocationOperation invocation)
        {
            if (invocation.TargetMethod.TypeArguments.Length == 1)
            {
                return invocation.TargetMethod.TypeArguments[0];
            }

            foreach (var argument in invocation.Arguments)
            {
                if (Unwrap(argument.Value) is ITypeOfOperation typeOf)
                {
                    return typeOf.TypeOperand;
                }
            }

            return null;
        }

        private static bool IsContextFromFactory(IInvocationOperation invocation, ScopedServices scoped)
            => (invocation.TargetMethod.Name == "CreateDbContext" || invocation.TargetMethod.Name == "CreateDbContextAsync")
               && scoped.DbContextFactory is not null
               && KnownTypes.IsOrDerivesFrom(invocation.TargetMethod.ContainingType, scoped.DbContextFactory);

        private static IOperation? Unwrap(IOperation? operation)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            if (operation is IAwaitOperation awaitOperation)
            {
                return Unwrap(awaitOperation.Operation);
            }

            return operation;
        }
    }
}
