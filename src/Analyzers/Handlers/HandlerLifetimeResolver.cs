using System.Collections.Concurrent;
using System.Linq;
using Microsoft.CodeAnalysis;
using static MemoryRetention.Analyzers.Handlers.TypeRelations;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>
    /// How long a handler's instance lives: the framework's default for its contract, overridden by the user's
    /// long-lived / per-invocation options, Mediator's configured lifetime, and singleton registrations in the
    /// compilation. Answers are cached per type; thread-safe.
    /// </summary>
    internal sealed class HandlerLifetimeResolver
    {
        private readonly HandlerRecognizer _owner;
        private readonly HandlerCatalogSymbols _symbols;
        private readonly ConcurrentDictionary<INamedTypeSymbol, (HandlerFramework Framework, HandlerLifetime Lifetime)?> _typeCache = new ConcurrentDictionary<INamedTypeSymbol, (HandlerFramework, HandlerLifetime)?>(SymbolEqualityComparer.Default);

        public HandlerLifetimeResolver(HandlerRecognizer owner, HandlerCatalogSymbols symbols)
        {
            _owner = owner;
            _symbols = symbols;
        }

        /// <summary>
        /// For a handler type (a type with entry points), its framework and instance lifetime, or null for a type
        /// that is not a handler. See <see cref="HandlerRecognizer.GetHandlerType"/>.
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
            => type is not null && RegistrationIndex.MayRegister(_owner.Compilation, type) && _owner.Registrations.Singletons.Contains(type.OriginalDefinition);

        /// <summary>True when the compilation registers <paramref name="type"/> as a scoped service (AddScoped, AddDbContext…).</summary>
        public bool IsRegisteredScoped(INamedTypeSymbol? type)
            => type is not null && RegistrationIndex.MayRegister(_owner.Compilation, type) && _owner.Registrations.IsScopedRegistration(type);

        private (HandlerFramework, HandlerLifetime)? ComputeHandlerType(INamedTypeSymbol type)
        {
            foreach (var (contract, baseType) in _symbols.HandlerBaseTypes)
            {
                if (InheritsFrom(type, baseType))
                {
                    return (contract.Framework, ResolveLifetime(type, contract.Framework, contract.Lifetime));
                }
            }

            foreach (var (contract, baseType) in _symbols.BaseClasses)
            {
                if (InheritsFrom(type, baseType))
                {
                    return (contract.Framework, ResolveLifetime(type, contract.Framework, contract.Lifetime));
                }
            }

            if (_symbols.OrleansGrainBase is not null && type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, _symbols.OrleansGrainBase)))
            {
                return (HandlerFramework.Orleans, ResolveLifetime(type, HandlerFramework.Orleans, HandlerLifetime.LongLived));
            }

            foreach (var @interface in type.AllInterfaces)
            {
                foreach (var (contract, contractType) in _symbols.Interfaces)
                {
                    if (SymbolEqualityComparer.Default.Equals(@interface.OriginalDefinition, contractType))
                    {
                        return (contract.Framework, ResolveLifetime(type, contract.Framework, contract.Lifetime));
                    }
                }
            }

            foreach (var custom in _symbols.CustomHandlerTypes)
            {
                if (InheritsOrImplements(type, custom))
                {
                    return (HandlerFramework.Custom, ResolveLifetime(type, HandlerFramework.Custom, HandlerLifetime.PerInvocation));
                }
            }

            foreach (var member in type.GetMembers())
            {
                if (member is IMethodSymbol method && _owner.EntryPoints.GetEntryPoint(method) is { } entry)
                {
                    return (entry.Framework, entry.InstanceLifetime);
                }
            }

            return null;
        }

        public HandlerLifetime ResolveLifetime(INamedTypeSymbol type, HandlerFramework framework, HandlerLifetime defaultLifetime)
        {
            foreach (var longLived in _symbols.LongLivedTypes)
            {
                if (InheritsOrImplements(type, longLived))
                {
                    return HandlerLifetime.LongLived;
                }
            }

            foreach (var perInvocation in _symbols.PerInvocationTypes)
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

            // The syntax-only name check first: a handler no registration names costs no registration index.
            if (defaultLifetime == HandlerLifetime.PerInvocation && RegistrationIndex.MayRegister(_owner.Compilation, type) && _owner.Registrations.Singletons.Contains(type.OriginalDefinition))
            {
                return HandlerLifetime.LongLived;
            }

            return defaultLifetime;
        }

        private HandlerLifetime? MediatorLifetime()
        {
            // [assembly: MediatorOptions(ServiceLifetime = ServiceLifetime.Scoped)] — a source attribute the generator emits.
            if (_symbols.MediatorOptionsAttribute is not null)
            {
                foreach (var attribute in _symbols.Compilation.Assembly.GetAttributes())
                {
                    if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _symbols.MediatorOptionsAttribute))
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

            return _owner.Registrations.MediatorLifetime;
        }
    }
}
