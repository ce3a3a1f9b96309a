using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Handlers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM040 through the registration graph: a container-built long-lived service whose constructor is given a scoped
    /// service it does not store (reported on the parameter; a stored one is reported on the assignment), or a transient
    /// whose own dependencies reach a scoped service (singleton → transient → scoped, open generics included; reported
    /// on the singleton's constructor parameter); a singleton factory lambda that resolves a scoped service from the
    /// root provider (reported on the resolution inside the registration); per-unit-of-work code that stores its scoped
    /// service, or itself, into a static collection or a long-lived registry (reported on the call that stores it).
    /// One finding per captive, where it is fixed.
    /// </summary>
    public sealed partial class CaptiveScopedServiceAnalyzer
    {
        private static readonly ImmutableHashSet<string> SingletonRegistrations = ImmutableHashSet.Create(
            "AddSingleton", "TryAddSingleton", "AddKeyedSingleton", "TryAddKeyedSingleton", "AddHostedService");

        // Frameworks that build their handlers from the DI container (so a constructor parameter is resolved by it).
        private static readonly ImmutableHashSet<HandlerFramework> ContainerBuilt = ImmutableHashSet.Create(
            HandlerFramework.Hosting, HandlerFramework.Mediator, HandlerFramework.MediatR, HandlerFramework.Quartz, HandlerFramework.Hangfire,
            HandlerFramework.MassTransit, HandlerFramework.Rebus, HandlerFramework.NServiceBus, HandlerFramework.Wolverine, HandlerFramework.Coravel,
            HandlerFramework.Cap, HandlerFramework.AzureFunctions);

        /// <summary>What the MEM040 actions share for one compilation.</summary>
        internal sealed class Captives
        {
            private readonly ImmutableArray<INamedTypeSymbol> _mediators;
            private readonly INamedTypeSymbol? _parallel;

            public Captives(HandlerRecognizer handlers, LifetimeService lifetimes, ScopedServices scoped, ImmutableArray<INamedTypeSymbol> mediators, INamedTypeSymbol? parallel)
            {
                Handlers = handlers;
                Lifetimes = lifetimes;
                Scoped = scoped;
                _mediators = mediators;
                _parallel = parallel;
            }

            public HandlerRecognizer Handlers { get; }

            public LifetimeService Lifetimes { get; }

            public ScopedServices Scoped { get; }

            /// <summary>A registered singleton whose every registration is a factory lambda (and which is no handler).</summary>
            public bool IsBuiltByFactoryOnly(INamedTypeSymbol? type)
            {
                if (type is null || Lifetimes.Of(type).Framework is not null)
                {
                    return false;
                }

                var any = false;
                foreach (var registration in Lifetimes.AllRegistrations)
                {
                    if (SymbolEqualityComparer.Default.Equals(registration.Implementation, type.OriginalDefinition))
                    {
                        if (registration.Factory is null)
                        {
                            return false;
                        }

                        any = true;
                    }
                }

                return any;
            }

            /// <summary>MediatR's IMediator/ISender/IPublisher (transient: each holds the provider it was resolved from).</summary>
            public bool IsMediator(ITypeSymbol? type)
                => type is not null && _mediators.Contains(type.OriginalDefinition as INamedTypeSymbol, SymbolEqualityComparer.Default);

            /// <summary>Inside a loop body, or a lambda handed to <c>Parallel.For/ForEach/ForEachAsync</c>: runs once per item.</summary>
            public bool IsRepeated(IOperation operation)
            {
                IOperation? previous = null;
                for (var current = operation; current is not null; previous = current, current = current.Parent)
                {
                    switch (current)
                    {
                        case ILoopOperation loop when previous is not null && ReferenceEquals(loop.Body, previous):
                            return true;
                        case IAnonymousFunctionOperation lambda when IsParallelBody(lambda):
                            return true;
                    }
                }

                return false;
            }

            private bool IsParallelBody(IAnonymousFunctionOperation lambda)
            {
                IOperation? current = lambda.Parent;
                while (current is IDelegateCreationOperation || current is IConversionOperation)
                {
                    current = current.Parent;
                }

                return _parallel is not null
                    && current is IArgumentOperation { Parent: IInvocationOperation invocation }
                    && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, _parallel);
            }

            /// <summary>The lifetime-service words for a scoped-by-nature type, or for one reached through transients.</summary>
            public string? DescribeCaptive(ITypeSymbol type, out bool throughTransients)
            {
                throughTransients = false;
                if (Scoped.Describe(type) is { } direct)
                {
                    return "the scoped '" + type.Name + "' (" + direct + ")";
                }

                if (Lifetimes.FindScopedThroughTransients(type, Scoped.Describe) is { } path)
                {
                    throughTransients = true;
                    return "'" + type.Name + "', a transient that reaches a scoped service (" + path + ")";
                }

                return null;
            }
        }

        private static void AnalyzeContainerConstructor(SymbolAnalysisContext context, Captives captive)
        {
            if (context.Symbol is not IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } constructor
                || constructor.Parameters.Length == 0
                || constructor.ContainingType is not { IsAbstract: false } type)
            {
                return;
            }

            // The parameters first: most constructors take nothing captive, and the owner's lifetime is asked only for one
            // that does (for a type neither a handler nor registered, that question scans the compilation for what holds
            // it for the process).
            List<(IParameterSymbol Parameter, string What, bool ThroughTransients)>? captives = null;
            foreach (var parameter in constructor.Parameters)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                if (parameter.Locations.Length == 0 || parameter.Type.TypeKind == TypeKind.Error)
                {
                    continue;
                }

                if (captive.DescribeCaptive(parameter.Type, out var throughTransients) is { } what)
                {
                    (captives ??= new List<(IParameterSymbol, string, bool)>()).Add((parameter, what, throughTransients));
                }
            }

            if (captives is null)
            {
                return;
            }

            var lifetime = captive.Lifetimes.Of(type);
            if (!lifetime.LivesForProcess || lifetime.Owner is null || !IsContainerBuilt(type, lifetime, captive)
                || !SymbolEqualityComparer.Default.Equals(LifetimeService.ContainerConstructor(type), constructor))
            {
                return;
            }

            var syntax = constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken);
            var primary = syntax is TypeDeclarationSyntax;
            if (syntax is ConstructorDeclarationSyntax { Initializer.ThisOrBaseKeyword.RawKind: (int)SyntaxKind.ThisKeyword })
            {
                return; // chained: the other constructor's parameters are analyzed there
            }

            foreach (var (parameter, what, throughTransients) in captives)
            {
                // A scoped service stored into a field (or captured by a primary constructor) is reported where it is stored.
                if (!throughTransients && (primary || IsStoredDirectly(syntax, parameter.Name)))
                {
                    continue;
                }

                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.MEM040_CaptiveScopedService,
                    parameter.Locations[0],
                    "The container gives the " + lifetime.Owner + " " + what,
                    throughTransients
                        ? "the transient and the scoped service it needs are resolved once, from the root provider, and never released"
                        : "it is resolved once, from the root provider, and never released with what it tracks"));
            }
        }

        private static bool IsContainerBuilt(INamedTypeSymbol type, TypeLifetime lifetime, Captives captive)
        {
            if (lifetime.Framework is { } framework && ContainerBuilt.Contains(framework))
            {
                return true;
            }

            foreach (var registration in captive.Lifetimes.AllRegistrations)
            {
                if (registration.ConstructedByContainer && registration.Lifetime == ServiceLifetimeKind.Singleton
                    && SymbolEqualityComparer.Default.Equals(registration.Implementation, type.OriginalDefinition))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>`_x = name;` (through parentheses and casts) in the constructor: the assignment rule reports it.</summary>
        private static bool IsStoredDirectly(SyntaxNode? constructor, string name)
        {
            if (constructor is null)
            {
                return false;
            }

            foreach (var node in constructor.DescendantNodes())
            {
                if (node is AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assignment)
                {
                    var right = assignment.Right;
                    while (right is ParenthesizedExpressionSyntax || right is CastExpressionSyntax)
                    {
                        right = right is ParenthesizedExpressionSyntax p ? p.Expression : ((CastExpressionSyntax)right).Expression;
                    }

                    if (right is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == name)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>`AddSingleton&lt;I&gt;(sp =&gt; new T(sp.GetRequiredService&lt;AppDbContext&gt;()))`: the factory runs against the root provider.</summary>
        private static void AnalyzeSingletonFactory(OperationAnalysisContext context, IInvocationOperation resolution, IParameterReferenceOperation provider, Captives captive)
        {
            if (provider.Parameter.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } lambdaSymbol
                || !SymbolEqualityComparer.Default.Equals(provider.Parameter.Type, captive.Scoped.ServiceProvider))
            {
                return;
            }

            IOperation? current = resolution.Parent;
            while (current is not null && !(current is IAnonymousFunctionOperation lambda && SymbolEqualityComparer.Default.Equals(lambda.Symbol, lambdaSymbol)))
            {
                current = current.Parent;
            }

            current = current?.Parent;
            while (current is IDelegateCreationOperation || current is IConversionOperation)
            {
                current = current.Parent;
            }

            if (current is not IArgumentOperation { Parent: IInvocationOperation registration }
                || !SingletonRegistrations.Contains(registration.TargetMethod.Name)
                || registration.TargetMethod.ContainingNamespace?.ToDisplayString().StartsWith("Microsoft.Extensions.DependencyInjection", System.StringComparison.Ordinal) != true
                || ResolvedType(resolution) is not { } resolved
                || captive.DescribeCaptive(resolved, out _) is not { } what)
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM040_CaptiveScopedService,
                resolution.Syntax.GetLocation(),
                "The singleton factory registered with '" + registration.TargetMethod.Name + "' resolves " + what + " from the root provider",
                "the singleton keeps it, and the root provider keeps what it tracks, until the process ends"));
        }

        /// <summary>
        /// Per-unit-of-work code that stores its scoped service (or itself) into a static collection or into a service
        /// that lives for the process: <c>Registry.Active.Add(this)</c>, <c>_registry.Track(_db)</c>.
        /// </summary>
        private static void AnalyzeStoreIntoLongLived(OperationAnalysisContext context, IInvocationOperation invocation, Captives captive)
        {
            // Cheap shape checks first: an instance call with arguments (every invocation of the compilation comes here).
            if (invocation.Arguments.Length == 0 || invocation.Instance is null || context.ContainingSymbol?.ContainingType is not INamedTypeSymbol codeType)
            {
                return;
            }

            // What is stored: `this` of a per-unit-of-work type, or a scoped service.
            string? what = null;
            IArgumentOperation? stored = null;
            TypeLifetime? lifetimeOfCode = null;
            TypeLifetime CodeLifetime() => lifetimeOfCode ??= captive.Lifetimes.Of(codeType);
            foreach (var argument in invocation.Arguments)
            {
                var value = Unwrap(argument.Value);
                if (value is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } && CodeLifetime().Kind == InstanceLifetime.PerUnitOfWork)
                {
                    what = "itself";
                }
                else if ((value is IFieldReferenceOperation || value is IParameterReferenceOperation || value is IPropertyReferenceOperation)
                    && value.Type is not null && captive.Scoped.Describe(value.Type) is { } why)
                {
                    what = "its scoped '" + value.Type.Name + "' (" + why + ")";
                }

                if (what is not null)
                {
                    stored = argument;
                    break;
                }
            }

            if (what is null || stored is null)
            {
                return;
            }

            var destination = DescribeLongLivedDestination(invocation, stored, captive, context.CancellationToken);
            if (destination is null)
            {
                return;
            }

            string who;
            var codeLifetime = CodeLifetime();
            if (codeLifetime.Kind == InstanceLifetime.PerUnitOfWork && codeLifetime.Owner is { } owner)
            {
                who = codeLifetime.Framework is null ? owner : "per-invocation " + owner;
            }
            else
            {
                var code = captive.Handlers.Classify(invocation, context.CancellationToken);
                if (!code.RunsPerUnitOfWork)
                {
                    return;
                }

                who = "code " + code.Describe();
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM040_CaptiveScopedService,
                invocation.Syntax.GetLocation(),
                "The " + who + " stores " + what + " in " + destination,
                "every instance stored there, with what it tracks, outlives its unit of work"));
        }

        private static string? DescribeLongLivedDestination(IInvocationOperation invocation, IArgumentOperation stored, Captives captive, CancellationToken cancellationToken)
        {
            var receiver = Unwrap(invocation.Instance);
            var name = invocation.TargetMethod.Name;
            if (CollectionMembers.Adds.Contains(name) || name == "Add")
            {
                switch (receiver)
                {
                    case IFieldReferenceOperation { Field.IsStatic: true } field:
                        return "the static '" + field.Field.ContainingType?.Name + "." + field.Field.Name + "'";
                    case IPropertyReferenceOperation { Property.IsStatic: true } property:
                        return "the static '" + property.Property.ContainingType?.Name + "." + property.Property.Name + "'";
                    case IFieldReferenceOperation { Instance: { } holder } field when HolderLivesForProcess(holder, captive) is { } owner:
                        return "'" + field.Field.Name + "' of the " + owner;
                    case IPropertyReferenceOperation { Instance: { } holder } property when HolderLivesForProcess(holder, captive) is { } owner:
                        return "'" + property.Property.Name + "' of the " + owner;
                }
            }

            // `_registry.Track(_db)` on a service that lives for the process, whose method adds its parameter to a collection.
            if (receiver is not null && receiver.Type is INamedTypeSymbol receiverType
                && captive.Lifetimes.Of(receiverType) is { LivesForProcess: true, Owner: { } registry }
                && stored.Parameter is { } parameter
                && AddsParameterToCollection(invocation.TargetMethod.OriginalDefinition, parameter.Ordinal, cancellationToken))
            {
                return "the " + registry + " ('" + name + "')";
            }

            return null;
        }

        private static string? HolderLivesForProcess(IOperation holder, Captives captive)
            => Unwrap(holder) is { Type: INamedTypeSymbol type } && !(Unwrap(holder) is IInstanceReferenceOperation)
               && captive.Lifetimes.Of(type) is { LivesForProcess: true, Owner: { } owner }
                ? owner
                : null;

        /// <summary>Syntax only (no other file is bound): the method body adds the parameter to a collection or stores it by index.</summary>
        private static bool AddsParameterToCollection(IMethodSymbol method, int ordinal, CancellationToken cancellationToken)
        {
            if (ordinal < 0 || ordinal >= method.Parameters.Length)
            {
                return false;
            }

            var name = method.Parameters[ordinal].Name;
            foreach (var reference in method.DeclaringSyntaxReferences)
            {
                foreach (var node in reference.GetSyntax(cancellationToken).DescendantNodes())
                {
                    switch (node)
                    {
                        case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } call
                            when CollectionMembers.Adds.Contains(member.Name.Identifier.ValueText)
                                 && call.ArgumentList.Arguments.Any(a => a.Expression is IdentifierNameSyntax id && id.Identifier.ValueText == name):
                            return true;
                        case AssignmentExpressionSyntax { Left: ElementAccessExpressionSyntax, Right: IdentifierNameSyntax value } when value.Identifier.ValueText == name:
                            return true;
                    }
                }
            }

            return false;
        }
    }
}
