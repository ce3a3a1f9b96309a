using System;
using System.Collections.Immutable;
using System.Linq;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>
    /// <see cref="HandlerCatalog"/> and the user's handler options resolved against one compilation: the framework
    /// contracts whose types are referenced (and not disabled), the configured custom contracts, and the few
    /// framework types the recognizers compare with. Built once per <see cref="HandlerRecognizer"/>; immutable.
    /// </summary>
    internal sealed class HandlerCatalogSymbols
    {
        public ImmutableArray<(InterfaceContract Contract, INamedTypeSymbol Type)> Interfaces { get; }
        public ImmutableArray<(BaseClassContract Contract, INamedTypeSymbol Type)> BaseClasses { get; }
        public ImmutableArray<(BaseClassContract Contract, INamedTypeSymbol Type)> HandlerBaseTypes { get; }
        public ImmutableArray<(RegistrationContract Contract, INamedTypeSymbol Type)> Registrations { get; }
        public ImmutableArray<(RegistrationContract Contract, INamedTypeSymbol Type)> Events { get; }
        public ImmutableArray<(INamedTypeSymbol Type, HandlerFramework Framework)> MethodAttributes { get; }
        public ImmutableArray<INamedTypeSymbol> CustomHandlerTypes { get; }
        public ImmutableArray<INamedTypeSymbol> CustomAttributes { get; }
        public ImmutableHashSet<ISymbol> CustomMethods { get; }
        public ImmutableArray<INamedTypeSymbol> LongLivedTypes { get; }
        public ImmutableArray<INamedTypeSymbol> PerInvocationTypes { get; }
        public INamedTypeSymbol? OrleansGrainInterface { get; }
        public INamedTypeSymbol? OrleansGrainBase { get; }
        public INamedTypeSymbol? WolverineHandlerMarker { get; }
        public INamedTypeSymbol? WolverineHandlerAttribute { get; }
        public INamedTypeSymbol? WolverineIgnoreAttribute { get; }
        public INamedTypeSymbol? WolverineSaga { get; }
        public INamedTypeSymbol? NservicebusHandlerAttribute { get; }
        public INamedTypeSymbol? MediatorOptionsAttribute { get; }
        public INamedTypeSymbol? KafkaConsumer { get; }
        public INamedTypeSymbol? ChannelReader { get; }
        public INamedTypeSymbol? PeriodicTimer { get; }
        public INamedTypeSymbol? CancellationToken { get; }
        public ImmutableArray<INamedTypeSymbol> HangfireClients { get; }
        public ImmutableArray<INamedTypeSymbol> HangfireJobParameterTypes { get; }

        public HandlerCatalogSymbols(Compilation compilation, MemoryRetentionOptions options)
        {
            Compilation = compilation;
            Options = options;

            Interfaces = Resolve(HandlerCatalog.Interfaces, c => c.MetadataName, c => c.Framework);
            BaseClasses = Resolve(HandlerCatalog.BaseClasses, c => c.MetadataName, c => c.Framework);
            HandlerBaseTypes = Resolve(HandlerCatalog.HandlerBaseTypes, c => c.MetadataName, c => c.Framework);
            Registrations = Resolve(HandlerCatalog.Registrations, c => c.ContainingType, c => c.Framework);
            Events = Resolve(HandlerCatalog.Events, c => c.ContainingType, c => c.Framework);
            MethodAttributes = HandlerCatalog.MethodAttributes
                .Where(a => IsEnabled(a.Framework))
                .Select(a => (Type: GetType(a.MetadataName), a.Framework))
                .Where(a => a.Type is not null)
                .Select(a => (a.Type!, a.Framework))
                .ToImmutableArray();

            CustomHandlerTypes = ResolveAll(options.HandlerTypes);
            CustomAttributes = ResolveAll(options.HandlerAttributes);
            LongLivedTypes = ResolveAll(options.LongLivedTypes);
            PerInvocationTypes = ResolveAll(options.PerInvocationTypes);
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

            CustomMethods = customMethods.ToImmutable();

            if (IsEnabled(HandlerFramework.Orleans))
            {
                OrleansGrainInterface = GetType("Orleans.IGrain");
                OrleansGrainBase = GetType("Orleans.IGrainBase");
            }

            if (IsEnabled(HandlerFramework.Wolverine))
            {
                WolverineHandlerMarker = GetType("Wolverine.IWolverineHandler");
                WolverineHandlerAttribute = GetType("Wolverine.Attributes.WolverineHandlerAttribute");
                WolverineIgnoreAttribute = GetType("Wolverine.Attributes.WolverineIgnoreAttribute");
                WolverineSaga = GetType("Wolverine.Saga");
            }

            if (IsEnabled(HandlerFramework.NServiceBus))
            {
                NservicebusHandlerAttribute = GetType("NServiceBus.HandlerAttribute");
            }

            if (IsEnabled(HandlerFramework.Mediator))
            {
                MediatorOptionsAttribute = GetType("Mediator.MediatorOptionsAttribute");
            }

            if (IsEnabled(HandlerFramework.Kafka))
            {
                KafkaConsumer = GetType("Confluent.Kafka.IConsumer`2");
            }

            if (IsEnabled(HandlerFramework.Channels))
            {
                ChannelReader = GetType("System.Threading.Channels.ChannelReader`1");
            }

            if (IsEnabled(HandlerFramework.Hosting))
            {
                PeriodicTimer = GetType("System.Threading.PeriodicTimer");
            }

            CancellationToken = GetType("System.Threading.CancellationToken");
            HangfireClients = IsEnabled(HandlerFramework.Hangfire)
                ? HandlerCatalog.HangfireJobClients.Select(GetType).Where(t => t is not null).Select(t => t!).ToImmutableArray()
                : ImmutableArray<INamedTypeSymbol>.Empty;
            HangfireJobParameterTypes = IsEnabled(HandlerFramework.Hangfire)
                ? HandlerCatalog.HangfireJobParameterTypes.Select(GetType).Where(t => t is not null).Select(t => t!).ToImmutableArray()
                : ImmutableArray<INamedTypeSymbol>.Empty;
        }

        public Compilation Compilation { get; }

        public MemoryRetentionOptions Options { get; }

        public bool IsEnabled(HandlerFramework framework)
            => !Options.DisabledFrameworks.Contains(HandlerCatalog.OptionId(framework));

        public INamedTypeSymbol? GetType(string metadataName) => KnownTypes.Get(Compilation, metadataName);

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
    }
}
