using System.Collections.Immutable;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM068: a DbContext's configuration creates, per context instance, one of the objects EF Core keys its
    /// process-wide internal service provider cache on — <c>UseLoggerFactory(LoggerFactory.Create(…))</c>,
    /// <c>UseMemoryCache(new MemoryCache(…))</c>, <c>AddInterceptors(new SomeMaterializationInterceptor())</c> (singleton
    /// interceptors only), <c>UseInternalServiceProvider(new ServiceCollection()….BuildServiceProvider())</c>.
    /// <para>
    /// Where it runs: <c>OnConfiguring</c> runs for every context instance, and a context is a unit-of-work object
    /// (created per request, message or scope), so the rule does not ask the handler recognizer whether the context is
    /// created per unit of work; the options lambda of <c>AddDbContext</c> runs once per scope (the options are scoped
    /// unless <c>optionsLifetime: ServiceLifetime.Singleton</c>) and counts too. <c>AddDbContextPool</c> and
    /// <c>AddDbContextFactory</c> build their options once and are not reported.
    /// </para>
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class DbContextConfigurationAnalyzer : MemoryAnalyzerBase
    {
        private static readonly ImmutableDictionary<string, string?> StaticFieldProperties =
            ImmutableDictionary<string, string?>.Empty.Add(LibraryRegistryAnalyzer.FixProperty, LibraryRegistryAnalyzer.StaticFieldFix);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.MEM068_DbContextInternalServiceProvider);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = RuleActions.Of(OperationKind.Invocation);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var compilation = context.Compilation;
            var dbContext = KnownTypes.Get(compilation, "Microsoft.EntityFrameworkCore.DbContext");
            var optionsBuilder = KnownTypes.Get(compilation, "Microsoft.EntityFrameworkCore.DbContextOptionsBuilder");
            if (dbContext is null || optionsBuilder is null)
            {
                return;
            }

            var singletonInterceptor = KnownTypes.Get(compilation, "Microsoft.EntityFrameworkCore.Diagnostics.ISingletonInterceptor");
            var serviceCollectionExtensions = KnownTypes.Get(compilation, "Microsoft.Extensions.DependencyInjection.EntityFrameworkServiceCollectionExtensions");
            var loggerFactory = KnownTypes.Get(compilation, "Microsoft.Extensions.Logging.LoggerFactory");
            var containerBuilder = KnownTypes.Get(compilation, "Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions");

            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    var method = invocation.TargetMethod;
                    string? what;
                    switch (method.Name)
                    {
                        case "UseLoggerFactory":
                        case "UseMemoryCache":
                        case "UseInternalServiceProvider":
                            what = null;
                            break;
                        case "AddInterceptors":
                            what = "interceptor";
                            break;
                        default:
                            return;
                    }

                    if (!KnownTypes.IsOrDerivesFrom(method.ContainingType, optionsBuilder) || invocation.Arguments.Length == 0)
                    {
                        return;
                    }

                    var where = DescribeConfiguration(invocation, dbContext, serviceCollectionExtensions);
                    if (where is null)
                    {
                        return;
                    }

                    foreach (var argument in invocation.Arguments)
                    {
                        foreach (var value in Values(argument.Value))
                        {
                            var fresh = FreshCreation(value, loggerFactory, containerBuilder);
                            if (fresh is null)
                            {
                                continue;
                            }

                            if (what is not null && !KnownTypes.IsOrDerivesFrom(fresh.Type, singletonInterceptor))
                            {
                                // Ordinary interceptors are per-context options, not part of the provider's key.
                                continue;
                            }

                            var name = (fresh.Type?.Name ?? "object") + (what is null ? string.Empty : " (a singleton interceptor)");
                            var properties = LibraryRegistryAnalyzer.DependsOnNothingOfTheCall(fresh) ? StaticFieldProperties : ImmutableDictionary<string, string?>.Empty;
                            c.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM068_DbContextInternalServiceProvider, fresh.Syntax.GetLocation(), properties, where, "'" + name + "'", Consequence(method.Name)));
                        }
                    }
                },
                OperationKind.Invocation);
        }

        /// <summary>What the new object costs, per option (measured on EF Core 10: see docs/rules/MEM068.md).</summary>
        private static string Consequence(string option)
        {
            switch (option)
            {
                case "UseLoggerFactory":
                    return "the factory is never disposed, so the logging providers it starts (threads, queues) stay alive for the process";
                case "UseInternalServiceProvider":
                    return "EF Core never disposes it, and rebuilds the model and every internal singleton for each context";
                default:
                    return "EF Core builds and caches a new internal service provider (with its own model) for each one, for the life of the process";
            }
        }

        /// <summary>"'OrdersContext.OnConfiguring'", "The AddDbContext options of 'OrdersContext'", or null when neither.</summary>
        private static string? DescribeConfiguration(IOperation operation, INamedTypeSymbol dbContext, INamedTypeSymbol? serviceCollectionExtensions)
        {
            var function = Ownership.ContainingFunction(operation);
            if (function is IAnonymousFunctionOperation lambda)
            {
                IOperation? current = lambda.Parent;
                while (current is IDelegateCreationOperation || current is IConversionOperation)
                {
                    current = current.Parent;
                }

                if (current is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "AddDbContext" } registration }
                    && serviceCollectionExtensions is not null
                    && SymbolEqualityComparer.Default.Equals(registration.TargetMethod.ContainingType, serviceCollectionExtensions)
                    && !HasSingletonOptions(registration))
                {
                    var contextType = registration.TargetMethod.TypeArguments.Length > 0 ? registration.TargetMethod.TypeArguments[0].Name : "the context";
                    return "The AddDbContext options of '" + contextType + "' (built once per scope)";
                }

                return null;
            }

            if (function is not null)
            {
                return null;
            }

            var root = OperationTree.Root(operation);
            if (root.SemanticModel?.GetDeclaredSymbol(root.Syntax) is IMethodSymbol { Name: "OnConfiguring", IsOverride: true, IsStatic: false } method
                && KnownTypes.IsOrDerivesFrom(method.ContainingType, dbContext))
            {
                return "'" + method.ContainingType.Name + ".OnConfiguring' (run for every context instance)";
            }

            return null;
        }

        private static bool HasSingletonOptions(IInvocationOperation registration)
        {
            foreach (var argument in registration.Arguments)
            {
                if (argument.Parameter?.Name == "optionsLifetime" && argument.ArgumentKind == ArgumentKind.Explicit)
                {
                    // ServiceLifetime.Singleton == 0
                    return argument.Value.ConstantValue is { HasValue: true, Value: 0 };
                }
            }

            return false;
        }

        /// <summary>The values an argument passes: itself, or the elements of a params array.</summary>
        private static ImmutableArray<IOperation> Values(IOperation value)
        {
            value = OperationTree.SkipConversions(value) ?? value;
            if (value is IArrayCreationOperation { Initializer: { } initializer })
            {
                var builder = ImmutableArray.CreateBuilder<IOperation>();
                foreach (var element in initializer.ElementValues)
                {
                    builder.Add(OperationTree.SkipConversions(element) ?? element);
                }

                return builder.ToImmutable();
            }

            return ImmutableArray.Create(value);
        }

        /// <summary>The creation the value is (or the initializer of the never-reassigned local it reads), when it makes a new object.</summary>
        private static IOperation? FreshCreation(IOperation value, INamedTypeSymbol? loggerFactory, INamedTypeSymbol? containerBuilder)
        {
            if (value is ILocalReferenceOperation local
                && local.Local.DeclaringSyntaxReferences.Length == 1
                && OperationTree.Root(value).Descendants() is var all)
            {
                IOperation? initializer = null;
                foreach (var operation in all)
                {
                    if (operation is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local.Local))
                    {
                        initializer = declarator.Initializer?.Value;
                    }
                    else if (operation is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local.Local) && OperationTree.IsWrite(reference))
                    {
                        return null;
                    }
                }

                value = OperationTree.SkipConversions(initializer) ?? value;
                if (value is ILocalReferenceOperation)
                {
                    return null;
                }
            }

            switch (value)
            {
                case IObjectCreationOperation creation:
                    return creation;
                case IInvocationOperation { TargetMethod: { Name: "Create", IsStatic: true } create } when loggerFactory is not null && SymbolEqualityComparer.Default.Equals(create.ContainingType, loggerFactory):
                    return value;
                case IInvocationOperation { TargetMethod.Name: "BuildServiceProvider" } build when containerBuilder is not null && SymbolEqualityComparer.Default.Equals(build.TargetMethod.ContainingType, containerBuilder):
                    return value;
                default:
                    return null;
            }
        }
    }
}
