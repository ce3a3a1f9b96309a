using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers;
using MemoryRetention.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// MEM030: for a subscription made per unit of work, unsubscribe in <c>finally</c> at the end of the block
    /// (a lambda is first stored in a local so the same delegate can be removed); for a dropped
    /// <c>OnChange</c>/<c>Connect…Observer</c> handle, dispose it with <c>using var</c>.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EventSubscriptionCodeFix)), Shared]
    public sealed class EventSubscriptionCodeFix : CodeFixProvider
    {
        public const string UnsubscribeKey = "MEM030_UnsubscribeInFinally";
        public const string UsingKey = "MEM030_AddUsing";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.EventSubscriptionNotRemoved);

        // Each fix rewrites the rest of a block; Fix All applies them one at a time so nested blocks compose.
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                if (!diagnostic.Properties.TryGetValue(EventSubscriptionAnalyzer.FixProperty, out var fix))
                {
                    continue;
                }

                var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                if (fix == EventSubscriptionAnalyzer.UsingFix)
                {
                    var plan = UsingPlan.Create(node, model, context.CancellationToken);
                    if (plan is not null)
                    {
                        context.RegisterCodeFix(CodeAction.Create("Dispose the subscription with 'using'", ct => plan.ApplyAsync(context.Document, ct), UsingKey), diagnostic);
                    }

                    continue;
                }

                if (fix == EventSubscriptionAnalyzer.UnsubscribeFix
                    && node.FirstAncestorOrSelf<AssignmentExpressionSyntax>() is { } assignment
                    && assignment.IsKind(SyntaxKind.AddAssignmentExpression)
                    && assignment.Parent is ExpressionStatementSyntax statement
                    && statement.Parent is BlockSyntax
                    && IsRepeatable(assignment.Left)
                    && model.GetSymbolInfo(assignment.Left, context.CancellationToken).Symbol is IEventSymbol @event)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create("Unsubscribe in 'finally'", ct => UnsubscribeInFinallyAsync(context.Document, statement, @event, ct), UnsubscribeKey),
                        diagnostic);
                }
            }
        }

        /// <summary>Only a side-effect-free publisher expression may be evaluated again for the `-=`.</summary>
        private static bool IsRepeatable(ExpressionSyntax expression)
        {
            switch (expression)
            {
                case IdentifierNameSyntax:
                case ThisExpressionSyntax:
                case PredefinedTypeSyntax:
                    return true;
                case MemberAccessExpressionSyntax member:
                    return IsRepeatable(member.Expression);
                case GenericNameSyntax:
                    return true;
                case AliasQualifiedNameSyntax:
                case QualifiedNameSyntax:
                    return true;
                default:
                    return false;
            }
        }

        private static async Task<Document> UnsubscribeInFinallyAsync(Document document, ExpressionStatementSyntax statement, IEventSymbol @event, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return document;
            }

            var current = root.FindNode(statement.Span).FirstAncestorOrSelf<ExpressionStatementSyntax>(s => s.Span == statement.Span);
            if (current?.Expression is not AssignmentExpressionSyntax assignment || current.Parent is not BlockSyntax block)
            {
                return document;
            }

            var generator = SyntaxGenerator.GetGenerator(document);
            var newStatements = new List<StatementSyntax>();
            ExpressionSyntax handlerReference = assignment.Right;
            var subscription = current;

            if (assignment.Right is AnonymousFunctionExpressionSyntax or AnonymousMethodExpressionSyntax)
            {
                // Store the lambda so that the same delegate instance can be removed.
                var name = UniqueName(model, current, "handler");
                var type = ((TypeSyntax)generator.TypeExpression(@event.Type)).WithAdditionalAnnotations(Simplifier.Annotation);
                var declaration = SyntaxFactory.LocalDeclarationStatement(
                        SyntaxFactory.VariableDeclaration(
                            type.WithTrailingTrivia(SyntaxFactory.Space),
                            SyntaxFactory.SingletonSeparatedList(
                                SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name))
                                    .WithInitializer(SyntaxFactory.EqualsValueClause(assignment.Right.WithoutTrivia())))))
                    .WithLeadingTrivia(current.GetLeadingTrivia())
                    .WithAdditionalAnnotations(Formatter.Annotation);
                newStatements.Add(declaration);
                handlerReference = SyntaxFactory.IdentifierName(name);
                subscription = current.WithExpression(assignment.WithRight(handlerReference.WithLeadingTrivia(SyntaxFactory.Space)))
                    .WithLeadingTrivia(SyntaxFactory.ElasticMarker)
                    .WithAdditionalAnnotations(Formatter.Annotation);
            }

            newStatements.Add(subscription);

            var index = block.Statements.IndexOf(current);
            var rest = block.Statements.Skip(index + 1).ToList();
            var unsubscribe = SyntaxFactory.ExpressionStatement(
                SyntaxFactory.AssignmentExpression(
                    SyntaxKind.SubtractAssignmentExpression,
                    assignment.Left.WithoutTrivia(),
                    handlerReference.WithoutTrivia()));
            var tryStatement = SyntaxFactory.TryStatement(
                    SyntaxFactory.Block(rest),
                    default,
                    SyntaxFactory.FinallyClause(SyntaxFactory.Block(unsubscribe)))
                .WithAdditionalAnnotations(Formatter.Annotation);
            newStatements.Add(tryStatement);

            var newBlock = block.WithStatements(SyntaxFactory.List(block.Statements.Take(index).Concat(newStatements)));
            var newRoot = root.ReplaceNode(block, newBlock);
            var newDocument = document.WithSyntaxRoot(newRoot);
            newDocument = await Simplifier.ReduceAsync(newDocument, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await Formatter.FormatAsync(newDocument, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        private static string UniqueName(SemanticModel model, SyntaxNode at, string baseName)
        {
            var taken = model.LookupSymbols(at.SpanStart).Select(s => s.Name).ToImmutableHashSet();
            var declared = at.Parent?.DescendantNodes().OfType<VariableDeclaratorSyntax>().Select(v => v.Identifier.ValueText).ToImmutableHashSet() ?? ImmutableHashSet<string>.Empty;
            var candidate = baseName;
            for (var i = 1; taken.Contains(candidate) || declared.Contains(candidate); i++)
            {
                candidate = baseName + i;
            }

            return candidate;
        }
    }
}
