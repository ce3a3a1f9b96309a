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
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// MEM050: <c>Channel.CreateUnbounded&lt;T&gt;(…)</c> becomes
    /// <c>Channel.CreateBounded&lt;T&gt;(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait, … })</c>
    /// and <c>new BlockingCollection&lt;T&gt;()</c> gets a capacity; the capacity is a named constant of the type.
    /// A dataflow block gets <c>BoundedCapacity</c> only when the analyzer found that every producer uses <c>SendAsync</c>
    /// (a bounded block's <c>Post</c> drops what does not fit); shared options objects get no fix.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnboundedQueueCodeFix)), Shared]
    public sealed class UnboundedQueueCodeFix : CodeFixBase
    {
        public const string EquivalenceKey = "MEM050_Bound";
        private const int DefaultCapacity = 1000;

        public UnboundedQueueCodeFix()
            : base(RuleIds.UnboundedQueue)
        {
        }

        protected override void RegisterFixes(FixSite site)
        {
            if (!site.Diagnostic.Properties.TryGetValue(UnboundedQueueAnalyzer.KindProperty, out var kind)
                || (kind == UnboundedQueueAnalyzer.DataflowKind && !site.HasProperty(UnboundedQueueAnalyzer.OptionsTypeProperty))
                || kind == UnboundedQueueAnalyzer.QueueFieldKind
                || kind == UnboundedQueueAnalyzer.PrefetchKind
                || site.Node.FirstAncestorOrSelf<TypeDeclarationSyntax>() is null)
            {
                return;
            }

            site.Register("Bound the queue (back-pressure on producers)", EquivalenceKey);
        }

        protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) as CompilationUnitSyntax;
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var type = node.FirstAncestorOrSelf<TypeDeclarationSyntax>();
            if (root is null || model is null || type is null || model.GetDeclaredSymbol(type, cancellationToken) is not INamedTypeSymbol typeSymbol
                || !diagnostic.Properties.TryGetValue(UnboundedQueueAnalyzer.KindProperty, out var kind))
            {
                return document;
            }

            var constantName = CapacityName(node, typeSymbol);
            ExpressionSyntax? replacement = null;
            SyntaxNode? target = null;
            if (kind == UnboundedQueueAnalyzer.ChannelKind && node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { } invocation
                && invocation.Expression is MemberAccessExpressionSyntax { Name: GenericNameSyntax generic } member)
            {
                // Carry SingleReader/SingleWriter/AllowSynchronousContinuations over from UnboundedChannelOptions.
                var carried = invocation.ArgumentList.Arguments.FirstOrDefault()?.Expression is ObjectCreationExpressionSyntax { Initializer: { } init }
                    ? init.Expressions.Select(e => e.WithoutTrivia())
                    : Enumerable.Empty<ExpressionSyntax>();
                var initializers = SyntaxFactory.SeparatedList<ExpressionSyntax>(
                    new ExpressionSyntax[]
                    {
                        SyntaxFactory.AssignmentExpression(
                            SyntaxKind.SimpleAssignmentExpression,
                            SyntaxFactory.IdentifierName("FullMode"),
                            SyntaxFactory.ParseExpression("BoundedChannelFullMode.Wait")),
                    }.Concat(carried));
                var options = SyntaxFactory.ObjectCreationExpression(SyntaxFactory.IdentifierName("BoundedChannelOptions"))
                    .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(SyntaxFactory.IdentifierName(constantName)))))
                    .WithInitializer(SyntaxFactory.InitializerExpression(SyntaxKind.ObjectInitializerExpression, initializers));
                replacement = invocation
                    .WithExpression(member.WithName(generic.WithIdentifier(SyntaxFactory.Identifier("CreateBounded"))))
                    .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(options))));
                target = invocation;
            }
            else if (kind == UnboundedQueueAnalyzer.BlockingCollectionKind && node.FirstAncestorOrSelf<BaseObjectCreationExpressionSyntax>() is { } creation)
            {
                var arguments = creation.ArgumentList ?? SyntaxFactory.ArgumentList();
                replacement = creation.WithArgumentList(arguments.AddArguments(SyntaxFactory.Argument(SyntaxFactory.IdentifierName(constantName))));
                target = creation;
            }

            else if (kind == UnboundedQueueAnalyzer.DataflowKind
                && diagnostic.Properties.TryGetValue(UnboundedQueueAnalyzer.OptionsTypeProperty, out var optionsType) && optionsType is not null
                && node.FirstAncestorOrSelf<BaseObjectCreationExpressionSyntax>() is { } block)
            {
                // The analyzer offers this only when every producer uses SendAsync (which waits when the block is full);
                // Post would return false and drop the message.
                var bound = SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName("BoundedCapacity"), SyntaxFactory.IdentifierName(constantName));
                var arguments = block.ArgumentList ?? SyntaxFactory.ArgumentList();
                var inline = arguments.Arguments.Select(a => a.Expression).OfType<ObjectCreationExpressionSyntax>()
                    .FirstOrDefault(o => model.GetTypeInfo(o, cancellationToken).Type?.Name.EndsWith("BlockOptions", System.StringComparison.Ordinal) == true);
                if (inline is not null)
                {
                    var initializer = inline.Initializer ?? SyntaxFactory.InitializerExpression(SyntaxKind.ObjectInitializerExpression);
                    replacement = block.ReplaceNode(inline, inline.WithInitializer(initializer.AddExpressions(bound)));
                }
                else
                {
                    var options = SyntaxFactory.ObjectCreationExpression(SyntaxFactory.IdentifierName(optionsType).WithTrailingTrivia(SyntaxFactory.Space))
                        .WithInitializer(SyntaxFactory.InitializerExpression(SyntaxKind.ObjectInitializerExpression, SyntaxFactory.SingletonSeparatedList<ExpressionSyntax>(bound)));
                    replacement = block.WithArgumentList(arguments.AddArguments(SyntaxFactory.Argument(options)));
                }

                target = block;
            }

            if (replacement is null || target is null)
            {
                return document;
            }

            var trackedRoot = root.TrackNodes(target, type);
            trackedRoot = trackedRoot.ReplaceNode(trackedRoot.GetCurrentNode(target)!, replacement.WithTriviaFrom(target).WithAdditionalAnnotations(Formatter.Annotation));
            var currentType = trackedRoot.GetCurrentNode(type)!;
            trackedRoot = trackedRoot.ReplaceNode(currentType, SyntaxHelpers.EnsureIntConstant(currentType, constantName, DefaultCapacity, "How many queued items producers may get ahead of the worker before they wait."));
            if (kind == UnboundedQueueAnalyzer.ChannelKind)
            {
                trackedRoot = SyntaxHelpers.EnsureUsing(trackedRoot, "System.Threading.Channels");
            }

            return await SyntaxHelpers.FormatAsync(document, trackedRoot, cancellationToken).ConfigureAwait(false);
        }

        private static string CapacityName(SyntaxNode node, INamedTypeSymbol type)
        {
            // `_orders = Channel.CreateUnbounded…` → OrdersCapacity; otherwise QueueCapacity.
            var field = node.FirstAncestorOrSelf<VariableDeclaratorSyntax>()?.Identifier.ValueText
                ?? (node.FirstAncestorOrSelf<AssignmentExpressionSyntax>()?.Left as IdentifierNameSyntax)?.Identifier.ValueText;
            var stem = string.IsNullOrEmpty(field) ? "Queue" : field!.TrimStart('_');
            stem = stem.Length == 0 ? "Queue" : char.ToUpperInvariant(stem[0]) + stem.Substring(1);
            var name = stem + "Capacity";
            return type.GetMembers(name).Any(m => m is not IFieldSymbol { IsConst: true }) ? SyntaxHelpers.UniqueMemberName(type, name) : name;
        }
    }

    /// <summary>
    /// MEM051: give the entry an absolute expiration relative to now, as a named constant of the type:
    /// <c>cache.Set(key, value)</c> gets <c>new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = … }</c>; a
    /// <c>GetOrCreate</c> factory sets <c>entry.AbsoluteExpirationRelativeToNow</c> first.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnboundedCacheEntryCodeFix)), Shared]
    public sealed class UnboundedCacheEntryCodeFix : CodeFixBase
    {
        public const string EquivalenceKey = "MEM051_AddExpiration";
        public const string DisposeKey = "MEM051_DisposeWithOwner";
        private const string ConstantName = "CacheEntryLifetimeMinutes";

        public UnboundedCacheEntryCodeFix()
            : base(RuleIds.UnboundedCacheEntry)
        {
        }

        protected override void RegisterFixes(FixSite site)
        {
            if (site.HasProperty(UnboundedCacheEntryAnalyzer.ShapeProperty))
            {
                site.Register("Add an absolute expiration", EquivalenceKey);
            }
            else if (site.HasProperty(PerInstanceCache.DisposeMemberProperty)
                && DisposePlan(site.Node, site.Diagnostic, site.Model, site.CancellationToken) is not null)
            {
                site.Register("Dispose the cache with its owner", DisposeKey);
            }
        }

        /// <summary>
        /// MEM051 per instance: a System.Runtime.Caching MemoryCache created once per instance (initializer or constructor)
        /// is disposed in the type's <c>Dispose</c> (an existing one, or a new one with <c>IDisposable</c>: DI disposes
        /// scoped and transient services, and consumers and jobs resolved from a scope, with their scope). Offered only
        /// when the type has one declaration, can take a Dispose (no inherited one it would hide), and uses the member
        /// only as the receiver of its own calls (never passes, returns or stores it: nothing else may still need it).
        /// </summary>
        private static (ClassDeclarationSyntax Type, INamedTypeSymbol TypeSymbol, ISymbol Member)? DisposePlan(SyntaxNode node, Diagnostic diagnostic, SemanticModel model, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue(PerInstanceCache.DisposeMemberProperty, out var name) || name is null
                || node.FirstAncestorOrSelf<ClassDeclarationSyntax>() is not { } type
                || model.GetDeclaredSymbol(type, cancellationToken) is not INamedTypeSymbol typeSymbol
                || typeSymbol.DeclaringSyntaxReferences.Length != 1
                || !DisposeHelpers.CanAddDispose(typeSymbol)
                || typeSymbol.GetMembers(name).FirstOrDefault(m => m is IFieldSymbol or IPropertySymbol) is not { } member)
            {
                return null;
            }

            foreach (var identifier in type.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText != name
                    || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, member))
                {
                    continue;
                }

                SyntaxNode use = identifier.Parent is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } thisAccess && thisAccess.Name == identifier ? thisAccess : identifier;
                var receiver = use.Parent switch
                {
                    MemberAccessExpressionSyntax access when access.Expression == use => true,
                    ConditionalAccessExpressionSyntax conditional when conditional.Expression == use => true,
                    AssignmentExpressionSyntax assignment when assignment.Left == use && assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) => true,
                    _ => false,
                };
                if (!receiver)
                {
                    return null;
                }
            }

            return (type, typeSymbol, member);
        }

        private static async Task<Document> ApplyDisposeAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (model is null || DisposePlan(node, diagnostic, model, cancellationToken) is not { } plan)
            {
                return document;
            }

            var memberType = plan.Member is IFieldSymbol field ? field.Type : ((IPropertySymbol)plan.Member).Type;
            var access = memberType.NullableAnnotation == NullableAnnotation.Annotated ? "?." : ".";
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            DisposeHelpers.AddToDispose(editor, plan.Type, plan.TypeSymbol, SyntaxFactory.ParseStatement(plan.Member.Name + access + "Dispose();").WithAdditionalAnnotations(Formatter.Annotation), cancellationToken);
            var changed = await Simplifier.ReduceAsync(editor.GetChangedDocument(), Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await Formatter.FormatAsync(changed, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (diagnostic.Properties.ContainsKey(PerInstanceCache.DisposeMemberProperty))
            {
                return await ApplyDisposeAsync(document, node, diagnostic, cancellationToken).ConfigureAwait(false);
            }

            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) as CompilationUnitSyntax;
            var invocation = node.FirstAncestorOrSelf<InvocationExpressionSyntax>();
            var type = node.FirstAncestorOrSelf<TypeDeclarationSyntax>();
            if (root is null || invocation is null || type is null || !diagnostic.Properties.TryGetValue(UnboundedCacheEntryAnalyzer.ShapeProperty, out var shape))
            {
                return document;
            }

            var lifetime = SyntaxFactory.ParseExpression($"TimeSpan.FromMinutes({ConstantName})");
            SyntaxNode target;
            SyntaxNode replacement;
            if (shape == UnboundedCacheEntryAnalyzer.SetShape)
            {
                var size = diagnostic.Properties.ContainsKey(UnboundedCacheEntryAnalyzer.NeedsSizeProperty) ? ", Size = 1" : string.Empty;
                var options = SyntaxFactory.ParseExpression($"new MemoryCacheEntryOptions {{ AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes({ConstantName}){size} }}");
                target = invocation;
                replacement = invocation.AddArgumentListArguments(SyntaxFactory.Argument(options));
            }
            else
            {
                var lambda = invocation.ArgumentList.Arguments.Select(a => a.Expression).OfType<LambdaExpressionSyntax>().LastOrDefault();
                var parameter = lambda switch
                {
                    SimpleLambdaExpressionSyntax simple => simple.Parameter.Identifier.ValueText,
                    ParenthesizedLambdaExpressionSyntax { ParameterList.Parameters.Count: 1 } parenthesized => parenthesized.ParameterList.Parameters[0].Identifier.ValueText,
                    _ => null,
                };
                if (lambda is null || parameter is null || parameter == "_")
                {
                    return document;
                }

                var eol = SyntaxHelpers.EndOfLine(lambda);
                var set = SyntaxFactory.ParseStatement($"{parameter}.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes({ConstantName});").WithTrailingTrivia(eol);
                var sizeStatement = SyntaxFactory.ParseStatement($"{parameter}.Size = 1;").WithTrailingTrivia(eol);
                BlockSyntax body = lambda.Block
                    ?? SyntaxFactory.Block(SyntaxFactory.ReturnStatement(lambda.ExpressionBody!.WithoutTrivia()).WithTrailingTrivia(eol))
                        .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(eol).WithTrailingTrivia(eol));
                body = body.WithStatements(diagnostic.Properties.ContainsKey(UnboundedCacheEntryAnalyzer.NeedsSizeProperty)
                    ? body.Statements.Insert(0, sizeStatement).Insert(0, set)
                    : body.Statements.Insert(0, set));
                target = lambda;
                replacement = lambda.WithBlock(body).WithExpressionBody(null).WithAdditionalAnnotations(Formatter.Annotation);
            }

            var tracked = root.TrackNodes(target, type);
            tracked = tracked.ReplaceNode(tracked.GetCurrentNode(target)!, replacement.WithAdditionalAnnotations(Formatter.Annotation));
            var currentType = tracked.GetCurrentNode(type)!;
            tracked = tracked.ReplaceNode(currentType, SyntaxHelpers.EnsureIntConstant(currentType, ConstantName, 10, "How long a cached entry lives before it expires; tune to the data's freshness and volume."));
            tracked = SyntaxHelpers.EnsureUsing(tracked, "System");
            tracked = SyntaxHelpers.EnsureUsing(tracked, "Microsoft.Extensions.Caching.Memory");
            return await SyntaxHelpers.FormatAsync(document, tracked, cancellationToken).ConfigureAwait(false);
        }
    }
}
