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

                        if (ImplementsMember(type, @interface, method, contract.Members))
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
