using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers;
using MemoryRetention.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using MemoryRetention.CodeFixes.Infrastructure;

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// MEM030: for a subscription made per unit of work, unsubscribe in <c>finally</c> at the end of the block
    /// (a lambda is first stored in a local so the same delegate can be removed); for a dropped
    /// <c>OnChange</c>/<c>Connect…Observer</c> handle, dispose it with <c>using var</c>.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EventSubscriptionCodeFix)), Shared]
    public sealed class EventSubscriptionCodeFix : CodeFixBase
    {
        public const string UnsubscribeKey = "MEM030_UnsubscribeInFinally";
        public const string UsingKey = "MEM030_AddUsing";
        public const string DisposeKey = "MEM030_UnsubscribeInDispose";

        public EventSubscriptionCodeFix()
            : base(RuleIds.EventSubscriptionNotRemoved)
        {
        }

        /// <summary>
        /// Applies the fix the diagnostic asks for to <paramref name="node"/> of the current document (no-op when it no
        /// longer applies). Each fix rewrites the rest of a block or adds a Dispose: Fix All applies them one after another, in one pass.
        /// </summary>
        protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (model is null || !diagnostic.Properties.TryGetValue(EventSubscriptionAnalyzer.FixProperty, out var fix))
            {
                return document;
            }

            switch (fix)
            {
                case EventSubscriptionAnalyzer.UsingFix:
                    var plan = UsingPlan.Create(node, model, cancellationToken);
                    return plan is null ? document : await plan.ApplyAsync(document, cancellationToken).ConfigureAwait(false);

                case EventSubscriptionAnalyzer.DisposeFix:
                    if (CanUnsubscribeInDispose(node, model, cancellationToken, out var subscription, out var subscribed))
                    {
                        return await UnsubscribeInDisposeAsync(document, subscription!, subscribed!, cancellationToken).ConfigureAwait(false);
                    }

                    return document;

                case EventSubscriptionAnalyzer.UnsubscribeFix:
                    if (CanUnsubscribeInFinally(node, model, cancellationToken, out var statement, out var @event))
                    {
                        return await UnsubscribeInFinallyAsync(document, statement!, @event!, cancellationToken).ConfigureAwait(false);
                    }

                    return document;

                default:
                    return document;
            }
        }

        private static bool CanUnsubscribeInDispose(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken, out AssignmentExpressionSyntax? subscription, out IEventSymbol? subscribed)
        {
            subscription = node.FirstAncestorOrSelf<AssignmentExpressionSyntax>();
            subscribed = null;
            if (subscription is null
                || !subscription.IsKind(SyntaxKind.AddAssignmentExpression)
                || subscription.Parent is not ExpressionStatementSyntax
                || !IsRepeatable(subscription.Left)
                || subscription.FirstAncestorOrSelf<ConstructorDeclarationSyntax>()?.Parent is not ClassDeclarationSyntax type
                || model.GetDeclaredSymbol(type, cancellationToken) is not INamedTypeSymbol typeSymbol
                || !CanAddDispose(typeSymbol))
            {
                return false;
            }

            subscribed = model.GetSymbolInfo(subscription.Left, cancellationToken).Symbol as IEventSymbol;
            return subscribed is not null;
        }

        private static bool CanUnsubscribeInFinally(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken, out ExpressionStatementSyntax? statement, out IEventSymbol? @event)
        {
            var assignment = node.FirstAncestorOrSelf<AssignmentExpressionSyntax>();
            statement = assignment?.Parent as ExpressionStatementSyntax;
            @event = null;
            if (assignment is null
                || !assignment.IsKind(SyntaxKind.AddAssignmentExpression)
                || statement?.Parent is not BlockSyntax
                || !IsRepeatable(assignment.Left))
            {
                return false;
            }

            @event = model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol as IEventSymbol;
            return @event is not null;
        }

        protected override void RegisterFixes(FixSite site)
        {
            var (node, model, cancellationToken) = (site.Node, site.Model, site.CancellationToken);
            switch (site.Property(EventSubscriptionAnalyzer.FixProperty))
            {
                case EventSubscriptionAnalyzer.UsingFix when UsingPlan.Create(node, model, cancellationToken) is not null:
                    site.Register("Dispose the subscription with 'using'", UsingKey);
                    break;
                case EventSubscriptionAnalyzer.DisposeFix when CanUnsubscribeInDispose(node, model, cancellationToken, out _, out _):
                    site.Register("Unsubscribe in 'Dispose'", DisposeKey);
                    break;
                case EventSubscriptionAnalyzer.UnsubscribeFix when CanUnsubscribeInFinally(node, model, cancellationToken, out _, out _):
                    site.Register("Unsubscribe in 'finally'", UnsubscribeKey);
                    break;
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
            return await SyntaxHelpers.FormatAsync(newDocument, cancellationToken).ConfigureAwait(false);
        }

        private static bool CanAddDispose(INamedTypeSymbol type) => DisposeHelpers.CanAddDispose(type);

        private static async Task<Document> UnsubscribeInDisposeAsync(Document document, AssignmentExpressionSyntax subscription, IEventSymbol @event, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var generator = editor.Generator;
            var model = editor.SemanticModel;
            var type = subscription.FirstAncestorOrSelf<ClassDeclarationSyntax>();
            if (type is null || model.GetDeclaredSymbol(type, cancellationToken) is not INamedTypeSymbol typeSymbol)
            {
                return document;
            }

            ExpressionSyntax handler = subscription.Right;
            if (subscription.Right is AnonymousFunctionExpressionSyntax or AnonymousMethodExpressionSyntax)
            {
                // Keep the delegate in a field so that Dispose removes the same instance.
                var fieldName = SyntaxHelpers.UniqueMemberName(typeSymbol, "_" + char.ToLowerInvariant(@event.Name[0]) + @event.Name.Substring(1) + "Handler");
                var field = SyntaxFactory.FieldDeclaration(
                        SyntaxFactory.VariableDeclaration(((TypeSyntax)generator.TypeExpression(@event.Type)).WithAdditionalAnnotations(Simplifier.Annotation))
                            .AddVariables(SyntaxFactory.VariableDeclarator(fieldName)))
                    .AddModifiers(SyntaxFactory.Token(SyntaxKind.PrivateKeyword), SyntaxFactory.Token(SyntaxKind.ReadOnlyKeyword))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                var firstMember = type.Members.FirstOrDefault();
                if (firstMember is null)
                {
                    editor.AddMember(type, field);
                }
                else
                {
                    editor.InsertBefore(firstMember, field);
                }

                handler = SyntaxFactory.IdentifierName(fieldName);
                var statement = (ExpressionStatementSyntax)subscription.Parent!;
                editor.InsertBefore(statement, SyntaxFactory.ExpressionStatement(
                        SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName(fieldName), subscription.Right.WithoutTrivia()))
                    .WithLeadingTrivia(statement.GetLeadingTrivia())
                    .WithAdditionalAnnotations(Formatter.Annotation));
                editor.ReplaceNode(subscription, subscription.WithRight(SyntaxFactory.IdentifierName(fieldName).WithLeadingTrivia(SyntaxFactory.Space)));
            }

            var unsubscribe = SyntaxFactory.ExpressionStatement(
                SyntaxFactory.AssignmentExpression(SyntaxKind.SubtractAssignmentExpression, subscription.Left.WithoutTrivia(), handler.WithoutTrivia()));

            DisposeHelpers.AddToDispose(editor, type, typeSymbol, unsubscribe, cancellationToken);

            var newDocument = editor.GetChangedDocument();
            newDocument = await Simplifier.ReduceAsync(newDocument, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await SyntaxHelpers.FormatAsync(newDocument, cancellationToken).ConfigureAwait(false);
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
