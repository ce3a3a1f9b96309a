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

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// MEM001 / MEM002, the scoped form: a collection field used only inside one handler entry point becomes a local
    /// created per invocation. Offered only then (the analyzer marks it), when the field has an initializer and a single
    /// declarator, and the entry point has a block body.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GrowingCollectionCodeFix)), Shared]
    public sealed class GrowingCollectionCodeFix : CodeFixBase
    {
        public const string EquivalenceKey = "MEM00x_ScopedCollection";
        public const string BoundedEquivalenceKey = "MEM00x_BoundedMemoryCache";

        public GrowingCollectionCodeFix()
            : base(RuleIds.StaticCollectionGrows, RuleIds.HandlerCollectionGrows)
        {
        }

        // Fix All applies the action that was chosen where it can, the other one otherwise.
        public override FixAllProvider GetFixAllProvider() => SequentialFixAllProvider.Create(ApplyPreferringAsync);

        protected override void RegisterFixes(FixSite site)
        {
            var (document, node, model) = (site.Document, site.Node, site.Model);
            if (site.HasProperty(GrowingCollectionAnalyzer.FixProperty) && Plan(node, model, site.CancellationToken) is not null)
            {
                site.Register("Create the collection per invocation", EquivalenceKey);
            }

            if (site.HasProperty(GrowingCollectionAnalyzer.BoundedProperty) && BoundedCacheRewrite.IsAvailable(node, model, site.CancellationToken))
            {
                site.Register("Bound it: a MemoryCache with a size limit and an expiration per entry", BoundedEquivalenceKey, ct => BoundedCacheRewrite.ApplyAsync(document, node, ct));
            }
        }

        private static (IFieldSymbol Field, VariableDeclaratorSyntax Declarator, FieldDeclarationSyntax Declaration, MethodDeclarationSyntax Method)? Plan(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
        {
            var method = node.FirstAncestorOrSelf<MethodDeclarationSyntax>();
            if (method?.Body is null || method.Body.Statements.Count == 0 || method.Parent is not TypeDeclarationSyntax type)
            {
                return null;
            }

            foreach (var identifier in node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (model.GetSymbolInfo(identifier, cancellationToken).Symbol is IFieldSymbol field
                    && field.DeclaringSyntaxReferences.Length == 1
                    && field.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer: not null, Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: FieldDeclarationSyntax declaration } } declarator
                    && declaration.Parent == type)
                {
                    // Every use of the field is inside this method.
                    var uses = type.DescendantNodes().OfType<IdentifierNameSyntax>().Where(i => i.Identifier.ValueText == field.Name).ToList();
                    if (uses.All(u => method.Span.Contains(u.Span)))
                    {
                        return (field, declarator, declaration, method);
                    }

                    return null;
                }
            }

            return null;
        }

        private static async Task<Document> ApplyPreferringAsync(Document document, SyntaxNode node, Diagnostic diagnostic, string? equivalenceKey, CancellationToken cancellationToken)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (model is null)
            {
                return document;
            }

            var scoped = diagnostic.Properties.ContainsKey(GrowingCollectionAnalyzer.FixProperty) && Plan(node, model, cancellationToken) is not null;
            var bounded = diagnostic.Properties.ContainsKey(GrowingCollectionAnalyzer.BoundedProperty) && BoundedCacheRewrite.IsAvailable(node, model, cancellationToken);
            if (bounded && (equivalenceKey == BoundedEquivalenceKey || !scoped))
            {
                return await BoundedCacheRewrite.ApplyAsync(document, node, cancellationToken).ConfigureAwait(false);
            }

            return scoped ? await ApplyScopedAsync(document, node, diagnostic, cancellationToken).ConfigureAwait(false) : document;
        }

        /// <summary>The scoped form (the per-invocation local); Fix All prefers per <see cref="ApplyPreferringAsync"/>.</summary>
        protected override Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
            => ApplyScopedAsync(document, node, diagnostic, cancellationToken);

        private static async Task<Document> ApplyScopedAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var plan = model is null || !diagnostic.Properties.ContainsKey(GrowingCollectionAnalyzer.FixProperty) ? null : Plan(node, model, cancellationToken);
            if (plan is null)
            {
                return document;
            }

            var (field, declarator, declaration, method) = plan.Value;
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var name = field.Name.TrimStart('_');
            name = name.Length == 0 ? "items" : char.ToLowerInvariant(name[0]) + name.Substring(1);
            if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None)
            {
                name = "@" + name;
            }

            foreach (var identifier in method.Body!.DescendantNodes().OfType<IdentifierNameSyntax>().Where(i => i.Identifier.ValueText == field.Name))
            {
                SyntaxNode target = identifier.Parent is MemberAccessExpressionSyntax member && member.Name == identifier
                    && (member.Expression is ThisExpressionSyntax || member.Expression is IdentifierNameSyntax { Identifier.ValueText: var typeName } && typeName == field.ContainingType.Name)
                    ? member
                    : identifier;
                editor.ReplaceNode(target, SyntaxFactory.IdentifierName(name).WithTriviaFrom(target));
            }

            var local = SyntaxFactory.LocalDeclarationStatement(
                    SyntaxFactory.VariableDeclaration(
                        declaration.Declaration.Type.WithoutTrivia().WithTrailingTrivia(SyntaxFactory.Space),
                        SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(name).WithInitializer(declarator.Initializer!.WithoutTrivia()))))
                .WithTrailingTrivia(SyntaxHelpers.EndOfLine(method))
                .WithAdditionalAnnotations(Formatter.Annotation);
            editor.InsertBefore(method.Body.Statements[0], local);
            editor.RemoveNode(declaration, SyntaxRemoveOptions.KeepNoTrivia);

            // When the field was the first member, the member after it should not start with a blank line.
            if (declaration.Parent is TypeDeclarationSyntax type && type.Members.IndexOf(declaration) == 0 && type.Members.Count > 1)
            {
                var next = type.Members[1];
                editor.ReplaceNode(next, (current, _) => current.WithLeadingTrivia(current.GetLeadingTrivia().SkipWhile(t => t.IsKind(SyntaxKind.EndOfLineTrivia))));
            }
            return await SyntaxHelpers.FormatAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
        }
    }
}
