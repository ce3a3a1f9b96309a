using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>
    /// Facts that only registration call sites elsewhere in the compilation can tell: which types are registered as
    /// singletons (a per-invocation handler registered with <c>AddSingleton</c> becomes long-lived), which methods
    /// Hangfire expressions name as jobs, and Mediator's configured lifetime.
    /// Built lazily, at most once per compilation, and only when a rule asks: trees are pre-filtered by text, and
    /// only the matching invocations are bound.
    /// </summary>
    internal sealed class RegistrationIndex
    {
        private static readonly string[] Triggers =
        {
            "AddSingleton", "TryAddSingleton", "Enqueue", "Schedule", "AddOrUpdate", "ContinueJobWith", "FromExpression", "AddMediator",
            "AddScoped", "TryAddScoped", "AddDbContext", "AddDbContextPool",
            "AddTransient", "TryAddTransient", "AddKeyedScoped", "TryAddKeyedScoped", "AddKeyedTransient", "TryAddKeyedTransient",
        };

        private RegistrationIndex(ImmutableHashSet<ISymbol> singletons, ImmutableHashSet<ISymbol> scoped, ImmutableHashSet<ISymbol> transient, ImmutableDictionary<ISymbol, ImmutableHashSet<ISymbol>> implementations, ImmutableHashSet<ISymbol> hangfireJobs, HandlerLifetime? mediatorLifetime)
        {
            Singletons = singletons;
            Scoped = scoped;
            Transient = transient;
            Implementations = implementations;
            HangfireJobs = hangfireJobs;
            MediatorLifetime = mediatorLifetime;
        }

        /// <summary>Types (original definitions) the compilation registers with a singleton lifetime.</summary>
        public ImmutableHashSet<ISymbol> Singletons { get; }

        /// <summary>Service and implementation types (original definitions) registered as scoped (AddScoped, AddDbContext…).</summary>
        public ImmutableHashSet<ISymbol> Scoped { get; }

        /// <summary>Service and implementation types (original definitions) registered as transient (AddTransient, keyed, TryAdd…).</summary>
        public ImmutableHashSet<ISymbol> Transient { get; }

        /// <summary>
        /// For a service type registered with an implementation type (<c>AddScoped&lt;IService, Service&gt;()</c>, any
        /// lifetime, keyed, TryAdd, or the typeof form), the implementations registered for it (original definitions).
        /// </summary>
        public ImmutableDictionary<ISymbol, ImmutableHashSet<ISymbol>> Implementations { get; }

        /// <summary>Methods (original definitions) that Hangfire job expressions name.</summary>
        public ImmutableHashSet<ISymbol> HangfireJobs { get; }

        /// <summary>The lifetime that <c>AddMediator(o =&gt; o.ServiceLifetime = …)</c> sets, if any.</summary>
        public HandlerLifetime? MediatorLifetime { get; }

        public static RegistrationIndex Build(Compilation compilation, ImmutableArray<INamedTypeSymbol> hangfireClients)
        {
            var singletons = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
            var scoped = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
            var transient = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
            var implementations = new Dictionary<ISymbol, ImmutableHashSet<ISymbol>>(SymbolEqualityComparer.Default);
            var jobs = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
            HandlerLifetime? mediatorLifetime = null;

            foreach (var tree in compilation.SyntaxTrees)
            {
                if (!tree.TryGetText(out var text))
                {
                    text = tree.GetText();
                }

                var content = text.ToString();
                var any = false;
                foreach (var trigger in Triggers)
                {
                    if (content.IndexOf(trigger, StringComparison.Ordinal) >= 0)
                    {
                        any = true;
                        break;
                    }
                }

                if (!any)
                {
                    continue;
                }

                SemanticModel? model = null;
                foreach (var node in tree.GetRoot().DescendantNodes())
                {
                    if (node is not InvocationExpressionSyntax invocation)
                    {
                        continue;
                    }

                    var name = GetName(invocation.Expression);
                    if (name is null || Array.IndexOf(Triggers, name) < 0)
                    {
                        continue;
                    }

#pragma warning disable RS1030 // Bound once per compilation, lazily, only for pre-filtered registration calls.
                    model ??= compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
                    if (model.GetSymbolInfo(invocation).Symbol is not IMethodSymbol method)
                    {
                        continue;
                    }

                    if (name.StartsWith("Add", StringComparison.Ordinal) || name.StartsWith("TryAdd", StringComparison.Ordinal))
                    {
                        AddImplementation(model, invocation, method, implementations);
                    }

                    if (name == "AddSingleton" || name == "TryAddSingleton")
                    {
                        AddRegisteredTypes(model, invocation, method, singletons, allTypeArguments: false);
                    }
                    else if (name == "AddScoped" || name == "TryAddScoped" || name == "AddDbContext" || name == "AddDbContextPool" || name == "AddKeyedScoped" || name == "TryAddKeyedScoped")
                    {
                        AddRegisteredTypes(model, invocation, method, scoped, allTypeArguments: true);
                    }
                    else if (name.EndsWith("Transient", StringComparison.Ordinal))
                    {
                        AddRegisteredTypes(model, invocation, method, transient, allTypeArguments: true);
                    }
                    else if (name == "AddMediator")
                    {
                        mediatorLifetime = ReadMediatorLifetime(invocation) ?? mediatorLifetime;
                    }
                    else if (IsHangfireClient(method, hangfireClients))
                    {
                        AddHangfireJobs(model, invocation, jobs);
                    }
                }
            }

            return new RegistrationIndex(singletons.ToImmutable(), scoped.ToImmutable(), transient.ToImmutable(), implementations.ToImmutableDictionary(SymbolEqualityComparer.Default), jobs.ToImmutable(), mediatorLifetime);
        }

        /// <summary>The simple name an invoked expression calls (<c>x.Add</c>, <c>Add&lt;T&gt;</c>, <c>?.Add</c>), or null.</summary>
        internal static string? GetName(ExpressionSyntax expression)
        {
            switch (expression)
            {
                case MemberAccessExpressionSyntax member:
                    return member.Name.Identifier.ValueText;
                case GenericNameSyntax generic:
                    return generic.Identifier.ValueText;
                case IdentifierNameSyntax identifier:
                    return identifier.Identifier.ValueText;
                case MemberBindingExpressionSyntax binding:
                    return binding.Name.Identifier.ValueText;
                default:
                    return null;
            }
        }

        private static void AddRegisteredTypes(SemanticModel model, InvocationExpressionSyntax invocation, IMethodSymbol method, ImmutableHashSet<ISymbol>.Builder singletons, bool allTypeArguments)
        {
            // AddX<TService, TImplementation>() / AddX<T>(): the last type argument is the implementation (for scoped
            // registrations the service type is scoped too).
            for (var i = allTypeArguments ? 0 : method.TypeArguments.Length - 1; i >= 0 && i < method.TypeArguments.Length; i++)
            {
                if (method.TypeArguments[i] is INamedTypeSymbol typeArgument)
                {
                    singletons.Add(typeArgument.OriginalDefinition);
                }
            }

            // AddSingleton(typeof(TService), typeof(TImplementation)): the last typeof is the implementation.
            TypeOfExpressionSyntax? lastTypeOf = null;
            foreach (var argument in invocation.ArgumentList.Arguments)
            {
                if (argument.Expression is TypeOfExpressionSyntax typeOf)
                {
                    lastTypeOf = typeOf;
                }
            }

            if (lastTypeOf is not null && model.GetTypeInfo(lastTypeOf.Type).Type is INamedTypeSymbol type)
            {
                singletons.Add(type.OriginalDefinition);
            }
        }

        private static void AddImplementation(SemanticModel model, InvocationExpressionSyntax invocation, IMethodSymbol method, Dictionary<ISymbol, ImmutableHashSet<ISymbol>> implementations)
        {
            // AddX<TService, TImplementation>() or AddX(typeof(TService), typeof(TImplementation)).
            ITypeSymbol? service = null;
            ITypeSymbol? implementation = null;
            if (method.TypeArguments.Length == 2)
            {
                service = method.TypeArguments[0];
                implementation = method.TypeArguments[1];
            }
            else
            {
                var typeOfs = new List<TypeOfExpressionSyntax>(2);
                foreach (var argument in invocation.ArgumentList.Arguments)
                {
                    if (argument.Expression is TypeOfExpressionSyntax typeOf)
                    {
                        typeOfs.Add(typeOf);
                    }
                }

                if (typeOfs.Count == 2)
                {
                    service = model.GetTypeInfo(typeOfs[0].Type).Type;
                    implementation = model.GetTypeInfo(typeOfs[1].Type).Type;
                }
            }

            if (service is INamedTypeSymbol s && implementation is INamedTypeSymbol i && !SymbolEqualityComparer.Default.Equals(s.OriginalDefinition, i.OriginalDefinition))
            {
                var key = s.OriginalDefinition;
                implementations[key] = (implementations.TryGetValue(key, out var set) ? set : ImmutableHashSet<ISymbol>.Empty.WithComparer(SymbolEqualityComparer.Default)).Add(i.OriginalDefinition);
            }
        }

        private static HandlerLifetime? ReadMediatorLifetime(InvocationExpressionSyntax invocation)
        {
            foreach (var assignment in invocation.ArgumentList.DescendantNodes())
            {
                if (assignment is AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax left } a
                    && left.Name.Identifier.ValueText == "ServiceLifetime")
                {
                    var value = a.Right.ToString();
                    if (value.EndsWith("Singleton", StringComparison.Ordinal))
                    {
                        return HandlerLifetime.LongLived;
                    }

                    if (value.EndsWith("Scoped", StringComparison.Ordinal) || value.EndsWith("Transient", StringComparison.Ordinal))
                    {
                        return HandlerLifetime.PerInvocation;
                    }
                }
            }

            return null;
        }

        private static bool IsHangfireClient(IMethodSymbol method, ImmutableArray<INamedTypeSymbol> clients)
        {
            var containing = method.ContainingType?.OriginalDefinition;
            foreach (var client in clients)
            {
                if (SymbolEqualityComparer.Default.Equals(containing, client))
                {
                    return true;
                }
            }

            return false;
        }

        private static void AddHangfireJobs(SemanticModel model, InvocationExpressionSyntax invocation, ImmutableHashSet<ISymbol>.Builder jobs)
        {
            foreach (var argument in invocation.ArgumentList.Arguments)
            {
                if (argument.Expression is not LambdaExpressionSyntax lambda)
                {
                    continue;
                }

                var body = lambda.Body as ExpressionSyntax;
                while (body is AwaitExpressionSyntax awaitExpression)
                {
                    body = awaitExpression.Expression;
                }

                if (body is InvocationExpressionSyntax jobCall && model.GetSymbolInfo(jobCall).Symbol is IMethodSymbol job)
                {
                    jobs.Add(job.OriginalDefinition);
                    if (job.ReducedFrom is not null)
                    {
                        jobs.Add(job.ReducedFrom.OriginalDefinition);
                    }
                }
            }
        }
    }
}
