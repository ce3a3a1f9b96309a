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

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// MEM011: a long-lived delegate that captures an array only to read its <c>Length</c> captures the length instead:
    /// <c>var payloadLength = payload.Length;</c> before the statement, and the delegate reads that. An array's length
    /// never changes, so the delegate sees the same value; the analyzer offers this only when no other delegate
    /// captures the array and nothing writes the variable. Other escapes have no automatic fix (see the docs).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BufferEscapeCodeFix)), Shared]
    public sealed class BufferEscapeCodeFix : CodeFixBase
    {
        public const string EquivalenceKey = "MEM011_CaptureOnlyTheLength";
        public const string CopyEquivalenceKey = "MEM011_CopyTheBytes";

        public BufferEscapeCodeFix()
            : base(RuleIds.BufferEscapes)
        {
        }

        protected override void RegisterFixes(FixSite site)
        {
            var fix = site.Property(BufferEscapeAnalyzer.FixProperty);
            if (fix == BufferEscapeAnalyzer.CopyFix && CopyTarget(site.Node) is { } stored)
            {
                site.Register($"Store a copy ('{stored}.ToArray()')", CopyEquivalenceKey);
            }
            else if (fix == BufferEscapeAnalyzer.CaptureLengthFix && site.Property(BufferEscapeAnalyzer.LocalProperty) is { } local && Plan(site.Node, local) is not null)
            {
                site.Register($"Capture only '{local}.Length'", EquivalenceKey);
            }
        }

        private static (AnonymousFunctionExpressionSyntax Lambda, StatementSyntax Statement, MemberAccessExpressionSyntax[] Uses)? Plan(SyntaxNode node, string local)
        {
            var lambda = node.FirstAncestorOrSelf<AnonymousFunctionExpressionSyntax>();
            var statement = lambda?.FirstAncestorOrSelf<StatementSyntax>();
            if (lambda is null || statement is null || statement.Parent is not BlockSyntax || statement is LocalFunctionStatementSyntax)
            {
                return null;
            }

            var uses = lambda.DescendantNodes().OfType<MemberAccessExpressionSyntax>()
                .Where(m => m.Expression is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == local && m.Name.Identifier.ValueText == "Length")
                .ToArray();
            var all = lambda.DescendantNodes().OfType<IdentifierNameSyntax>().Count(i => i.Identifier.ValueText == local);
            return uses.Length == 0 || uses.Length != all ? null : (lambda, statement, uses);
        }

        /// <summary>The stored expression: the right side of a reported assignment, or the reported value itself.</summary>
        private static ExpressionSyntax? CopyTarget(SyntaxNode node)
        {
            var expression = node switch
            {
                AssignmentExpressionSyntax assignment => assignment.Right,
                ArgumentSyntax argument => argument.Expression,
                ExpressionSyntax value => value,
                _ => null,
            };

            // `.ToArray()` binds tighter than anything but a primary expression.
            return expression is InvocationExpressionSyntax or MemberAccessExpressionSyntax or IdentifierNameSyntax or ObjectCreationExpressionSyntax or ElementAccessExpressionSyntax
                ? expression
                : null;
        }

        private static async Task<Document> CopyAsync(Document document, SyntaxNode node, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null || CopyTarget(node) is not { } stored)
            {
                return document;
            }

            // T[] converts implicitly to Memory<T>, ReadOnlyMemory<T> and ArraySegment<T>: the destination keeps its type.
            var copy = SyntaxFactory.InvocationExpression(
                    SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, stored.WithoutTrivia(), SyntaxFactory.IdentifierName("ToArray")))
                .WithTriviaFrom(stored);
            return document.WithSyntaxRoot(root.ReplaceNode(stored, copy));
        }

        protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (diagnostic.Properties.TryGetValue(BufferEscapeAnalyzer.FixProperty, out var copyFix) && copyFix == BufferEscapeAnalyzer.CopyFix)
            {
                return await CopyAsync(document, node, cancellationToken).ConfigureAwait(false);
            }

            if (!diagnostic.Properties.TryGetValue(BufferEscapeAnalyzer.FixProperty, out var fix) || fix != BufferEscapeAnalyzer.CaptureLengthFix
                || !diagnostic.Properties.TryGetValue(BufferEscapeAnalyzer.LocalProperty, out var local) || local is null)
            {
                return document;
            }

            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root is null || model is null || Plan(node, local) is not { } plan)
            {
                return document;
            }

            // A name nothing in scope uses yet.
            var name = SyntaxHelpers.UniqueLocalName(model, plan.Statement.SpanStart, local + "Length", declaredIn: plan.Statement.Parent);

            var eol = SyntaxHelpers.EndOfLine(plan.Statement);
            var indentation = plan.Statement.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).LastOrDefault();
            var declaration = SyntaxFactory.ParseStatement($"var {name} = {local}.Length;")
                .WithLeadingTrivia(plan.Statement.GetLeadingTrivia())
                .WithTrailingTrivia(eol);

            var rewritten = plan.Statement.ReplaceNodes(plan.Uses, (original, _) => SyntaxFactory.IdentifierName(name).WithTriviaFrom(original))
                .WithLeadingTrivia(indentation == default ? SyntaxFactory.TriviaList() : SyntaxFactory.TriviaList(indentation));

            if (plan.Statement.Parent is not BlockSyntax block)
            {
                return document;
            }

            var index = block.Statements.IndexOf(plan.Statement);
            var statements = block.Statements.RemoveAt(index).InsertRange(index, new[] { declaration, rewritten });
            return document.WithSyntaxRoot(root.ReplaceNode(block, block.WithStatements(statements)));
        }
    }
}
