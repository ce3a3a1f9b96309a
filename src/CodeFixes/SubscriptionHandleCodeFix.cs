using System.Linq;
using System.Composition;
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
    /// The shared shape of the MEM031 / MEM032 / MEM033 fixers: dispose the registration, token source or periodic timer
    /// with <c>using var</c> (the same rewrite as MEM020), only where the analyzer marked <c>using</c> as safe.
    /// One fixer per rule, so that <c>dotnet format</c> applies each rule's Fix All independently.
    /// </summary>
    public abstract class SubscriptionHandleCodeFixBase : CodeFixBase
    {
        private readonly string _equivalenceKey;

        protected SubscriptionHandleCodeFixBase(string id)
            : base(id)
        {
            _equivalenceKey = id + "_AddUsing";
        }

        // Fix All applies every fixable diagnostic of the scope, whatever the equivalence key (see UndisposedHandlerDisposableCodeFix).
        protected override Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
            => diagnostic.Properties.TryGetValue(SubscriptionHandleAnalyzer.FixProperty, out var fix) && fix == SubscriptionHandleAnalyzer.UsingFix
                ? UsingPlan.ApplyToNodeAsync(document, node, diagnostic, cancellationToken)
                : Task.FromResult(document);

        protected override void RegisterFixes(FixSite site)
        {
            if (site.Property(SubscriptionHandleAnalyzer.FixProperty) == SubscriptionHandleAnalyzer.UsingFix
                && UsingPlan.Create(site.Node, site.Model, site.CancellationToken) is { } plan)
            {
                var document = site.Document;
                site.Register(plan.IsAwait ? "Dispose with 'await using'" : "Dispose with 'using'", _equivalenceKey, ct => plan.ApplyAsync(document, ct));
            }
        }
    }

    /// <summary>MEM031: <c>using var registration = token.Register(...)</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TokenRegistrationCodeFix)), Shared]
    public sealed class TokenRegistrationCodeFix : SubscriptionHandleCodeFixBase
    {
        public TokenRegistrationCodeFix()
            : base(RuleIds.TokenRegistrationNotDisposed)
        {
        }
    }

    /// <summary>MEM032: <c>using var</c> for a linked or timed token source.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LinkedTokenSourceCodeFix)), Shared]
    public sealed class LinkedTokenSourceCodeFix : SubscriptionHandleCodeFixBase
    {
        public LinkedTokenSourceCodeFix()
            : base(RuleIds.LinkedTokenSourceNotDisposed)
        {
        }
    }

    /// <summary>
    /// MEM033: <c>using var</c> for a periodic timer; for a callback timer in a per-invocation handler, keep it in a
    /// field and dispose it in the handler's <c>Dispose</c> (created, with <c>IDisposable</c>, when missing).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TimerCodeFix)), Shared]
    public sealed class TimerCodeFix : SubscriptionHandleCodeFixBase
    {
        public const string FieldKey = "MEM033_FieldDisposedInDispose";

        public TimerCodeFix()
            : base(RuleIds.TimerNotDisposed)
        {
        }

        protected override void RegisterFixes(FixSite site)
        {
            base.RegisterFixes(site);
            if (site.Property(SubscriptionHandleAnalyzer.FixProperty) == SubscriptionHandleAnalyzer.FieldFix
                && FieldPlan(site.Node, site.Model, site.CancellationToken) is not null)
            {
                var (document, node) = (site.Document, site.Node);
                site.Register("Keep the timer in a field and dispose it in 'Dispose'", FieldKey, ct => ApplyFieldAsync(document, node, ct));
            }
        }

        /// <summary>Fix All: the field rewrite or the using, as the analyzer marked each diagnostic.</summary>
        protected override Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue(SubscriptionHandleAnalyzer.FixProperty, out var fix))
            {
                return Task.FromResult(document);
            }

            return fix == SubscriptionHandleAnalyzer.FieldFix
                ? ApplyFieldAsync(document, node, cancellationToken)
                : UsingPlan.ApplyToNodeAsync(document, node, diagnostic, cancellationToken);
        }

        private static (StatementSyntax Statement, ExpressionSyntax Creation, string? Local, ClassDeclarationSyntax Type, INamedTypeSymbol TypeSymbol)? FieldPlan(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
        {
            var creation = node.FirstAncestorOrSelf<ExpressionSyntax>(e => e is BaseObjectCreationExpressionSyntax || e is InvocationExpressionSyntax);
            var statement = creation?.FirstAncestorOrSelf<StatementSyntax>();
            var type = statement?.FirstAncestorOrSelf<ClassDeclarationSyntax>();
            if (creation is null || statement is null || type is null || statement.Parent is not BlockSyntax
                || model.GetDeclaredSymbol(type, cancellationToken) is not INamedTypeSymbol typeSymbol
                || !DisposeHelpers.CanAddDispose(typeSymbol))
            {
                return null;
            }

            switch (statement)
            {
                case ExpressionStatementSyntax expressionStatement when expressionStatement.Expression == creation:
                    return (statement, creation, null, type, typeSymbol);
                case LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1 } local when local.Declaration.Variables[0].Initializer?.Value == creation && local.UsingKeyword.IsKind(SyntaxKind.None):
                    return (statement, creation, local.Declaration.Variables[0].Identifier.ValueText, type, typeSymbol);
                default:
                    return null;
            }
        }

        private static async Task<Document> ApplyFieldAsync(Document document, SyntaxNode node, CancellationToken cancellationToken)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var plan = model is null ? null : FieldPlan(node, model, cancellationToken);
            if (plan is null || model!.GetTypeInfo(plan.Value.Creation, cancellationToken).Type is not ITypeSymbol timerType)
            {
                return document;
            }

            var (statement, creation, local, type, typeSymbol) = plan.Value;
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var baseName = "_" + (local ?? "timer");
            var fieldName = SyntaxHelpers.UniqueMemberName(typeSymbol, baseName);
            var nullable = (model!.GetNullableContext(statement.SpanStart) & NullableContext.AnnotationsEnabled) != 0;
            var typeSyntax = (TypeSyntax)editor.Generator.TypeExpression(timerType.WithNullableAnnotation(NullableAnnotation.NotAnnotated));
            if (nullable)
            {
                typeSyntax = SyntaxFactory.NullableType(typeSyntax);
            }

            var field = SyntaxFactory.FieldDeclaration(SyntaxFactory.VariableDeclaration(typeSyntax.WithAdditionalAnnotations(Simplifier.Annotation)).AddVariables(SyntaxFactory.VariableDeclarator(fieldName)))
                .AddModifiers(SyntaxFactory.Token(SyntaxKind.PrivateKeyword))
                .WithAdditionalAnnotations(Formatter.Annotation);
            editor.InsertMembers(type, 0, new SyntaxNode[] { field });

            // `_timer?.Dispose(); _timer = new Timer(...);` where the timer was created (a previous one is not lost).
            var assign = SyntaxFactory.ParseStatement($"{fieldName} = {creation.WithoutTrivia()};").WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(statement.GetTrailingTrivia()).WithAdditionalAnnotations(Formatter.Annotation);
            var disposePrevious = SyntaxFactory.ParseStatement($"{fieldName}?.Dispose();").WithLeadingTrivia(statement.GetLeadingTrivia()).WithTrailingTrivia(SyntaxHelpers.EndOfLine(statement)).WithAdditionalAnnotations(Formatter.Annotation);
            if (local is not null && statement.Parent is BlockSyntax block)
            {
                foreach (var identifier in block.DescendantNodes().OfType<IdentifierNameSyntax>().Where(i => i.Identifier.ValueText == local && i.SpanStart > statement.Span.End))
                {
                    editor.ReplaceNode(identifier, SyntaxFactory.IdentifierName(fieldName).WithTriviaFrom(identifier));
                }
            }

            editor.InsertBefore(statement, disposePrevious);
            editor.ReplaceNode(statement, assign);
            DisposeHelpers.AddToDispose(editor, type, typeSymbol, SyntaxFactory.ParseStatement($"{fieldName}?.Dispose();"), cancellationToken);
            var changed = await Simplifier.ReduceAsync(editor.GetChangedDocument(), Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await SyntaxHelpers.FormatAsync(changed, cancellationToken).ConfigureAwait(false);
        }
    }
}
