using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using MemoryRetention.CodeFixes.Infrastructure;

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// MEM020: dispose the object with <c>using var</c> (<c>await using var</c> for an IAsyncDisposable in async
    /// code), or a <c>using</c> statement around the rest of the block where <c>using var</c> is not available.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UndisposedHandlerDisposableCodeFix)), Shared]
    public sealed class UndisposedHandlerDisposableCodeFix : CodeFixBase
    {
        public const string EquivalenceKey = "MEM020_AddUsing";

        public UndisposedHandlerDisposableCodeFix()
            : base(RuleIds.UndisposedHandlerDisposable)
        {
        }

        // Fix All applies every fixable diagnostic of the scope, whatever the equivalence key: `dotnet format` takes the
        // key from the first diagnostic it finds, which may be one without a safe rewrite.
        protected override Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
            => UsingPlan.ApplyToNodeAsync(document, node, diagnostic, cancellationToken);

        protected override void RegisterFixes(FixSite site)
        {
            if (UsingPlan.Create(site.Node, site.Model, site.CancellationToken) is { } plan)
            {
                var document = site.Document;
                site.Register(plan.IsAwait ? "Dispose with 'await using'" : "Dispose with 'using'", EquivalenceKey, ct => plan.ApplyAsync(document, ct));
            }
        }
    }

    /// <summary>How one flagged creation becomes a using declaration or statement. Shared by the disposal rules' fixers.</summary>
    internal sealed class UsingPlan
    {
        private readonly StatementSyntax _statement;
        private readonly bool _useDeclaration;
        private readonly string? _newLocalName;

        private UsingPlan(StatementSyntax statement, bool isAwait, bool useDeclaration, string? newLocalName)
        {
            _statement = statement;
            IsAwait = isAwait;
            _useDeclaration = useDeclaration;
            _newLocalName = newLocalName;
        }

        public bool IsAwait { get; }

        /// <summary>Fix All step: the using rewrite of the creation at <paramref name="node"/> of the current document, if still possible.</summary>
        public static async Task<Document> ApplyToNodeAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var plan = model is null ? null : Create(node, model, cancellationToken);
            return plan is null ? document : await plan.ApplyAsync(document, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>A plan for the creation at <paramref name="node"/>, or null when no safe rewrite exists.</summary>
        public static UsingPlan? Create(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
        {
            var creation = node.FirstAncestorOrSelf<ExpressionSyntax>();
            if (creation is null)
            {
                return null;
            }

            var statement = creation.FirstAncestorOrSelf<StatementSyntax>();
            var container = statement?.Parent;
            if (statement is null || !(container is BlockSyntax || container is SwitchSectionSyntax || container is GlobalStatementSyntax))
            {
                return null;
            }

            var languageVersion = ((CSharpParseOptions)statement.SyntaxTree.Options).LanguageVersion;
            var canDeclare = languageVersion >= LanguageVersion.CSharp8 && container is not SwitchSectionSyntax;

            ITypeSymbol? createdType;
            string? newLocalName = null;
            switch (statement)
            {
                case LocalDeclarationStatementSyntax local
                    when local.UsingKeyword.IsKind(SyntaxKind.None)
                         && !local.IsConst
                         && local.Declaration.Variables.Count == 1
                         && local.Declaration.Variables[0].Initializer?.Value is { } value
                         && value.Span.Contains(creation.Span)
                         && Unwrap(value) == creation:
                    createdType = model.GetTypeInfo(local.Declaration.Type, cancellationToken).Type;
                    if (local.Declaration.Type.IsVar)
                    {
                        createdType = model.GetTypeInfo(value, cancellationToken).Type;
                    }

                    break;

                case ExpressionStatementSyntax expressionStatement when Unwrap(expressionStatement.Expression) == creation:
                    if (!canDeclare || container is GlobalStatementSyntax)
                    {
                        return null;
                    }

                    createdType = model.GetTypeInfo(expressionStatement.Expression, cancellationToken).Type;
                    newLocalName = UniqueName(model, expressionStatement, createdType, cancellationToken);
                    break;

                default:
                    return null;
            }

            if (createdType is null || createdType.TypeKind == TypeKind.Error)
            {
                return null;
            }

            // A struct handle (a token registration) disposes synchronously; `await using` would wait for a running callback.
            var isAwait = !createdType.IsValueType && IsAsyncDisposable(createdType, model.Compilation) && IsInAsyncFunction(statement);
            if (!canDeclare && container is GlobalStatementSyntax)
            {
                return null;
            }

            return new UsingPlan(statement, isAwait, canDeclare, newLocalName);
        }

        public async Task<Document> ApplyAsync(Document document, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document;
            }

            var statement = root.FindNode(_statement.Span, getInnermostNodeForTie: true).FirstAncestorOrSelf<StatementSyntax>(s => s.Span == _statement.Span);
            if (statement is null)
            {
                return document;
            }

            if (_useDeclaration)
            {
                var declaration = statement is ExpressionStatementSyntax expressionStatement
                    ? SyntaxFactory.LocalDeclarationStatement(
                            SyntaxFactory.VariableDeclaration(
                                SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(SyntaxTriviaList.Empty, SyntaxKind.VarKeyword, "var", "var", SyntaxTriviaList.Empty)).WithTrailingTrivia(SyntaxFactory.Space),
                                SyntaxFactory.SingletonSeparatedList(
                                    SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(_newLocalName ?? "disposable"))
                                        .WithInitializer(SyntaxFactory.EqualsValueClause(expressionStatement.Expression.WithoutTrivia())
                                            .WithEqualsToken(SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space))))))
                        .WithSemicolonToken(expressionStatement.SemicolonToken)
                    : statement as LocalDeclarationStatementSyntax;
                if (declaration is null)
                {
                    return document;
                }

                var updated = SyntaxHelpers.WithUsing(declaration, IsAwait).WithLeadingTrivia(statement.GetLeadingTrivia());
                return document.WithSyntaxRoot(root.ReplaceNode(statement, updated));
            }

            if (statement is not LocalDeclarationStatementSyntax local)
            {
                return document;
            }

            // Older language versions: using (declaration) { the rest of the block }.
            SyntaxList<StatementSyntax> statements;
            switch (statement.Parent)
            {
                case BlockSyntax block:
                    statements = block.Statements;
                    break;
                case SwitchSectionSyntax section:
                    statements = section.Statements;
                    break;
                default:
                    return document;
            }

            var index = statements.IndexOf(statement);
            var rest = statements.Skip(index + 1).ToList();
            var trailingBreak = rest.Count > 0 && statement.Parent is SwitchSectionSyntax && rest[rest.Count - 1] is BreakStatementSyntax or ReturnStatementSyntax or ThrowStatementSyntax or ContinueStatementSyntax or GotoStatementSyntax;
            var inner = trailingBreak ? rest.Take(rest.Count - 1).ToList() : rest;
            var usingStatement = SyntaxFactory.UsingStatement(
                    declaration: local.Declaration.WithoutTrivia(),
                    expression: null,
                    statement: SyntaxFactory.Block(inner))
                .WithLeadingTrivia(local.GetLeadingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            if (IsAwait)
            {
                usingStatement = usingStatement.WithAwaitKeyword(SyntaxFactory.Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(SyntaxFactory.Space));
            }

            var newStatements = statements.Take(index).ToList();
            newStatements.Add(usingStatement);
            if (trailingBreak)
            {
                newStatements.Add(rest[rest.Count - 1]);
            }

            SyntaxNode newParent = statement.Parent switch
            {
                BlockSyntax block => block.WithStatements(SyntaxFactory.List(newStatements)),
                SwitchSectionSyntax section => section.WithStatements(SyntaxFactory.List(newStatements)),
                _ => statement.Parent!,
            };

            var newRoot = root.ReplaceNode(statement.Parent!, newParent);
            return await SyntaxHelpers.FormatAsync(document, newRoot, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The creation inside <c>await</c>, <c>ConfigureAwait(…)</c>, parentheses and casts.</summary>
        private static ExpressionSyntax Unwrap(ExpressionSyntax expression)
        {
            while (true)
            {
                switch (expression)
                {
                    case AwaitExpressionSyntax awaitExpression:
                        expression = awaitExpression.Expression;
                        continue;
                    case ParenthesizedExpressionSyntax parenthesized:
                        expression = parenthesized.Expression;
                        continue;
                    case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } member }:
                        expression = member.Expression;
                        continue;
                    default:
                        return expression;
                }
            }
        }

        private static bool IsAsyncDisposable(ITypeSymbol type, Compilation compilation)
        {
            var asyncDisposable = compilation.GetTypeByMetadataName("System.IAsyncDisposable");
            return asyncDisposable is not null
                && (SymbolEqualityComparer.Default.Equals(type, asyncDisposable) || type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, asyncDisposable)));
        }

        private static bool IsInAsyncFunction(SyntaxNode node)
        {
            foreach (var ancestor in node.Ancestors())
            {
                switch (ancestor)
                {
                    case AnonymousFunctionExpressionSyntax lambda:
                        return lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
                    case LocalFunctionStatementSyntax localFunction:
                        return localFunction.Modifiers.Any(SyntaxKind.AsyncKeyword);
                    case MethodDeclarationSyntax method:
                        return method.Modifiers.Any(SyntaxKind.AsyncKeyword);
                    case MemberDeclarationSyntax:
                        return false;
                }
            }

            return false;
        }

        private static string UniqueName(SemanticModel model, StatementSyntax statement, ITypeSymbol? type, CancellationToken cancellationToken)
        {
            var baseName = "disposable";
            if (type is not null && type.Name.Length > 0)
            {
                var name = type.Name;
                if (name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
                {
                    name = name.Substring(1);
                }

                baseName = char.ToLowerInvariant(name[0]) + name.Substring(1);
            }

            if (SyntaxFacts.GetKeywordKind(baseName) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(baseName) != SyntaxKind.None)
            {
                baseName = "@" + baseName;
            }

            var candidate = baseName;
            var taken = model.LookupSymbols(statement.SpanStart).Select(s => s.Name).ToImmutableHashSet();
            var declaredLater = statement.Parent?.DescendantNodes().OfType<VariableDeclaratorSyntax>().Select(v => v.Identifier.ValueText).ToImmutableHashSet() ?? ImmutableHashSet<string>.Empty;
            for (var i = 1; taken.Contains(candidate.TrimStart('@')) || declaredLater.Contains(candidate.TrimStart('@')); i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                candidate = baseName + i;
            }

            return candidate;
        }
    }
}
