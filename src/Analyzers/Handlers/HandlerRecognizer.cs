using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>
    /// Task-handler recognition, built once per compilation and shared by every rule. It answers: is this method or
    /// lambda a task-handler entry point (of which framework), does its instance live for the process, and is a
    /// given operation inside the per-iteration body of a worker loop.
    /// Thread-safe; holds only per-compilation state.
    /// </summary>
    public sealed class HandlerRecognizer
    {
        private readonly Compilation _compilation;
        private readonly MemoryRetentionOptions _options;
        private readonly ImmutableArray<(InterfaceContract Contract, INamedTypeSymbol Type)> _interfaces;
        private readonly ImmutableArray<(BaseClassContract Contract, INamedTypeSymbol Type)> _baseClasses;
        private readonly ImmutableArray<(BaseClassContract Contract, INamedTypeSymbol Type)> _handlerBaseTypes;
        private readonly ImmutableArray<(RegistrationContract Contract, INamedTypeSymbol Type)> _registrations;
        private readonly ImmutableArray<(RegistrationContract Contract, INamedTypeSymbol Type)> _events;
        private readonly ImmutableArray<(INamedTypeSymbol Type, HandlerFramework Framework)> _methodAttributes;
        private readonly ImmutableArray<INamedTypeSymbol> _customHandlerTypes;
        private readonly ImmutableArray<INamedTypeSymbol> _customAttributes;
        private readonly ImmutableHashSet<ISymbol> _customMethods;
        private readonly ImmutableArray<INamedTypeSymbol> _longLivedTypes;
        private readonly ImmutableArray<INamedTypeSymbol> _perInvocationTypes;
        private readonly INamedTypeSymbol? _orleansGrainInterface;
        private readonly INamedTypeSymbol? _orleansGrainBase;
        private readonly INamedTypeSymbol? _wolverineHandlerMarker;
        private readonly INamedTypeSymbol? _wolverineHandlerAttribute;
        private readonly INamedTypeSymbol? _wolverineIgnoreAttribute;
        private readonly INamedTypeSymbol? _nservicebusHandlerAttribute;
        private readonly INamedTypeSymbol? _mediatorOptionsAttribute;
        private readonly INamedTypeSymbol? _kafkaConsumer;
        private readonly INamedTypeSymbol? _channelReader;
        private readonly INamedTypeSymbol? _periodicTimer;
        private readonly INamedTypeSymbol? _cancellationToken;
        private readonly ImmutableArray<INamedTypeSymbol> _hangfireClients;

        private readonly ConcurrentDictionary<IMethodSymbol, HandlerEntryPoint?> _methodCache = new ConcurrentDictionary<IMethodSymbol, HandlerEntryPoint?>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<INamedTypeSymbol, (HandlerFramework Framework, HandlerLifetime Lifetime)?> _typeCache = new ConcurrentDictionary<INamedTypeSymbol, (HandlerFramework, HandlerLifetime)?>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<SyntaxNode, bool> _loopCache = new ConcurrentDictionary<SyntaxNode, bool>();
        private readonly object _registrationGate = new object();
        private volatile RegistrationIndex? _registrationIndex;

        private HandlerRecognizer(Compilation compilation, MemoryRetentionOptions options)
        {
            _compilation = compilation;
            _options = options;

            _interfaces = Resolve(HandlerCatalog.Interfaces, c => c.MetadataName, c => c.Framework);
            _baseClasses = Resolve(HandlerCatalog.BaseClasses, c => c.MetadataName, c => c.Framework);
            _handlerBaseTypes = Resolve(HandlerCatalog.HandlerBaseTypes, c => c.MetadataName, c => c.Framework);
            _registrations = Resolve(HandlerCatalog.Registrations, c => c.ContainingType, c => c.Framework);
            _events = Resolve(HandlerCatalog.Events, c => c.ContainingType, c => c.Framework);
            _methodAttributes = HandlerCatalog.MethodAttributes
                .Where(a => IsEnabled(a.Framework))
                .Select(a => (Type: GetType(a.MetadataName), a.Framework))
                .Where(a => a.Type is not null)
                .Select(a => (a.Type!, a.Framework))
                .ToImmutableArray();

            _customHandlerTypes = ResolveAll(options.HandlerTypes);
            _customAttributes = ResolveAll(options.HandlerAttributes);
            _longLivedTypes = ResolveAll(options.LongLivedTypes);
            _perInvocationTypes = ResolveAll(options.PerInvocationTypes);
            var customMethods = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var id in options.HandlerMethods)
            {
                try
                {
                    foreach (var symbol in DocumentationCommentId.GetSymbolsForDeclarationId(id, compilation))
                    {
                        customMethods.Add(symbol.OriginalDefinition);
                    }
                }
                catch (ArgumentException)
                {
                    // A malformed ID in the user's configuration is ignored.
                }
            }

            _customMethods = customMethods.ToImmutable();

            if (IsEnabled(HandlerFramework.Orleans))
            {
                _orleansGrainInterface = GetType("Orleans.IGrain");
                _orleansGrainBase = GetType("Orleans.IGrainBase");
            }

            if (IsEnabled(HandlerFramework.Wolverine))
            {
                _wolverineHandlerMarker = GetType("Wolverine.IWolverineHandler");
                _wolverineHandlerAttribute = GetType("Wolverine.Attributes.WolverineHandlerAttribute");
                _wolverineIgnoreAttribute = GetType("Wolverine.Attributes.WolverineIgnoreAttribute");
            }

            if (IsEnabled(HandlerFramework.NServiceBus))
            {
                _nservicebusHandlerAttribute = GetType("NServiceBus.HandlerAttribute");
            }

            if (IsEnabled(HandlerFramework.Mediator))
            {
                _mediatorOptionsAttribute = GetType("Mediator.MediatorOptionsAttribute");
            }

            if (IsEnabled(HandlerFramework.Kafka))
            {
                _kafkaConsumer = GetType("Confluent.Kafka.IConsumer`2");
            }

            if (IsEnabled(HandlerFramework.Channels))
            {
                _channelReader = GetType("System.Threading.Channels.ChannelReader`1");
            }

            if (IsEnabled(HandlerFramework.Hosting))
            {
                _periodicTimer = GetType("System.Threading.PeriodicTimer");
            }

            _cancellationToken = GetType("System.Threading.CancellationToken");
            _hangfireClients = IsEnabled(HandlerFramework.Hangfire)
                ? HandlerCatalog.HangfireJobClients.Select(GetType).Where(t => t is not null).Select(t => t!).ToImmutableArray()
                : ImmutableArray<INamedTypeSymbol>.Empty;
        }

        /// <summary>The compilation this recognizer was built for.</summary>
        public Compilation Compilation => _compilation;

        /// <summary>The options the recognizer was built with.</summary>
        public MemoryRetentionOptions Options => _options;

        /// <summary>True when at least one handler framework (or a custom contract) is present in the compilation.</summary>
        public bool HasAnyFramework =>
            !_interfaces.IsEmpty || !_baseClasses.IsEmpty || !_registrations.IsEmpty || !_events.IsEmpty || !_methodAttributes.IsEmpty
            || !_customHandlerTypes.IsEmpty || !_customAttributes.IsEmpty || !_customMethods.IsEmpty || _kafkaConsumer is not null || _channelReader is not null;

        // One recognizer per compilation, shared by every rule of the package (as the SDK's analyzers share their
        // well-known-type providers): the caches and the lazy registration index are then built once, not once per
        // analyzer. Weakly keyed by the compilation, so nothing outlives it.
        private static readonly ConditionalWeakTable<Compilation, Shared> PerCompilation = new ConditionalWeakTable<Compilation, Shared>();

        private sealed class Shared
        {
            public Shared(AnalyzerOptions? options, HandlerRecognizer recognizer)
            {
                Options = options;
                Recognizer = recognizer;
            }

            public AnalyzerOptions? Options { get; }

            public HandlerRecognizer Recognizer { get; }
        }

        /// <summary>
        /// The recognizer for a compilation — built on first use and shared by all rules analyzing that compilation with
        /// the same options. Call from a compilation-start action.
        /// </summary>
        public static HandlerRecognizer Create(Compilation compilation, AnalyzerOptions? options)
        {
            var shared = PerCompilation.GetValue(compilation, c => new Shared(options, new HandlerRecognizer(c, MemoryRetentionOptions.Read(options))));
            return ReferenceEquals(shared.Options, options)
                ? shared.Recognizer
                : new HandlerRecognizer(compilation, MemoryRetentionOptions.Read(options)); // other options: not shared
        }

        /// <summary>The entry point that <paramref name="method"/> is, or null.</summary>
        public HandlerEntryPoint? GetEntryPoint(IMethodSymbol? method)
        {
            if (method is null)
            {
                return null;
            }

            if (method.MethodKind != MethodKind.Ordinary && method.MethodKind != MethodKind.ExplicitInterfaceImplementation)
            {
                return null;
            }

            return _methodCache.GetOrAdd(method, m => ComputeEntryPoint(m));
        }

        /// <summary>
        /// For a handler type (a type with entry points), its framework and instance lifetime: long-lived for
        /// hosted services, actors, grains, Mediator handlers and per-invocation handlers the compilation registers
        /// as singletons; per invocation otherwise. Null for a type that is not a handler.
        /// </summary>
        public (HandlerFramework Framework, HandlerLifetime Lifetime)? GetHandlerType(INamedTypeSymbol? type)
        {
            if (type is null || type.TypeKind != TypeKind.Class)
            {
                return null;
            }

            return _typeCache.GetOrAdd(type, t => ComputeHandlerType(t));
        }

        /// <summary>True when the compilation registers <paramref name="type"/> as a singleton (AddSingleton, AddHostedService…).</summary>
        public bool IsRegisteredSingleton(INamedTypeSymbol? type)
            => type is not null && GetRegistrationIndex().Singletons.Contains(type.OriginalDefinition);

        /// <summary>True when the compilation registers <paramref name="type"/> as a scoped service (AddScoped, AddDbContext…).</summary>
        public bool IsRegisteredScoped(INamedTypeSymbol? type)
            => type is not null && GetRegistrationIndex().Scoped.Contains(type.OriginalDefinition);

        /// <summary>The compilation's DI registrations and other registration-site facts (built lazily, once).</summary>
        internal RegistrationIndex Registrations => GetRegistrationIndex();

        /// <summary>
        /// The entry point a lambda or anonymous method is, when it is passed to a registration call (a Quartz
        /// delegate job, an Akka <c>Receive</c>, a timer callback, a consumer's <c>ReceivedAsync +=</c> …), or null.
        /// </summary>
        public HandlerEntryPoint? GetLambdaEntryPoint(IAnonymousFunctionOperation lambda)
        {
            IOperation? current = lambda.Parent;
            while (current is IDelegateCreationOperation || current is IConversionOperation)
            {
                current = current.Parent;
            }

            if (current is IArgumentOperation argument)
            {
                var call = argument.Parent;
                IMethodSymbol? target = call switch
                {
                    IInvocationOperation invocation => invocation.TargetMethod,
                    IObjectCreationOperation creation => creation.Constructor,
                    _ => null,
                };

                if (target is null)
                {
                    return null;
                }

                var containing = target.ContainingType?.OriginalDefinition;
                foreach (var (contract, type) in _registrations)
                {
                    if (InheritsOrEquals(containing, type) && MatchesName(contract.MethodNames, target.MethodKind == MethodKind.Constructor ? ".ctor" : target.Name))
                    {
                        return new HandlerEntryPoint(contract.Framework, HandlerLifetime.LongLived, runsOnce: false, HandlerCatalog.Label(contract.Framework) + " registered with '" + target.Name + "'");
                    }
                }

                if (IsBackgroundTaskQueue(containing) && target.Name.StartsWith("QueueBackgroundWorkItem", StringComparison.Ordinal))
                {
                    return new HandlerEntryPoint(HandlerFramework.Hosting, HandlerLifetime.LongLived, runsOnce: false, "queued background work item");
                }

                return null;
            }

            if (current is IEventAssignmentOperation { Adds: true } assignment
                && assignment.EventReference is IEventReferenceOperation eventReference)
            {
                var containing = eventReference.Event.ContainingType?.OriginalDefinition;
                foreach (var (contract, type) in _events)
                {
                    if (InheritsOrEquals(containing, type) && MatchesName(contract.MethodNames, eventReference.Event.Name))
                    {
                        return new HandlerEntryPoint(contract.Framework, HandlerLifetime.LongLived, runsOnce: false, HandlerCatalog.Label(contract.Framework) + " '" + eventReference.Event.Name + "' handler");
                    }
                }
            }

            return null;
        }

        /// <summary>
        /// Classifies where <paramref name="operation"/> runs: in a per-invocation entry point's body (including
        /// lambdas and local functions created there), in the per-iteration body of a worker loop, in the
        /// run-once part of a hosted service, or in none of these.
        /// </summary>
        public HandlerCode Classify(IOperation operation, CancellationToken cancellationToken = default)
        {
            ILoopOperation? innermostWorkerLoop = null;
            ISymbol? containingMember = null;
            var loops = new List<ILoopOperation>();
            IOperation? previous = null;

            for (var current = operation; current is not null; previous = current, current = current.Parent)
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (current)
                {
                    case ILoopOperation loop when previous is not null && IsInLoopBody(loop, previous):
                        loops.Add(loop);
                        break;

                    case IAnonymousFunctionOperation lambda:
                        containingMember ??= lambda.Symbol;
                        var lambdaEntry = GetLambdaEntryPoint(lambda);
                        if (lambdaEntry is not null)
                        {
                            var loopInLambda = FirstWorkerLoop(loops, lambdaEntry, cancellationToken);
                            return loopInLambda is not null
                                ? new HandlerCode(HandlerCodeKind.WorkerLoopBody, lambdaEntry, loopInLambda, containingMember)
                                : new HandlerCode(HandlerCodeKind.EntryPointBody, lambdaEntry, null, containingMember);
                        }

                        break;

                    case ILocalFunctionOperation localFunction:
                        containingMember ??= localFunction.Symbol;
                        break;
                }

                if (current.Parent is null)
                {
                    // The root: a method body, a field initializer, …
                    var method = GetContainingMethod(current);
                    containingMember ??= method;
                    var entry = GetEntryPoint(method);
                    innermostWorkerLoop = FirstWorkerLoop(loops, entry, cancellationToken);
                    if (innermostWorkerLoop is not null)
                    {
                        return new HandlerCode(HandlerCodeKind.WorkerLoopBody, entry, innermostWorkerLoop, containingMember);
                    }

                    if (entry is null)
                    {
                        return new HandlerCode(HandlerCodeKind.None, null, null, containingMember);
                    }

                    return new HandlerCode(entry.RunsOnce ? HandlerCodeKind.RunOnceBody : HandlerCodeKind.EntryPointBody, entry, null, containingMember);
                }
            }

            return new HandlerCode(HandlerCodeKind.None, null, null, containingMember);
        }

        /// <summary>True when <paramref name="loop"/> is a worker loop: its body runs once per message, tick or item.</summary>
        public bool IsWorkerLoop(ILoopOperation loop, HandlerEntryPoint? enclosingEntryPoint, CancellationToken cancellationToken = default)
        {
            if (loop.Syntax is null)
            {
                return false;
            }

            var shape = _loopCache.GetOrAdd(loop.Syntax, _ => HasWorkerLoopShape(loop, cancellationToken));
            if (shape)
            {
                return true;
            }

            // Inside a once-per-process entry point (ExecuteAsync), an endless loop or an `await foreach` is the worker loop.
            if (enclosingEntryPoint is { RunsOnce: true })
            {
                switch (loop)
                {
                    case IWhileLoopOperation whileLoop:
                        return whileLoop.Condition is null || whileLoop.Condition.ConstantValue is { HasValue: true, Value: true } || MentionsCancellation(whileLoop.Condition);
                    case IForLoopOperation forLoop:
                        return forLoop.Condition is null || forLoop.Condition.ConstantValue is { HasValue: true, Value: true };
                    case IForEachLoopOperation forEach:
                        return forEach.IsAsynchronous;
                }
            }

            return false;
        }

        private ILoopOperation? FirstWorkerLoop(List<ILoopOperation> loopsInnermostFirst, HandlerEntryPoint? entry, CancellationToken cancellationToken)
        {
            foreach (var loop in loopsInnermostFirst)
            {
                if (IsWorkerLoop(loop, entry, cancellationToken))
                {
                    return loop;
                }
            }

            return null;
        }

        private static bool IsInLoopBody(ILoopOperation loop, IOperation child)
        {
            if (ReferenceEquals(loop.Body, child))
            {
                return true;
            }

            // `await foreach (var x in …)`: the iteration variable belongs to the body too; the collection does not.
            return loop is IForEachLoopOperation forEach
                && !ReferenceEquals(forEach.Collection, child)
                && ReferenceEquals(forEach.LoopControlVariable, child);
        }

        private bool HasWorkerLoopShape(ILoopOperation loop, CancellationToken cancellationToken)
        {
            switch (loop)
            {
                case IWhileLoopOperation whileLoop when whileLoop.Condition is not null:
                    if (MentionsCancellation(whileLoop.Condition) || CallsAny(whileLoop.Condition, IsWaitForTickOrRead))
                    {
                        return true;
                    }

                    break;
                case IForEachLoopOperation { IsAsynchronous: true } forEach:
                    if (CallsAny(forEach.Collection, m => _channelReader is not null && m.Name == "ReadAllAsync" && InheritsOrEquals(m.ContainingType?.OriginalDefinition, _channelReader)))
                    {
                        return true;
                    }

                    break;
            }

            // A loop whose body calls Kafka's IConsumer<TKey,TValue>.Consume is a consume loop.
            if (_kafkaConsumer is not null && loop.Body is not null)
            {
                foreach (var descendant in loop.Body.Descendants())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (descendant is IInvocationOperation invocation
                        && invocation.TargetMethod.Name == "Consume"
                        && ImplementsOrEquals(invocation.TargetMethod.ContainingType?.OriginalDefinition, _kafkaConsumer))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private bool IsWaitForTickOrRead(IMethodSymbol method)
        {
            var type = method.ContainingType?.OriginalDefinition;
            if (method.Name == "WaitForNextTickAsync" && _periodicTimer is not null && SymbolEqualityComparer.Default.Equals(type, _periodicTimer))
            {
                return true;
            }

            return method.Name == "WaitToReadAsync" && _channelReader is not null && InheritsOrEquals(type, _channelReader);
        }

        private bool MentionsCancellation(IOperation condition)
        {
            foreach (var node in condition.DescendantsAndSelf())
            {
                if (node is IPropertyReferenceOperation property
                    && property.Property.Name == "IsCancellationRequested"
                    && _cancellationToken is not null
                    && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, _cancellationToken))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool CallsAny(IOperation operation, Func<IMethodSymbol, bool> predicate)
        {
            foreach (var node in operation.DescendantsAndSelf())
            {
                if (node is IInvocationOperation invocation && predicate(invocation.TargetMethod))
                {
                    return true;
                }
            }

            return false;
        }

        private static IMethodSymbol? GetContainingMethod(IOperation root)
        {
            switch (root)
            {
                case IMethodBodyOperation body:
                    return body.SemanticModel?.GetDeclaredSymbol(body.Syntax) as IMethodSymbol;
                case IConstructorBodyOperation:
                    return null;
                case IBlockOperation block when block.Syntax?.Parent is not null:
                    return block.SemanticModel?.GetDeclaredSymbol(block.Syntax.Parent) as IMethodSymbol;
                default:
                    if (root.Syntax is not null && root.SemanticModel is not null)
                    {
                        return root.SemanticModel.GetEnclosingSymbol(root.Syntax.SpanStart) as IMethodSymbol;
                    }

                    return null;
            }
        }

        private HandlerEntryPoint? ComputeEntryPoint(IMethodSymbol method)
        {
            var type = method.ContainingType;
            if (type is null)
            {
                return null;
            }

            var original = method.OriginalDefinition;

            // 1. Configured members.
            if (_customMethods.Contains(original))
            {
                return Entry(HandlerFramework.Custom, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
            }

            // 2. Attributes on the method.
            foreach (var attribute in method.GetAttributes())
            {
                var attributeClass = attribute.AttributeClass;
                if (attributeClass is null)
                {
                    continue;
                }

                foreach (var (attributeType, framework) in _methodAttributes)
                {
                    if (InheritsOrEquals(attributeClass, attributeType))
                    {
                        return Entry(framework, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
                    }
                }

                foreach (var custom in _customAttributes)
                {
                    if (InheritsOrEquals(attributeClass, custom))
                    {
                        return Entry(HandlerFramework.Custom, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
                    }
                }
            }

            // 3. Overrides of framework base-class members.
            for (var overridden = method.OverriddenMethod; overridden is not null; overridden = overridden.OverriddenMethod)
            {
                var declaring = overridden.ContainingType?.OriginalDefinition;
                foreach (var (contract, baseType) in _baseClasses)
                {
                    if (SymbolEqualityComparer.Default.Equals(declaring, baseType) && (contract.Members.IsEmpty || contract.Members.Contains(overridden.Name)))
                    {
                        return Entry(contract.Framework, type, method, contract.Lifetime, contract.RunsOnceMembers.Contains(overridden.Name));
                    }
                }

                foreach (var custom in _customHandlerTypes)
                {
                    if (custom.TypeKind == TypeKind.Class && SymbolEqualityComparer.Default.Equals(declaring, custom))
                    {
                        return Entry(HandlerFramework.Custom, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
                    }
                }
            }

            // 4. Implementations of framework interface members (explicit, implicit or inherited).
            if (!method.IsStatic)
            {
                foreach (var @interface in type.AllInterfaces)
                {
                    var interfaceDefinition = @interface.OriginalDefinition;
                    foreach (var (contract, contractType) in _interfaces)
                    {
                        if (!SymbolEqualityComparer.Default.Equals(interfaceDefinition, contractType))
                        {
                            continue;
                        }

                        if (ImplementsMember(type, @interface, method, contract.Members))
                        {
                            return Entry(contract.Framework, type, method, contract.Lifetime, contract.RunsOnce);
                        }
                    }

                    foreach (var custom in _customHandlerTypes)
                    {
                        if (custom.TypeKind == TypeKind.Interface && SymbolEqualityComparer.Default.Equals(interfaceDefinition, custom)
                            && ImplementsMember(type, @interface, method, ImmutableArray<string>.Empty))
                        {
                            return Entry(HandlerFramework.Custom, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
                        }
                    }

                    // Orleans: members of grain interfaces (interfaces deriving from Orleans.IGrain).
                    if (_orleansGrainInterface is not null
                        && !SymbolEqualityComparer.Default.Equals(interfaceDefinition, _orleansGrainInterface)
                        && @interface.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, _orleansGrainInterface))
                        && interfaceDefinition.ContainingNamespace?.ToDisplayString().StartsWith("Orleans", StringComparison.Ordinal) != true
                        && ImplementsMember(type, @interface, method, ImmutableArray<string>.Empty))
                    {
                        return Entry(HandlerFramework.Orleans, type, method, HandlerLifetime.LongLived, runsOnce: false);
                    }
                }
            }

            // 5. Wolverine conventions (only when Wolverine is referenced).
            if (_wolverineHandlerMarker is not null && IsWolverineConventionalHandler(type, method))
            {
                return Entry(HandlerFramework.Wolverine, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
            }

            // 6. NServiceBus convention handlers: [Handler] on the class, a method named Handle.
            if (_nservicebusHandlerAttribute is not null && method.Name == "Handle" && HasAttribute(type, _nservicebusHandlerAttribute))
            {
                return Entry(HandlerFramework.NServiceBus, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
            }

            // 7. Hangfire jobs: methods named by a BackgroundJob/RecurringJob expression somewhere in the compilation.
            if (!_hangfireClients.IsEmpty && method.DeclaredAccessibility == Accessibility.Public
                && GetRegistrationIndex().HangfireJobs.Contains(original))
            {
                return Entry(HandlerFramework.Hangfire, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
            }

            return null;
        }

        private static bool ImplementsMember(INamedTypeSymbol type, INamedTypeSymbol @interface, IMethodSymbol method, ImmutableArray<string> memberNames)
        {
            foreach (var member in @interface.GetMembers())
            {
                if (member is not IMethodSymbol interfaceMethod || (!memberNames.IsEmpty && !memberNames.Contains(member.Name)))
                {
                    continue;
                }

                var implementation = type.FindImplementationForInterfaceMember(interfaceMethod);
                if (implementation is not null && SymbolEqualityComparer.Default.Equals(implementation.OriginalDefinition, method.OriginalDefinition))
                {
                    return true;
                }
            }

            return false;
        }

        private bool IsWolverineConventionalHandler(INamedTypeSymbol type, IMethodSymbol method)
        {
            if (method.DeclaredAccessibility != Accessibility.Public || method.IsGenericMethod || method.Parameters.Length == 0 || method.MethodKind != MethodKind.Ordinary)
            {
                return false;
            }

            if (_wolverineIgnoreAttribute is not null && (HasAttribute(method, _wolverineIgnoreAttribute) || HasAttribute(type, _wolverineIgnoreAttribute)))
            {
                return false;
            }

            if (!HandlerCatalog.WolverineMethodNames.Contains(method.Name))
            {
                return false;
            }

            if (type.DeclaredAccessibility != Accessibility.Public)
            {
                return false;
            }

            return type.Name.EndsWith("Handler", StringComparison.Ordinal)
                || type.Name.EndsWith("Consumer", StringComparison.Ordinal)
                || (_wolverineHandlerAttribute is not null && HasAttribute(type, _wolverineHandlerAttribute))
                || (_wolverineHandlerMarker is not null && type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, _wolverineHandlerMarker)))
                || InheritsFrom(type, GetType("Wolverine.Saga"));
        }

        private HandlerEntryPoint Entry(HandlerFramework framework, INamedTypeSymbol type, IMethodSymbol method, HandlerLifetime defaultLifetime, bool runsOnce)
        {
            var lifetime = method.IsStatic ? HandlerLifetime.PerInvocation : ResolveLifetime(type, framework, defaultLifetime);
            return new HandlerEntryPoint(framework, lifetime, runsOnce, HandlerCatalog.Label(framework) + " '" + type.Name + "." + method.Name + "'");
        }

        private (HandlerFramework, HandlerLifetime)? ComputeHandlerType(INamedTypeSymbol type)
        {
            foreach (var (contract, baseType) in _handlerBaseTypes)
            {
                if (InheritsFrom(type, baseType))
                {
                    return (contract.Framework, ResolveLifetime(type, contract.Framework, contract.Lifetime));
                }
            }

            foreach (var (contract, baseType) in _baseClasses)
            {
                if (InheritsFrom(type, baseType))
                {
                    return (contract.Framework, ResolveLifetime(type, contract.Framework, contract.Lifetime));
                }
            }

            if (_orleansGrainBase is not null && type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, _orleansGrainBase)))
            {
                return (HandlerFramework.Orleans, ResolveLifetime(type, HandlerFramework.Orleans, HandlerLifetime.LongLived));
            }

            foreach (var @interface in type.AllInterfaces)
            {
                foreach (var (contract, contractType) in _interfaces)
                {
                    if (SymbolEqualityComparer.Default.Equals(@interface.OriginalDefinition, contractType))
                    {
                        return (contract.Framework, ResolveLifetime(type, contract.Framework, contract.Lifetime));
                    }
                }
            }

            foreach (var custom in _customHandlerTypes)
            {
                if (InheritsOrImplements(type, custom))
                {
                    return (HandlerFramework.Custom, ResolveLifetime(type, HandlerFramework.Custom, HandlerLifetime.PerInvocation));
                }
            }

            foreach (var member in type.GetMembers())
            {
                if (member is IMethodSymbol method && GetEntryPoint(method) is { } entry)
                {
                    return (entry.Framework, entry.InstanceLifetime);
                }
            }

            return null;
        }

        private HandlerLifetime ResolveLifetime(INamedTypeSymbol type, HandlerFramework framework, HandlerLifetime defaultLifetime)
        {
            foreach (var longLived in _longLivedTypes)
            {
                if (InheritsOrImplements(type, longLived))
                {
                    return HandlerLifetime.LongLived;
                }
            }

            foreach (var perInvocation in _perInvocationTypes)
            {
                if (InheritsOrImplements(type, perInvocation))
                {
                    return HandlerLifetime.PerInvocation;
                }
            }

            if (framework == HandlerFramework.Mediator)
            {
                return MediatorLifetime() ?? defaultLifetime;
            }

            if (defaultLifetime == HandlerLifetime.PerInvocation && GetRegistrationIndex().Singletons.Contains(type.OriginalDefinition))
            {
                return HandlerLifetime.LongLived;
            }

            return defaultLifetime;
        }

        private HandlerLifetime? MediatorLifetime()
        {
            // [assembly: MediatorOptions(ServiceLifetime = ServiceLifetime.Scoped)] — a source attribute the generator emits.
            if (_mediatorOptionsAttribute is not null)
            {
                foreach (var attribute in _compilation.Assembly.GetAttributes())
                {
                    if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _mediatorOptionsAttribute))
                    {
                        continue;
                    }

                    foreach (var named in attribute.NamedArguments)
                    {
                        if (named.Key == "ServiceLifetime" && named.Value.Value is int value)
                        {
                            return value == 0 ? HandlerLifetime.LongLived : HandlerLifetime.PerInvocation;
                        }
                    }
                }
            }

            return GetRegistrationIndex().MediatorLifetime;
        }

        private RegistrationIndex GetRegistrationIndex()
        {
            var index = _registrationIndex;
            if (index is not null)
            {
                return index;
            }

            lock (_registrationGate)
            {
                return _registrationIndex ??= RegistrationIndex.Build(_compilation, _hangfireClients);
            }
        }

        private bool IsBackgroundTaskQueue(INamedTypeSymbol? type)
        {
            if (type is null || !IsEnabled(HandlerFramework.Hosting))
            {
                return false;
            }

            // The documented hosted-queue sample is a user type, so it is matched by its simple name.
            return type.Name == "IBackgroundTaskQueue" || type.AllInterfaces.Any(i => i.Name == "IBackgroundTaskQueue");
        }

        private bool IsEnabled(HandlerFramework framework)
            => !_options.DisabledFrameworks.Contains(HandlerCatalog.OptionId(framework));

        private INamedTypeSymbol? GetType(string metadataName) => KnownTypes.Get(_compilation, metadataName);

        private ImmutableArray<(T Contract, INamedTypeSymbol Type)> Resolve<T>(ImmutableArray<T> contracts, Func<T, string> name, Func<T, HandlerFramework> framework)
        {
            var builder = ImmutableArray.CreateBuilder<(T, INamedTypeSymbol)>();
            foreach (var contract in contracts)
            {
                if (!IsEnabled(framework(contract)))
                {
                    continue;
                }

                var type = GetType(name(contract));
                if (type is not null)
                {
                    builder.Add((contract, type));
                }
            }

            return builder.ToImmutable();
        }

        private ImmutableArray<INamedTypeSymbol> ResolveAll(ImmutableArray<string> names)
        {
            var builder = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
            foreach (var name in names)
            {
                var type = GetType(name);
                if (type is not null)
                {
                    builder.Add(type);
                }
            }

            return builder.ToImmutable();
        }

        private static bool MatchesName(ImmutableArray<string> patterns, string name)
        {
            foreach (var pattern in patterns)
            {
                if (pattern.EndsWith("*", StringComparison.Ordinal)
                    ? name.StartsWith(pattern.Substring(0, pattern.Length - 1), StringComparison.Ordinal)
                    : pattern == name)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool HasAttribute(ISymbol symbol, INamedTypeSymbol attributeType)
        {
            foreach (var attribute in symbol.GetAttributes())
            {
                if (InheritsOrEquals(attribute.AttributeClass, attributeType))
                {
                    return true;
                }
            }

            return false;
        }

        internal static bool InheritsOrEquals(INamedTypeSymbol? type, INamedTypeSymbol? baseType)
        {
            if (baseType is null)
            {
                return false;
            }

            for (var current = type; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
                {
                    return true;
                }
            }

            return false;
        }

        internal static bool InheritsFrom(INamedTypeSymbol? type, INamedTypeSymbol? baseType)
            => type is not null && InheritsOrEquals(type.BaseType, baseType);

        internal static bool ImplementsOrEquals(INamedTypeSymbol? type, INamedTypeSymbol? @interface)
        {
            if (type is null || @interface is null)
            {
                return false;
            }

            if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, @interface))
            {
                return true;
            }

            foreach (var implemented in type.AllInterfaces)
            {
                if (SymbolEqualityComparer.Default.Equals(implemented.OriginalDefinition, @interface))
                {
                    return true;
                }
            }

            return false;
        }

        internal static bool InheritsOrImplements(INamedTypeSymbol type, INamedTypeSymbol other)
            => other.TypeKind == TypeKind.Interface ? ImplementsOrEquals(type, other) : InheritsOrEquals(type, other);
    }
}
