using System.Collections.Generic;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers;
using MemoryRetention.Analyzers.Rules;
using MemoryRetention.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// MEM010: rent the buffer from <c>ArrayPool&lt;T&gt;.Shared</c> and return it in <c>finally</c>. Offered only when
    /// the array does not escape the method and every use is length-safe (element access, <c>.Length</c> — rewritten
    /// to the requested size —, <c>AsSpan()</c>/<c>AsMemory()</c> — sliced to it —, or a library call that also takes a
    /// count).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LargeObjectHeapAllocationCodeFix)), Shared]
    public sealed class LargeObjectHeapAllocationCodeFix : CodeFixBase
    {
        public const string EquivalenceKey = "MEM010_RentFromArrayPool";

        public LargeObjectHeapAllocationCodeFix()
            : base(RuleIds.LargeObjectHeapAllocation)
        {
        }

        protected override void RegisterFixes(FixSite site)
        {
            if (site.HasProperty(BufferAnalyzer.FixProperty) && Plan.Create(site.Node, site.Model, site.CancellationToken) is not null)
            {
                site.Register("Rent from ArrayPool<T>.Shared and return it in 'finally'", EquivalenceKey);
            }
        }

        protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) as CompilationUnitSyntax;
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var plan = model is null || !diagnostic.Properties.ContainsKey(BufferAnalyzer.FixProperty) ? null : Plan.Create(node, model, cancellationToken);
            if (root is null || plan is null)
            {
                return document;
            }

            var eol = SyntaxHelpers.EndOfLine(plan.Statement);
            var size = plan.Size;
            var pool = $"ArrayPool<{plan.ElementType}>.Shared";

            // The rest of the block, with length-dependent uses rewritten.
            var rest = plan.Block.Statements.Skip(plan.Block.Statements.IndexOf(plan.Statement) + 1).ToList();
            var replacements = new Dictionary<SyntaxNode, SyntaxNode>();
            foreach (var use in plan.LengthUses)
            {
                replacements[use] = SyntaxFactory.ParenthesizedExpression(size.WithoutTrivia()).WithTriviaFrom(use);
            }

            foreach (var use in plan.SpanUses)
            {
                replacements[use] = use.WithArgumentList(SyntaxFactory.ParseArgumentList($"(0, {size.WithoutTrivia()})"));
            }

            var rewrittenRest = rest.Select(s => s.ReplaceNodes(s.DescendantNodes().Where(replacements.ContainsKey), (original, _) => replacements[original])).ToList();

            var rent = plan.Statement.WithDeclaration(plan.Statement.Declaration.WithVariables(SyntaxFactory.SingletonSeparatedList(
                plan.Statement.Declaration.Variables[0].WithInitializer(SyntaxFactory.EqualsValueClause(SyntaxFactory.ParseExpression($"{pool}.Rent({size.WithoutTrivia()})")).WithLeadingTrivia(SyntaxFactory.Space)))));
            var tryStatement = SyntaxFactory.TryStatement(
                    SyntaxFactory.Block(rewrittenRest),
                    default,
                    SyntaxFactory.FinallyClause(SyntaxFactory.Block(SyntaxFactory.ParseStatement($"{pool}.Return({plan.Name});").WithTrailingTrivia(eol))))
                .WithAdditionalAnnotations(Formatter.Annotation);

            var index = plan.Block.Statements.IndexOf(plan.Statement);
            var statements = plan.Block.Statements.Take(index).Append(rent).Append(tryStatement);
            var newRoot = root.ReplaceNode(plan.Block, plan.Block.WithStatements(SyntaxFactory.List(statements)));
            newRoot = SyntaxHelpers.EnsureUsing(newRoot, "System.Buffers");
            return await SyntaxHelpers.FormatAsync(document, newRoot, cancellationToken).ConfigureAwait(false);
        }

        private sealed class Plan
        {
            public LocalDeclarationStatementSyntax Statement { get; private set; } = null!;
            public BlockSyntax Block { get; private set; } = null!;
            public ExpressionSyntax Size { get; private set; } = null!;
            public string ElementType { get; private set; } = null!;
            public string Name { get; private set; } = null!;
            public List<ExpressionSyntax> LengthUses { get; } = new List<ExpressionSyntax>();
            public List<InvocationExpressionSyntax> SpanUses { get; } = new List<InvocationExpressionSyntax>();

            public static Plan? Create(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
            {
                var creation = node.FirstAncestorOrSelf<ArrayCreationExpressionSyntax>();
                var statement = creation?.FirstAncestorOrSelf<LocalDeclarationStatementSyntax>();
                if (creation is null || statement is null || statement.Parent is not BlockSyntax block
                    || statement.Declaration.Variables.Count != 1
                    || statement.Declaration.Variables[0].Initializer?.Value != creation
                    || creation.Type.RankSpecifiers.Count != 1
                    || creation.Type.RankSpecifiers[0].Sizes.Count != 1
                    || model.GetDeclaredSymbol(statement.Declaration.Variables[0], cancellationToken) is not ILocalSymbol local)
                {
                    return null;
                }

                var plan = new Plan
                {
                    Statement = statement,
                    Block = block,
                    Size = creation.Type.RankSpecifiers[0].Sizes[0],
                    ElementType = creation.Type.ElementType.WithoutTrivia().ToString(),
                    Name = local.Name,
                };

                // The innermost function that declares the array: a method, an accessor, a local function or a lambda.
                var method = statement.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax || a is LocalFunctionStatementSyntax || a is AnonymousFunctionExpressionSyntax || a is AccessorDeclarationSyntax) ?? block;
                foreach (var identifier in method.DescendantNodes().OfType<IdentifierNameSyntax>())
                {
                    if (identifier.Identifier.ValueText != local.Name || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
                    {
                        continue;
                    }

                    // Uses must sit in the rest of the declaring block and outside any lambda (which could outlive the rental).
                    if (!block.Span.Contains(identifier.Span) || identifier.SpanStart < statement.Span.End || identifier.Ancestors().TakeWhile(a => a != method).Any(a => a is AnonymousFunctionExpressionSyntax || a is LocalFunctionStatementSyntax))
                    {
                        return null;
                    }

                    switch (identifier.Parent)
                    {
                        case ElementAccessExpressionSyntax access when access.Expression == identifier:
                            continue;
                        case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Length" } length when length.Expression == identifier:
                            plan.LengthUses.Add(length);
                            continue;
                        case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "AsSpan" or "AsMemory", Parent: InvocationExpressionSyntax { ArgumentList.Arguments.Count: 0 } span } member when member.Expression == identifier:
                            plan.SpanUses.Add(span);
                            continue;
                        case ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } arguments }
                            when model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol target
                                 && !target.Locations.Any(l => l.IsInSource)
                                 && arguments.Arguments.Count >= 2
                                 && target.Parameters.Any(p => p.Type.SpecialType == SpecialType.System_Int32):
                            continue; // a count-taking library call: Read(buffer, 0, n), GetBytes(…, buffer, 0)…
                        default:
                            return null;
                    }
                }

                return plan;
            }
        }
    }

    /// <summary>
    /// MEM013: move the <c>Return</c> of a rented array into <c>finally</c> (around the statements between the rental
    /// and the return); dispose a rented <c>IMemoryOwner</c> with <c>using var</c>; give a <c>StringBuilder</c> pool
    /// <c>StringBuilderPooledObjectPolicy</c> instead of the default policy. Three actions, three equivalence keys.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PoolMisuseCodeFix)), Shared]
    public sealed class PoolMisuseCodeFix : CodeFixBase
    {
        public const string EquivalenceKey = "MEM013_ReturnInFinally";

        /// <summary>Dispose a rented <c>IMemoryOwner</c> with <c>using var</c>.</summary>
        public const string UsingEquivalenceKey = "MEM013_UsingMemoryOwner";

        /// <summary>Replace the default policy of a <c>StringBuilder</c> pool with <c>StringBuilderPooledObjectPolicy</c>.</summary>
        public const string StringBuilderPolicyEquivalenceKey = "MEM013_StringBuilderPolicy";

        public PoolMisuseCodeFix()
            : base(RuleIds.PoolMisuse)
        {
        }

        protected override void RegisterFixes(FixSite site)
        {
            if (!site.Diagnostic.Properties.TryGetValue(BufferAnalyzer.FixProperty, out var fix))
            {
                return;
            }

            var (node, model) = (site.Node, site.Model);
            var available = fix == BufferAnalyzer.FinallyFix ? FinallyPlan(node, model, site.CancellationToken) is not null
                : fix == ObjectPoolPolicies.StringBuilderPolicyFix ? PolicyTarget(node) is not null
                : UsingPlan.Create(node, model, site.CancellationToken) is not null;
            if (available)
            {
                // One key per action, so that each can be chosen (and proved) on its own; Fix All applies each diagnostic's own rewrite.
                var (title, key) = fix == BufferAnalyzer.FinallyFix ? ("Return it in 'finally'", EquivalenceKey)
                    : fix == ObjectPoolPolicies.StringBuilderPolicyFix ? ("Use StringBuilderPooledObjectPolicy", StringBuilderPolicyEquivalenceKey)
                    : ("Dispose the memory owner with 'using'", UsingEquivalenceKey);
                site.Register(title, key);
            }
        }

        protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue(BufferAnalyzer.FixProperty, out var fix))
            {
                return document;
            }

            if (fix == ObjectPoolPolicies.StringBuilderPolicyFix)
            {
                return await UseStringBuilderPolicyAsync(document, node, cancellationToken).ConfigureAwait(false);
            }

            if (fix != BufferAnalyzer.FinallyFix)
            {
                return await UsingPlan.ApplyToNodeAsync(document, node, diagnostic, cancellationToken).ConfigureAwait(false);
            }

            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var plan = model is null ? null : FinallyPlan(node, model, cancellationToken);
            if (root is null || plan is null)
            {
                return document;
            }

            var (block, rentIndex, returnIndex) = plan.Value;
            var statements = block.Statements;
            var guarded = statements.Skip(rentIndex + 1).Take(returnIndex - rentIndex - 1).ToList();
            var returnStatement = statements[returnIndex];
            var tryStatement = SyntaxFactory.TryStatement(
                    SyntaxFactory.Block(guarded),
                    default,
                    SyntaxFactory.FinallyClause(SyntaxFactory.Block(returnStatement.WithoutLeadingTrivia())))
                .WithAdditionalAnnotations(Formatter.Annotation);
            var newStatements = statements.Take(rentIndex + 1).Append(tryStatement).Concat(statements.Skip(returnIndex + 1));
            var newRoot = root.ReplaceNode(block, block.WithStatements(SyntaxFactory.List(newStatements)));
            return await SyntaxHelpers.FormatAsync(document, newRoot, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>`new DefaultPooledObjectPolicy&lt;StringBuilder&gt;()` or `ObjectPool.Create&lt;StringBuilder&gt;()` (`provider.Create&lt;StringBuilder&gt;()`).</summary>
        private static ExpressionSyntax? PolicyTarget(SyntaxNode node)
            => node.FirstAncestorOrSelf<ExpressionSyntax>(e => e is ObjectCreationExpressionSyntax || e is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: GenericNameSyntax } });

        /// <summary>
        /// The policy becomes <c>new StringBuilderPooledObjectPolicy()</c> (same namespace as the default policy, so no
        /// using is needed): it clears each builder and drops those above 4 KiB. `Create&lt;StringBuilder&gt;()` gets it as
        /// its argument (the type argument is then inferred).
        /// </summary>
        private static async Task<Document> UseStringBuilderPolicyAsync(Document document, SyntaxNode node, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var target = PolicyTarget(node);
            if (root is null || target is null)
            {
                return document;
            }

            var policy = SyntaxFactory.ParseExpression("new StringBuilderPooledObjectPolicy()");
            SyntaxNode replacement = target switch
            {
                ObjectCreationExpressionSyntax creation => policy.WithTriviaFrom(creation),
                InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: GenericNameSyntax generic } member } invocation
                    when invocation.ArgumentList.Arguments.Count == 0
                    => invocation.WithExpression(member.WithName(SyntaxFactory.IdentifierName(generic.Identifier)))
                        .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(policy)))),
                _ => target,
            };

            return ReferenceEquals(replacement, target) ? document : document.WithSyntaxRoot(root.ReplaceNode(target, replacement));
        }

        /// <summary>The Return statement and the rental's declaration in the same block, the Return after it.</summary>
        private static (BlockSyntax Block, int RentIndex, int ReturnIndex)? FinallyPlan(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
        {
            var returnStatement = node.FirstAncestorOrSelf<ExpressionStatementSyntax>();
            if (returnStatement?.Expression is not InvocationExpressionSyntax call || returnStatement.Parent is not BlockSyntax block
                || call.ArgumentList.Arguments.FirstOrDefault()?.Expression is not IdentifierNameSyntax array
                || model.GetSymbolInfo(array, cancellationToken).Symbol is not ILocalSymbol local)
            {
                return null;
            }

            var returnIndex = block.Statements.IndexOf(returnStatement);
            for (var i = returnIndex - 1; i >= 0; i--)
            {
                if (block.Statements[i] is LocalDeclarationStatementSyntax declaration
                    && declaration.Declaration.Variables.Any(v => v.Identifier.ValueText == local.Name))
                {
                    return returnIndex - i > 1 ? (block, i, returnIndex) : null;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// MEM012 (when Microsoft.IO.RecyclableMemoryStream is referenced): take the stream from one shared
    /// <c>RecyclableMemoryStreamManager</c> of the type — added if missing, with limits on its free pools — and dispose
    /// it with <c>using</c> (disposing returns its blocks to the pool).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MemoryStreamPerInvocationCodeFix)), Shared]
    public sealed class MemoryStreamPerInvocationCodeFix : CodeFixBase
    {
        public const string EquivalenceKey = "MEM012_RecyclableMemoryStream";
        private const string ManagerName = "StreamManager";

        public MemoryStreamPerInvocationCodeFix()
            : base(RuleIds.MemoryStreamPerInvocation)
        {
        }

        protected override void RegisterFixes(FixSite site)
        {
            if (site.HasProperty(BufferAnalyzer.FixProperty)
                && site.Node.FirstAncestorOrSelf<BaseObjectCreationExpressionSyntax>()?.FirstAncestorOrSelf<LocalDeclarationStatementSyntax>() is { Declaration.Variables.Count: 1 })
            {
                site.Register("Take a pooled stream from a shared RecyclableMemoryStreamManager", EquivalenceKey);
            }
        }

        protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) as CompilationUnitSyntax;
            var creation = node.FirstAncestorOrSelf<BaseObjectCreationExpressionSyntax>();
            var statement = creation?.FirstAncestorOrSelf<LocalDeclarationStatementSyntax>();
            var type = creation?.FirstAncestorOrSelf<TypeDeclarationSyntax>();
            var method = creation?.FirstAncestorOrSelf<MethodDeclarationSyntax>();
            if (root is null || creation is null || statement is null || type is null)
            {
                return document;
            }

            if (!diagnostic.Properties.ContainsKey(BufferAnalyzer.FixProperty))
            {
                return document; // the package is not referenced: no rewrite
            }

            var tag = $"\"{type.Identifier.ValueText}.{method?.Identifier.ValueText ?? "Stream"}\"";
            var replacement = SyntaxFactory.ParseExpression($"{ManagerName}.GetStream({tag})").WithTriviaFrom(creation);
            var newStatement = SyntaxHelpers.WithUsing(statement.ReplaceNode(creation, replacement), isAwait: method?.Modifiers.Any(SyntaxKind.AsyncKeyword) == true);
            var tracked = root.TrackNodes(statement, type);
            tracked = tracked.ReplaceNode(tracked.GetCurrentNode(statement)!, newStatement);
            var currentType = tracked.GetCurrentNode(type)!;
            if (!currentType.Members.OfType<FieldDeclarationSyntax>().Any(f => f.Declaration.Variables.Any(v => v.Identifier.ValueText == ManagerName))
                && SyntaxFactory.ParseMemberDeclaration(
                        $"private static readonly RecyclableMemoryStreamManager {ManagerName} = new RecyclableMemoryStreamManager(new RecyclableMemoryStreamManager.Options {{ MaximumSmallPoolFreeBytes = 16 * 1024 * 1024, MaximumLargePoolFreeBytes = 64 * 1024 * 1024 }});") is { } field)
            {
                tracked = tracked.ReplaceNode(currentType, SyntaxHelpers.InsertFirstMember(currentType, field, "One manager for the type; the limits cap what its free pools keep (tune them to the workload)."));
            }

            tracked = SyntaxHelpers.EnsureUsing(tracked, "Microsoft.IO");
            return await SyntaxHelpers.FormatAsync(document, tracked, cancellationToken).ConfigureAwait(false);
        }
    }
}
