using System;
using System.Collections.Immutable;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MemoryRetention.Analyzers.Flow
{
    /// <summary>
    /// Per-compilation knowledge of services that are scoped by nature: DbContext subclasses, IServiceScope /
    /// AsyncServiceScope, types the compilation registers as scoped (AddScoped, AddDbContext…), and types listed in
    /// <c>memory_retention.scoped_types</c>.
    /// </summary>
    public sealed class ScopedServices
    {
        public const string ScopedTypesKey = MemoryRetentionOptions.Prefix + "scoped_types";

        private readonly HandlerRecognizer _handlers;
        private readonly ImmutableArray<INamedTypeSymbol> _configured;

        public ScopedServices(Compilation compilation, AnalyzerOptions options, HandlerRecognizer handlers)
        {
            _handlers = handlers;
            DbContext = KnownTypes.Get(compilation, "Microsoft.EntityFrameworkCore.DbContext");
            DbContextFactory = KnownTypes.Get(compilation, "Microsoft.EntityFrameworkCore.IDbContextFactory`1");
            ServiceScope = KnownTypes.Get(compilation, "Microsoft.Extensions.DependencyInjection.IServiceScope");
            AsyncServiceScope = KnownTypes.Get(compilation, "Microsoft.Extensions.DependencyInjection.AsyncServiceScope");
            ServiceScopeFactory = KnownTypes.Get(compilation, "Microsoft.Extensions.DependencyInjection.IServiceScopeFactory");
            ServiceProvider = KnownTypes.Get(compilation, "System.IServiceProvider");

            var builder = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
            if (options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(ScopedTypesKey, out var raw) && raw is not null)
            {
                foreach (var name in raw.Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries))
                {
                    var type = KnownTypes.Get(compilation, name.Trim());
                    if (type is not null)
                    {
                        builder.Add(type);
                    }
                }
            }

            _configured = builder.ToImmutable();
        }

        public INamedTypeSymbol? DbContext { get; }
        public INamedTypeSymbol? DbContextFactory { get; }
        public INamedTypeSymbol? ServiceScope { get; }
        public INamedTypeSymbol? AsyncServiceScope { get; }
        public INamedTypeSymbol? ServiceScopeFactory { get; }
        public INamedTypeSymbol? ServiceProvider { get; }

        /// <summary>True when the DI container is in the compilation at all (otherwise the rules have nothing to say).</summary>
        public bool IsAvailable => ServiceScopeFactory is not null || DbContext is not null;

        public bool IsDbContext(ITypeSymbol? type) => DbContext is not null && KnownTypes.IsOrDerivesFrom(type, DbContext);

        public bool IsScope(ITypeSymbol? type)
            => (ServiceScope is not null && KnownTypes.IsOrDerivesFrom(type, ServiceScope))
               || (AsyncServiceScope is not null && SymbolEqualityComparer.Default.Equals(type?.OriginalDefinition, AsyncServiceScope));

        /// <summary>A short reason ("a DbContext", "registered as scoped") when <paramref name="type"/> is scoped by nature; otherwise null.</summary>
        public string? Describe(ITypeSymbol? type)
        {
            if (type is not INamedTypeSymbol named)
            {
                return null;
            }

            if (IsDbContext(named))
            {
                return "a DbContext";
            }

            if (IsScope(named))
            {
                return "a service scope";
            }

            foreach (var configured in _configured)
            {
                if (KnownTypes.IsOrDerivesFrom(named, configured))
                {
                    return "listed in memory_retention.scoped_types";
                }
            }

            return _handlers.IsRegisteredScoped(named) ? "registered as scoped" : null;
        }
    }
}
