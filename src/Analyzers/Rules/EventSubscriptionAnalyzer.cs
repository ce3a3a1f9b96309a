using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM030: per unit of work, code subscribes to an event of a publisher that outlives it (a static event,
    /// <c>AppDomain.CurrentDomain</c>, a long-lived handler's members, an injected service when the option says so)
    /// and nothing removes the same handler; also the subscriptions that hand back a handle
    /// (<c>IOptionsMonitor.OnChange</c>, <c>ChangeToken.OnChange</c>, MassTransit <c>Connect…Observer</c>) when the handle is dropped,
    /// and <c>-=</c> with a new lambda, which removes nothing.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class EventSubscriptionAnalyzer : MemoryAnalyzerBase
    {
        public const string IncludeInjectedPublishersKey = MemoryRetentionOptions.Prefix + "MEM030.include_injected_publishers";

        /// <summary>Diagnostic property: which rewrite the fixer may apply ("unsubscribe" or "using").</summary>
        public const string FixProperty = "fix";
        public const string UnsubscribeFix = "unsubscribe";
        public const string UsingFix = "using";
        public const string DisposeFix = "dispose";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.MEM030_EventSubscriptionNotRemoved);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = RuleActions.Of(OperationKind.EventAssignment, OperationKind.Invocation);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var types = DisposableTypes.Create(context.Compilation);
            if (types is null)
            {
                return;
            }

            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            var sources = new LongLivedSources(context.Compilation, handlers);
            var index = LocalReferenceIndex.For(context.Compilation);
            var optionsMonitor = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.Options.IOptionsMonitor`1");
            var optionsMonitorExtensions = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.Options.OptionsMonitorExtensions");
            var changeToken = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.Primitives.ChangeToken");
            var diagnosticListener = KnownTypes.Get(context.Compilation, "System.Diagnostics.DiagnosticListener");
            var rabbit = RabbitConsumerTypes.Create(context.Compilation);

            context.RegisterOperationAction(c => AnalyzeEventAssignment(c, (IEventAssignmentOperation)c.Operation, handlers, sources, rabbit), OperationKind.EventAssignment);

            if (optionsMonitor is not null || changeToken is not null || diagnosticListener is not null || KnownTypes.Get(context.Compilation, "MassTransit.IBus") is not null)
            {
                context.RegisterOperationAction(
                    c =>
                    {
                        var invocation = (IInvocationOperation)c.Operation;
                        var method = invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod;
                        var containing = method.ContainingType?.OriginalDefinition;
                        string? source = null;
                        if (method.Name == "OnChange"
                            && (SymbolEqualityComparer.Default.Equals(containing, optionsMonitor) || SymbolEqualityComparer.Default.Equals(containing, optionsMonitorExtensions)))
                        {
                            source = "the options monitor (a singleton)";
                        }
                        else if (method.Name == "OnChange" && SymbolEqualityComparer.Default.Equals(containing, changeToken))
                        {
                            source = "the change token producer";
                        }
                        else if (method.Name.StartsWith("Connect", System.StringComparison.Ordinal)
                            && method.Name.EndsWith("Observer", System.StringComparison.Ordinal)
                            && KnownTypes.IsNamespace(containing?.ContainingNamespace, "MassTransit"))
                        {
                            source = "the bus";
                        }
                        else if (method.Name == "Subscribe" && diagnosticListener is not null && IsAllListeners(invocation, diagnosticListener))
                        {
                            source = "'DiagnosticListener.AllListeners' (a static observable)";
                        }

                        if (source is null)
                        {
                            return;
                        }

                        var code = handlers.Classify(invocation, c.CancellationToken);
                        var where = code.Describe();
                        // Per unit of work, or in the constructor of a per-unit-of-work type (a scoped or transient service,
                        // a per-invocation handler): each instance adds a callback the monitor keeps.
                        var inConstructor = !code.RunsPerUnitOfWork && IsInPerInvocationConstructor(invocation, handlers, out where);
                        if ((!code.RunsPerUnitOfWork && !inConstructor) || Ownership.Analyze(invocation, types, c.CancellationToken, index).Fate != OwnershipFate.Leaked)
                        {
                            return;
                        }

                        c.ReportDiagnostic(Diagnostic.Create(
                            Descriptors.MEM030_EventSubscriptionNotRemoved,
                            invocation.Syntax.GetLocation(),
                            inConstructor ? ImmutableDictionary<string, string?>.Empty : ImmutableDictionary<string, string?>.Empty.Add(FixProperty, UsingFix),
                            "A '" + method.Name + "' subscription made " + where,
                            source,
                            " (its returned IDisposable is dropped)"));
                    },
                    OperationKind.Invocation);
            }
        }

        /// <summary>
        /// <c>DiagnosticListener.AllListeners.Subscribe(observer)</c> (or an extension <c>Subscribe</c> over it): the static
        /// observable keeps every observer until its handle is disposed.
        /// </summary>
        private static bool IsAllListeners(IInvocationOperation invocation, INamedTypeSymbol diagnosticListener)
        {
            var receiver = invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
            return OperationTree.SkipConversions(receiver) is IPropertyReferenceOperation { Property.Name: "AllListeners", Property.IsStatic: true } property
                && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, diagnosticListener);
        }

        private static void AnalyzeEventAssignment(OperationAnalysisContext context, IEventAssignmentOperation assignment, HandlerRecognizer handlers, LongLivedSources sources, RabbitConsumerTypes? rabbit)
        {
            if (assignment.EventReference is not IEventReferenceOperation eventReference || assignment.Syntax is not AssignmentExpressionSyntax syntax)
            {
                return;
            }

            var handler = Unwrap(assignment.HandlerValue);
            if (handler is IInvalidOperation || handler.Type?.TypeKind == TypeKind.Error || eventReference.Event.Type.TypeKind == TypeKind.Error)
            {
                return; // half-typed
            }

            if (!assignment.Adds)
            {
                // `-=` with a new lambda removes nothing.
                if (handler is IAnonymousFunctionOperation && HasMatchingAdd(context, assignment, eventReference.Event))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.MEM030_EventSubscriptionNotRemoved,
                        syntax.GetLocation(),
                        "A lambda subscription",
                        "'" + eventReference.Event.Name + "'",
                        " ('-=' with a new lambda removes nothing: a lambda can only be removed through the same delegate instance)"));
                }

                return;
            }

            var code = handlers.Classify(assignment, context.CancellationToken);
            var where = code.Describe();
            if (rabbit is not null && code.RunsPerUnitOfWork && rabbit.IsConsumerEvent(eventReference.Event))
            {
                // A consumer created per request/RPC call and started on a channel that outlives the call: the channel
                // keeps it (and its handler) until the consumer tag is cancelled.
                if (rabbit.DescribePerCallConsumer(assignment, eventReference, handler, context.CancellationToken) is { } channel)
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.MEM030_EventSubscriptionNotRemoved,
                        syntax.GetLocation(),
                        (handler is IAnonymousFunctionOperation ? "A lambda subscribed " : "A handler subscribed ") + where,
                        "a consumer started on " + channel + " ('" + eventReference.Event.Name + "')",
                        " and the consumer tag is never cancelled (BasicCancelAsync): the channel keeps the consumer, its handler and what it captures for as long as the channel is open"));
                }

                return;
            }

            if (!code.RunsPerUnitOfWork)
            {
                if (!IsInPerInvocationConstructor(assignment, handlers, out where))
                {
                    return;
                }
            }

            var publisher = sources.DescribeLongLivedPublisher(eventReference.Event, eventReference.Instance);
            if (publisher is null)
            {
                return;
            }

            if (publisher.StartsWith("the injected", System.StringComparison.Ordinal) && DescribeRegisteredSingleton(eventReference.Instance, handlers) is { } singleton)
            {
                // The compilation registers the injected service as a singleton: no option needed.
                publisher = singleton;
            }

            if (publisher.StartsWith("the injected", System.StringComparison.Ordinal)
                && !MemoryRetentionOptions.GetBool(context.Options, syntax.SyntaxTree, IncludeInjectedPublishersKey, defaultValue: false))
            {
                // An injected service may be scoped: only report it when the user says injected publishers are long-lived.
                return;
            }

            // Handler-registration events (a consumer's ReceivedAsync, a timer's Elapsed) are how handlers are attached, not leaks.
            if (handler is IAnonymousFunctionOperation lambda && handlers.GetLambdaEntryPoint(lambda) is not null)
            {
                return;
            }

            if (handler is not IAnonymousFunctionOperation && HasMatchingRemove(context, assignment, eventReference.Event, handler))
            {
                return;
            }

            var what = handler is IAnonymousFunctionOperation ? "A lambda subscribed " + where : "A handler subscribed " + where;
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM030_EventSubscriptionNotRemoved,
                syntax.GetLocation(),
                ImmutableDictionary<string, string?>.Empty.Add(FixProperty, code.IsInUnitOfWorkBody ? UnsubscribeFix : DisposeFix),
                what,
                publisher + " ('" + eventReference.Event.Name + "')",
                string.Empty));
        }

        /// <summary>"the singleton 'Clock'" when the publisher's type is registered as a singleton or otherwise lives for the process.</summary>
        private static string? DescribeRegisteredSingleton(IOperation? instance, HandlerRecognizer handlers)
        {
            while (instance is IConversionOperation conversion)
            {
                instance = conversion.Operand;
            }

            var lifetimes = LifetimeService.For(handlers);
            return instance?.Type is INamedTypeSymbol type
                   && (lifetimes.RegisteredLifetime(type) == ServiceLifetimeKind.Singleton || lifetimes.LivesForProcess(type))
                ? "the singleton '" + type.Name + "'"
                : null;
        }

        private static bool IsInPerInvocationConstructor(IOperation operation, HandlerRecognizer handlers, out string where)
        {
            where = string.Empty;
            if (operation.SemanticModel?.GetEnclosingSymbol(operation.Syntax.SpanStart) is IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } constructor
                && LifetimeService.For(handlers).Of(constructor.ContainingType) is { Kind: InstanceLifetime.PerUnitOfWork, Owner: { } owner } lifetime)
            {
                // A per-invocation handler, or a type the compilation registers as scoped or transient: built per unit of work.
                where = "in the constructor of the " + (lifetime.Framework is null ? owner : "per-invocation " + owner);
                return true;
            }

            return false;
        }

        private static IOperation Unwrap(IOperation operation)
        {
            while (true)
            {
                switch (operation)
                {
                    case IDelegateCreationOperation creation:
                        operation = creation.Target;
                        continue;
                    case IConversionOperation conversion:
                        operation = conversion.Operand;
                        continue;
                    default:
                        return operation;
                }
            }
        }

        /// <summary>True when the handler's identity matches: the same method group, local, parameter or field.</summary>
        private static bool SameHandler(IOperation a, IOperation b)
        {
            switch (a)
            {
                case IMethodReferenceOperation methodA when b is IMethodReferenceOperation methodB:
                    return SymbolEqualityComparer.Default.Equals(methodA.Method, methodB.Method);
                case ILocalReferenceOperation localA when b is ILocalReferenceOperation localB:
                    return SymbolEqualityComparer.Default.Equals(localA.Local, localB.Local);
                case IFieldReferenceOperation fieldA when b is IFieldReferenceOperation fieldB:
                    return SymbolEqualityComparer.Default.Equals(fieldA.Field, fieldB.Field);
                case IPropertyReferenceOperation propertyA when b is IPropertyReferenceOperation propertyB:
                    return SymbolEqualityComparer.Default.Equals(propertyA.Property, propertyB.Property);
                case IParameterReferenceOperation parameterA when b is IParameterReferenceOperation parameterB:
                    return SymbolEqualityComparer.Default.Equals(parameterA.Parameter, parameterB.Parameter);
                default:
                    return false;
            }
        }

        /// <summary>A `-=` of the same event and handler anywhere in the containing type (its method, Dispose, StopAsync, …).</summary>
        private static bool HasMatchingRemove(OperationAnalysisContext context, IEventAssignmentOperation add, IEventSymbol @event, IOperation handler)
            => FindAssignments(context, add, @event, adds: false, context.CancellationToken)
                   .Any(remove => SameHandler(handler, Unwrap(remove.HandlerValue)))
               || HasRemoveInOtherPartialParts(add, @event, context.CancellationToken);

        /// <summary>
        /// Partial types: a `-=` of the same event and the same handler text in another part (another file) counts as a
        /// match. Syntax only, so no other file is bound; erring toward silence.
        /// </summary>
        private static bool HasRemoveInOtherPartialParts(IEventAssignmentOperation add, IEventSymbol @event, CancellationToken cancellationToken)
        {
            if (add.Syntax is not AssignmentExpressionSyntax addSyntax
                || add.SemanticModel?.GetEnclosingSymbol(add.Syntax.SpanStart, cancellationToken)?.ContainingType is not INamedTypeSymbol type
                || type.DeclaringSyntaxReferences.Length < 2)
            {
                return false;
            }

            var handlerText = addSyntax.Right.ToString();
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.SyntaxTree == add.Syntax.SyntaxTree)
                {
                    continue;
                }

                foreach (var node in reference.GetSyntax(cancellationToken).DescendantNodes())
                {
                    if (node is AssignmentExpressionSyntax candidate
                        && candidate.IsKind(SyntaxKind.SubtractAssignmentExpression)
                        && candidate.Right.ToString() == handlerText
                        && candidate.Left.ToString().EndsWith(@event.Name, System.StringComparison.Ordinal))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static bool HasMatchingAdd(OperationAnalysisContext context, IEventAssignmentOperation remove, IEventSymbol @event)
            => FindAssignments(context, remove, @event, adds: true, context.CancellationToken).Any();

        /// <summary>
        /// The `+=`/`-=` assignments of <paramref name="event"/> in the type that contains <paramref name="origin"/>:
        /// a syntactic pre-filter on the event name, then binding only the candidates.
        /// </summary>
        // Per type declaration (immutable syntax, so shared by every compilation of the tree): its `+=` and `-=`
        // assignments by assigned member name, collected with one walk instead of one walk per subscription.
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<TypeDeclarationSyntax, System.Collections.Generic.Dictionary<(SyntaxKind, string), System.Collections.Generic.List<AssignmentExpressionSyntax>>> AssignmentIndex =
            new System.Runtime.CompilerServices.ConditionalWeakTable<TypeDeclarationSyntax, System.Collections.Generic.Dictionary<(SyntaxKind, string), System.Collections.Generic.List<AssignmentExpressionSyntax>>>();

        private static System.Collections.Generic.Dictionary<(SyntaxKind, string), System.Collections.Generic.List<AssignmentExpressionSyntax>> AssignmentsByName(TypeDeclarationSyntax type, CancellationToken cancellationToken)
        {
            if (AssignmentIndex.TryGetValue(type, out var known))
            {
                return known;
            }

            var map = new System.Collections.Generic.Dictionary<(SyntaxKind, string), System.Collections.Generic.List<AssignmentExpressionSyntax>>();
            foreach (var node in type.DescendantNodes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (node is not AssignmentExpressionSyntax candidate
                    || !(candidate.IsKind(SyntaxKind.AddAssignmentExpression) || candidate.IsKind(SyntaxKind.SubtractAssignmentExpression)))
                {
                    continue;
                }

                var name = candidate.Left switch
                {
                    MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                    IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                    _ => null,
                };

                if (name is null)
                {
                    continue;
                }

                var key = (candidate.Kind(), name);
                if (!map.TryGetValue(key, out var list))
                {
                    map[key] = list = new System.Collections.Generic.List<AssignmentExpressionSyntax>();
                }

                list.Add(candidate);
            }

            return AssignmentIndex.GetValue(type, _ => map);
        }

        private static System.Collections.Generic.IEnumerable<IEventAssignmentOperation> FindAssignments(OperationAnalysisContext context, IOperation origin, IEventSymbol @event, bool adds, CancellationToken cancellationToken)
        {
            var type = origin.Syntax.FirstAncestorOrSelf<TypeDeclarationSyntax>();
            var model = origin.SemanticModel;
            if (type is null || model is null)
            {
                yield break;
            }

            var kind = adds ? SyntaxKind.AddAssignmentExpression : SyntaxKind.SubtractAssignmentExpression;
            if (!AssignmentsByName(type, cancellationToken).TryGetValue((kind, @event.Name), out var candidates))
            {
                yield break;
            }

            foreach (var candidate in candidates)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (ReferenceEquals(candidate, origin.Syntax))
                {
                    continue;
                }

                if (model.GetOperation(candidate, cancellationToken) is IEventAssignmentOperation other
                    && other.EventReference is IEventReferenceOperation otherEvent
                    && SymbolEqualityComparer.Default.Equals(otherEvent.Event.OriginalDefinition, @event.OriginalDefinition))
                {
                    yield return other;
                }
            }
        }
    }
}
