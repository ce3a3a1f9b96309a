using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using static MemoryRetention.Analyzers.Handlers.TypeRelations;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>
    /// Entry-point recognition: is a method (configured, attributed, an override of a framework base-class member,
    /// an implementation of a framework interface member, a convention handler, a Hangfire job) or a lambda (passed
    /// to a registration call or added to a consumer event) a task-handler entry point, and of which framework.
    /// Answers are cached per method; thread-safe.
    /// </summary>
    internal sealed class EntryPointRecognizer
    {
        private readonly HandlerRecognizer _owner;
        private readonly HandlerCatalogSymbols _symbols;
        private readonly ConcurrentDictionary<IMethodSymbol, HandlerEntryPoint?> _methodCache = new ConcurrentDictionary<IMethodSymbol, HandlerEntryPoint?>(SymbolEqualityComparer.Default);

        public EntryPointRecognizer(HandlerRecognizer owner, HandlerCatalogSymbols symbols)
        {
            _owner = owner;
            _symbols = symbols;
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
        /// The entry point a lambda or anonymous method is, when it is passed to a registration call (a Quartz
        /// delegate job, an Akka <c>Receive</c>, a timer callback, a consumer's <c>ReceivedAsync +=</c> …), or null.
        /// </summary>
        public HandlerEntryPoint? GetLambdaEntryPoint(IAnonymousFunctionOperation lambda) => GetDelegateEntryPoint(lambda);

        /// <summary>
        /// The entry point a delegate source — a lambda, or a method group (<c>consumer.Received += OnReceived</c>,
        /// <c>new Timer(OnTick, …)</c>) — is when it is passed to a registration call or added to a handler event, or null.
        /// </summary>
        public HandlerEntryPoint? GetDelegateEntryPoint(IOperation function)
        {
            IOperation? current = function.Parent;
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
                foreach (var (contract, type) in _symbols.Registrations)
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
                foreach (var (contract, type) in _symbols.Events)
                {
                    if (InheritsOrEquals(containing, type) && MatchesName(contract.MethodNames, eventReference.Event.Name))
                    {
                        return new HandlerEntryPoint(contract.Framework, HandlerLifetime.LongLived, runsOnce: false, HandlerCatalog.Label(contract.Framework) + " '" + eventReference.Event.Name + "' handler");
                    }
                }
            }

            return null;
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
            if (_symbols.CustomMethods.Contains(original))
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

                foreach (var (attributeType, framework) in _symbols.MethodAttributes)
                {
                    if (InheritsOrEquals(attributeClass, attributeType))
                    {
                        return Entry(framework, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
                    }
                }

                foreach (var custom in _symbols.CustomAttributes)
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
                foreach (var (contract, baseType) in _symbols.BaseClasses)
                {
                    if (SymbolEqualityComparer.Default.Equals(declaring, baseType) && (contract.Members.IsEmpty || contract.Members.Contains(overridden.Name)))
                    {
                        return Entry(contract.Framework, type, method, contract.Lifetime, contract.RunsOnceMembers.Contains(overridden.Name));
                    }
                }

                foreach (var custom in _symbols.CustomHandlerTypes)
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
                    foreach (var (contract, contractType) in _symbols.Interfaces)
                    {
                        if (!SymbolEqualityComparer.Default.Equals(interfaceDefinition, contractType))
                        {
                            continue;
                        }

                        if (ImplementsMember(type, @interface, method, contract.Members)
                            && (contract.MetadataName != "MassTransit.IFilter`1" || IsMassTransitMessageContext(@interface.TypeArguments[0])))
                        {
                            return Entry(contract.Framework, type, method, contract.Lifetime, contract.RunsOnce);
                        }
                    }

                    foreach (var custom in _symbols.CustomHandlerTypes)
                    {
                        if (custom.TypeKind == TypeKind.Interface && SymbolEqualityComparer.Default.Equals(interfaceDefinition, custom)
                            && ImplementsMember(type, @interface, method, ImmutableArray<string>.Empty))
                        {
                            return Entry(HandlerFramework.Custom, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
                        }
                    }

                    // Orleans: members of grain interfaces (interfaces deriving from Orleans.IGrain).
                    if (_symbols.OrleansGrainInterface is not null
                        && !SymbolEqualityComparer.Default.Equals(interfaceDefinition, _symbols.OrleansGrainInterface)
                        && @interface.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, _symbols.OrleansGrainInterface))
                        && interfaceDefinition.ContainingNamespace?.ToDisplayString().StartsWith("Orleans", StringComparison.Ordinal) != true
                        && ImplementsMember(type, @interface, method, ImmutableArray<string>.Empty))
                    {
                        return Entry(HandlerFramework.Orleans, type, method, HandlerLifetime.LongLived, runsOnce: false);
                    }
                }
            }

            // 5. Wolverine conventions (only when Wolverine is referenced).
            if (_symbols.WolverineHandlerMarker is not null && IsWolverineConventionalHandler(type, method))
            {
                return Entry(HandlerFramework.Wolverine, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
            }

            // 6. NServiceBus convention handlers: [Handler] on the class, a method named Handle.
            if (_symbols.NservicebusHandlerAttribute is not null && method.Name == "Handle" && HasAttribute(type, _symbols.NservicebusHandlerAttribute))
            {
                return Entry(HandlerFramework.NServiceBus, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
            }

            // 7. Hangfire jobs: methods named by a BackgroundJob/RecurringJob expression somewhere in the compilation.
            if (!_symbols.HangfireClients.IsEmpty && method.DeclaredAccessibility == Accessibility.Public
                && _owner.Registrations.HangfireJobs.Contains(original))
            {
                return Entry(HandlerFramework.Hangfire, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
            }

            // 8. Hangfire jobs that implement nothing: public methods taking a PerformContext or IJobCancellationToken.
            if (!_symbols.HangfireJobParameterTypes.IsEmpty && method.DeclaredAccessibility == Accessibility.Public && !method.IsStatic
                && method.Parameters.Any(p => _symbols.HangfireJobParameterTypes.Any(t => SymbolEqualityComparer.Default.Equals(p.Type, t))))
            {
                return Entry(HandlerFramework.Hangfire, type, method, HandlerLifetime.PerInvocation, runsOnce: false);
            }

            // 9. Method groups handed to an inherited registration call in the type's constructors
            //    (Akka's `Receive<T>(Handle)`, `ReceiveAsync<T>(…)`, `Command<T>(…)`, `Recover<T>(…)`): the handlers of a long-lived actor.
            foreach (var (contract, registrationType) in _symbols.Registrations)
            {
                if (InheritsFrom(type, registrationType) && IsRegisteredAsMethodGroup(type, method, contract.MethodNames))
                {
                    return Entry(contract.Framework, type, method, HandlerLifetime.LongLived, runsOnce: false);
                }
            }

            return null;
        }

        /// <summary>
        /// Whether a constructor of <paramref name="type"/> passes <paramref name="method"/> as a method group
        /// (`Handle`, `this.Handle`) to a call named by <paramref name="names"/>. Syntax only: the call is an inherited
        /// instance method of the registration type, so its name and a same-named method of this type suffice.
        /// </summary>
        private static bool IsRegisteredAsMethodGroup(INamedTypeSymbol type, IMethodSymbol method, ImmutableArray<string> names)
        {
            if (method.IsStatic || method.Parameters.Length != 1 || !SymbolEqualityComparer.Default.Equals(method.ContainingType, type))
            {
                return false;
            }

            foreach (var constructor in type.InstanceConstructors)
            {
                foreach (var reference in constructor.DeclaringSyntaxReferences)
                {
                    foreach (var invocation in reference.GetSyntax().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>())
                    {
                        var called = invocation.Expression switch
                        {
                            Microsoft.CodeAnalysis.CSharp.Syntax.SimpleNameSyntax simple => simple.Identifier.ValueText,
                            Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax { Expression: Microsoft.CodeAnalysis.CSharp.Syntax.ThisExpressionSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.BaseExpressionSyntax } member => member.Name.Identifier.ValueText,
                            _ => null,
                        };
                        if (called is null || !MatchesName(names, called))
                        {
                            continue;
                        }

                        foreach (var argument in invocation.ArgumentList.Arguments)
                        {
                            var group = argument.Expression switch
                            {
                                Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                                Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax { Expression: Microsoft.CodeAnalysis.CSharp.Syntax.ThisExpressionSyntax } member => member.Name.Identifier.ValueText,
                                _ => null,
                            };
                            if (group == method.Name)
                            {
                                return true;
                            }
                        }
                    }
                }
            }

            return false;
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

        /// <summary>
        /// A MassTransit filter runs per message only on a message context (consume, send, publish, receive, courier,
        /// saga behavior); on a connection, model or client context (`TransportReadyFilter&lt;T&gt; where T : PipeContext`)
        /// it runs per connection. A type parameter counts when one of its constraints is a message context.
        /// </summary>
        private static bool IsMassTransitMessageContext(ITypeSymbol context)
        {
            if (context is ITypeParameterSymbol parameter)
            {
                return parameter.ConstraintTypes.Any(IsMassTransitMessageContext);
            }

            return IsMessageContextName(context) || context.AllInterfaces.Any(IsMessageContextName);

            static bool IsMessageContextName(ITypeSymbol type)
                => type.Name is "ConsumeContext" or "SendContext" or "PublishContext" or "ReceiveContext" or "ExecuteContext" or "CompensateContext" or "BehaviorContext"
                   && type.ContainingNamespace is { Name: "MassTransit", ContainingNamespace.IsGlobalNamespace: true };
        }

        private bool IsWolverineConventionalHandler(INamedTypeSymbol type, IMethodSymbol method)
        {
            if (method.DeclaredAccessibility != Accessibility.Public || method.IsGenericMethod || method.Parameters.Length == 0 || method.MethodKind != MethodKind.Ordinary)
            {
                return false;
            }

            if (_symbols.WolverineIgnoreAttribute is not null && (HasAttribute(method, _symbols.WolverineIgnoreAttribute) || HasAttribute(type, _symbols.WolverineIgnoreAttribute)))
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
                || (_symbols.WolverineHandlerAttribute is not null && HasAttribute(type, _symbols.WolverineHandlerAttribute))
                || (_symbols.WolverineHandlerMarker is not null && type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, _symbols.WolverineHandlerMarker)))
                || InheritsFrom(type, _symbols.WolverineSaga);
        }

        private HandlerEntryPoint Entry(HandlerFramework framework, INamedTypeSymbol type, IMethodSymbol method, HandlerLifetime defaultLifetime, bool runsOnce)
        {
            var lifetime = method.IsStatic ? HandlerLifetime.PerInvocation : _owner.Lifetimes.ResolveLifetime(type, framework, defaultLifetime);
            return new HandlerEntryPoint(framework, lifetime, runsOnce, HandlerCatalog.Label(framework) + " '" + type.Name + "." + method.Name + "'");
        }

        private bool IsBackgroundTaskQueue(INamedTypeSymbol? type)
        {
            if (type is null || !_symbols.IsEnabled(HandlerFramework.Hosting))
            {
                return false;
            }

            // The documented hosted-queue sample is a user type, so it is matched by its simple name.
            return type.Name == "IBackgroundTaskQueue" || type.AllInterfaces.Any(i => i.Name == "IBackgroundTaskQueue");
        }
    }
}
