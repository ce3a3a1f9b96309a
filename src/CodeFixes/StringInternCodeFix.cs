using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers;
using MemoryRetention.Analyzers.Rules;
using MemoryRetention.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
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
    public sealed class StringInternCodeFix : CodeFixBase
    {
        public const string EquivalenceKey = "MEM063_RemoveIntern";

        public StringInternCodeFix()
            : base(RuleIds.StringInternOfData)
        {
        }

        protected override void RegisterFixes(FixSite site)
        {
            if (site.HasProperty(StringInternAnalyzer.FixProperty) && Invocation(site.Node) is not null)
            {
                site.Register("Remove the 'string.Intern' call", EquivalenceKey);
            }
        }

        private static InvocationExpressionSyntax? Invocation(SyntaxNode node)
            => node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { ArgumentList.Arguments.Count: 1 } invocation
               && invocation.Parent is not ExpressionStatementSyntax
                ? invocation
                : null;

        protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
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
