using System.Collections.Immutable;
using System.Linq;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM013's Microsoft.Extensions.ObjectPool part: a pool whose policy hands objects back without resetting their
    /// growth keeps, per retained object, the largest buffer it ever grew to (and, with the default policy, even its
    /// contents). Flagged: <c>DefaultPooledObjectPolicy&lt;T&gt;</c> (also what <c>ObjectPool.Create&lt;T&gt;()</c> and
    /// <c>ObjectPoolProvider.Create&lt;T&gt;()</c> use) for a growable T; <c>StringBuilderPooledObjectPolicy</c> with
    /// <c>MaximumRetainedCapacity = int.MaxValue</c>; a user policy whose <c>Return</c> accepts a growable object without
    /// looking at its size (Info). Pools are configuration that lives for the process, so no per-unit-of-work question.
    /// </summary>
    internal static class ObjectPoolPolicies
    {
        /// <summary>Fix: use <c>StringBuilderPooledObjectPolicy</c> (it clears and caps at 4 KiB by default).</summary>
        public const string StringBuilderPolicyFix = "stringbuilder-policy";

        public static void Register(CompilationStartAnalysisContext context)
        {
            var defaultPolicy = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.ObjectPool.DefaultPooledObjectPolicy`1");
            if (defaultPolicy is null)
            {
                return; // Microsoft.Extensions.ObjectPool is not referenced
            }

            var objectPool = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.ObjectPool.ObjectPool");
            var provider = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.ObjectPool.ObjectPoolProvider");
            var stringBuilderPolicy = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.ObjectPool.StringBuilderPooledObjectPolicy");
            var policyBase = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.ObjectPool.PooledObjectPolicy`1");
            var policyInterface = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.ObjectPool.IPooledObjectPolicy`1");
            var stringBuilder = KnownTypes.Get(context.Compilation, "System.Text.StringBuilder");
            var growable = new[]
            {
                stringBuilder,
                KnownTypes.Get(context.Compilation, "System.IO.MemoryStream"),
                KnownTypes.Get(context.Compilation, "System.Collections.Generic.List`1"),
                KnownTypes.Get(context.Compilation, "System.Collections.Generic.Dictionary`2"),
                KnownTypes.Get(context.Compilation, "System.Collections.Generic.HashSet`1"),
            }.Where(t => t is not null).Select(t => t!).ToImmutableArray();

            bool IsGrowable(ITypeSymbol? type)
                => type is INamedTypeSymbol named && growable.Any(g => KnownTypes.IsOrDerivesFrom(named.OriginalDefinition, g));

            bool IsStringBuilder(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, stringBuilder);

            string Message(ITypeSymbol element, string how)
                => how + " returns every " + element.Name + " to the pool as it is: its grown capacity"
                   + (IsStringBuilder(element) ? " (and its contents)" : string.Empty)
                   + " stays in the pool for the life of the process"
                   + (IsStringBuilder(element) ? "; use StringBuilderPooledObjectPolicy, which clears it and drops those above MaximumRetainedCapacity" : "; use a policy whose Return resets the object and rejects the ones that grew too large");

            context.RegisterOperationAction(
                c =>
                {
                    var creation = (IObjectCreationOperation)c.Operation;
                    if (creation.Type is INamedTypeSymbol { TypeArguments.Length: 1 } created
                        && SymbolEqualityComparer.Default.Equals(created.OriginalDefinition, defaultPolicy)
                        && IsGrowable(created.TypeArguments[0]))
                    {
                        var fixable = IsStringBuilder(created.TypeArguments[0]) && stringBuilderPolicy is not null && creation.Parent is IConversionOperation or IArgumentOperation;
                        Report(c, creation, Message(created.TypeArguments[0], "DefaultPooledObjectPolicy<" + created.TypeArguments[0].Name + ">"), fixable);
                    }
                    else if (stringBuilderPolicy is not null && SymbolEqualityComparer.Default.Equals(creation.Type, stringBuilderPolicy)
                        && creation.Initializer?.Initializers.OfType<ISimpleAssignmentOperation>().FirstOrDefault(a => a.Target is IPropertyReferenceOperation { Property.Name: "MaximumRetainedCapacity" }) is { } capacity
                        && capacity.Value.ConstantValue is { HasValue: true, Value: int.MaxValue })
                    {
                        Report(c, capacity, "MaximumRetainedCapacity = int.MaxValue keeps every StringBuilder however large it grew: the pool holds the largest ones for the life of the process", fixable: false);
                    }
                },
                OperationKind.ObjectCreation);

            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    var method = invocation.TargetMethod;
                    if (method.Name != "Create" || method.TypeArguments.Length != 1 || !IsGrowable(method.TypeArguments[0]))
                    {
                        return;
                    }

                    var containing = method.ContainingType?.OriginalDefinition;
                    var onPool = SymbolEqualityComparer.Default.Equals(containing, objectPool);
                    var onProvider = provider is not null && KnownTypes.IsOrDerivesFrom(containing, provider);
                    if (!onPool && !onProvider)
                    {
                        return;
                    }

                    // The policy argument left out (or null): the default policy.
                    var policy = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "policy");
                    if ((onPool && (policy is null || policy.ArgumentKind == ArgumentKind.DefaultValue || policy.Value.ConstantValue is { HasValue: true, Value: null }))
                        || (onProvider && invocation.Arguments.Length == 0))
                    {
                        var element = method.TypeArguments[0];
                        Report(c, invocation, Message(element, (onPool ? "ObjectPool" : "ObjectPoolProvider") + ".Create<" + element.Name + ">() uses DefaultPooledObjectPolicy, which"), IsStringBuilder(element) && stringBuilderPolicy is not null && invocation.Arguments.Length <= 1);
                    }
                },
                OperationKind.Invocation);

            if (policyBase is null && policyInterface is null)
            {
                return;
            }

            context.RegisterSymbolAction(
                c =>
                {
                    var method = (IMethodSymbol)c.Symbol;
                    if (method.Name != "Return" || method.Parameters.Length != 1 || !IsGrowable(method.Parameters[0].Type) || method.ContainingType is not { } type
                        || !(InheritsFrom(type, policyBase) || type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, policyInterface))))
                    {
                        return;
                    }

                    foreach (var reference in method.DeclaringSyntaxReferences)
                    {
                        if (reference.GetSyntax(c.CancellationToken) is not MethodDeclarationSyntax declaration)
                        {
                            continue;
                        }

                        var body = (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody;
                        if (body is null)
                        {
                            continue;
                        }

                        // Looks at the object's size (Capacity, Length, Count) or trims it: bounded. Never accepts it: no pooling.
                        var nodes = body.DescendantNodesAndSelf().ToList();
                        var sized = nodes.OfType<SimpleNameSyntax>().Any(n => n.Identifier.ValueText is "Capacity" or "Length" or "Count" or "TrimExcess" or "MaximumRetainedCapacity");
                        var accepts = nodes.Any(n => n.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.TrueLiteralExpression));
                        if (sized || !accepts)
                        {
                            continue;
                        }

                        c.ReportDiagnostic(Diagnostic.Create(
                            Descriptors.MEM013_PoolMisuse,
                            declaration.Identifier.GetLocation(),
                            DiagnosticSeverity.Info,
                            additionalLocations: null,
                            properties: null,
                            "'" + type.Name + ".Return' accepts every " + method.Parameters[0].Type.Name + " whatever it grew to: each object the pool retains keeps its largest capacity for the life of the process; return false when its Capacity passes a limit"));
                    }
                },
                SymbolKind.Method);
        }

        private static bool InheritsFrom(INamedTypeSymbol type, INamedTypeSymbol? baseType)
        {
            for (var current = type.BaseType; current is not null && baseType is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
                {
                    return true;
                }
            }

            return false;
        }

        private static void Report(OperationAnalysisContext context, IOperation at, string message, bool fixable)
            => context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM013_PoolMisuse,
                at.Syntax.GetLocation(),
                fixable ? ImmutableDictionary<string, string?>.Empty.Add(BufferAnalyzer.FixProperty, StringBuilderPolicyFix) : ImmutableDictionary<string, string?>.Empty,
                message));
    }
}
