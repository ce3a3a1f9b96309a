using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers;
using MemoryRetention.Analyzers.Rules;
using MemoryRetention.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// MEM063: <c>string.Intern(value)</c> becomes <c>value</c> (parenthesized where the context needs it). Not offered
    /// when the call is a statement of its own: what to do with its argument's side effects is the author's call.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StringInternCodeFix)), Shared]
    public sealed class StringInternCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "MEM063_RemoveIntern";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.StringInternOfData);

        public override FixAllProvider GetFixAllProvider() => SequentialFixAllProvider.Create(ApplyAsync);

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                if (diagnostic.Id != RuleIds.StringInternOfData || !diagnostic.Properties.ContainsKey(StringInternAnalyzer.FixProperty))
                {
                    continue;
                }

                var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                if (Invocation(node) is null)
                {
                    continue;
                }

                var document = context.Document;
                context.RegisterCodeFix(CodeAction.Create("Remove the 'string.Intern' call", ct => ApplyAsync(document, node, diagnostic, ct), EquivalenceKey), diagnostic);
            }
        }

        private static InvocationExpressionSyntax? Invocation(SyntaxNode node)
            => node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { ArgumentList.Arguments.Count: 1 } invocation
               && invocation.Parent is not ExpressionStatementSyntax
                ? invocation
                : null;

        private static async Task<Document> ApplyAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var invocation = Invocation(node);
            if (root is null || invocation is null)
            {
                return document;
            }

            ExpressionSyntax argument = invocation.ArgumentList.Arguments[0].Expression.WithoutTrivia();
            if (invocation.Parent is ExpressionSyntax and not ParenthesizedExpressionSyntax and not AssignmentExpressionSyntax
                && argument is not IdentifierNameSyntax and not MemberAccessExpressionSyntax and not InvocationExpressionSyntax and not ElementAccessExpressionSyntax and not LiteralExpressionSyntax)
            {
                argument = SyntaxFactory.ParenthesizedExpression(argument);
            }

            return document.WithSyntaxRoot(root.ReplaceNode(invocation, argument.WithTriviaFrom(invocation)));
        }
    }
}
