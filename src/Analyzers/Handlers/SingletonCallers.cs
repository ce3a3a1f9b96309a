using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>
    /// For a method of a type that lives for the process (a registered singleton's <c>Record</c>), the first call site in
    /// the compilation that runs per unit of work: in a per-invocation entry point or worker loop (as
    /// <see cref="HandlerRecognizer.Classify"/> says), or in a member of a per-unit-of-work type (a scoped or transient
    /// registration, a per-invocation handler). Direct callers only (one hop; calls through an interface the method
    /// implements count). Files are pre-filtered by the method's name and only matching invocations are bound; the
    /// answer is memoised per method and compilation. A stop-gap until cross-call reachability answers it for every rule.
    /// </summary>
    public sealed class SingletonCallers
    {
        private static readonly ConditionalWeakTable<HandlerRecognizer, SingletonCallers> PerRecognizer = new ConditionalWeakTable<HandlerRecognizer, SingletonCallers>();

        private readonly HandlerRecognizer _handlers;
        private readonly ConcurrentDictionary<IMethodSymbol, string?> _cache = new ConcurrentDictionary<IMethodSymbol, string?>(SymbolEqualityComparer.Default);

        private SingletonCallers(HandlerRecognizer handlers) => _handlers = handlers;

        public static SingletonCallers For(HandlerRecognizer handlers) => PerRecognizer.GetValue(handlers, h => new SingletonCallers(h));

        /// <summary>Words for a message ("in MassTransit consumer 'OrderConsumer.Consume'"), or null when no such caller is seen.</summary>
        public string? FindPerUnitOfWorkCaller(IMethodSymbol method, CancellationToken cancellationToken)
        {
            method = method.OriginalDefinition;
            if (_cache.TryGetValue(method, out var known))
            {
                return known;
            }

            var found = Find(method, cancellationToken);
            _cache.TryAdd(method, found);
            return found;
        }

        private string? Find(IMethodSymbol method, CancellationToken cancellationToken)
        {
            var compilation = _handlers.Compilation;
            var lifetimes = LifetimeService.For(_handlers);
            foreach (var tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!tree.TryGetText(out var text))
                {
                    text = tree.GetText(cancellationToken);
                }

                if (text.ToString().IndexOf(method.Name, StringComparison.Ordinal) < 0)
                {
                    continue;
                }

                SemanticModel? model = null;
                foreach (var node in tree.GetRoot(cancellationToken).DescendantNodes())
                {
                    if (node is not InvocationExpressionSyntax invocation || NameOf(invocation.Expression) != method.Name)
                    {
                        continue;
                    }

#pragma warning disable RS1030 // Bound lazily, once per method, only for invocations with the method's name.
                    model ??= compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
                    if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol target || !IsCallTo(target, method))
                    {
                        continue;
                    }

                    if (model.GetOperation(invocation, cancellationToken) is { } operation)
                    {
                        var code = _handlers.Classify(operation, cancellationToken);
                        if (code.RunsPerUnitOfWork)
                        {
                            return code.Describe();
                        }
                    }

                    if (model.GetEnclosingSymbol(invocation.SpanStart, cancellationToken) is { ContainingType: INamedTypeSymbol caller } member
                        && !member.IsStatic
                        && lifetimes.Of(caller) is { Kind: InstanceLifetime.PerUnitOfWork, Owner: { } owner })
                    {
                        return "in '" + caller.Name + "." + member.Name + "' of the " + owner;
                    }
                }
            }

            return null;
        }

        private static bool IsCallTo(IMethodSymbol target, IMethodSymbol method)
        {
            var original = target.OriginalDefinition;
            if (SymbolEqualityComparer.Default.Equals(original, method))
            {
                return true;
            }

            return original.ContainingType?.TypeKind == TypeKind.Interface
                && method.ContainingType?.FindImplementationForInterfaceMember(original) is IMethodSymbol implementation
                && SymbolEqualityComparer.Default.Equals(implementation.OriginalDefinition, method);
        }

        private static string? NameOf(ExpressionSyntax expression)
            => expression switch
            {
                MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                GenericNameSyntax generic => generic.Identifier.ValueText,
                MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
                _ => null,
            };
    }
}
