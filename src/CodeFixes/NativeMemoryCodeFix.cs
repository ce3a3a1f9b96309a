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
    /// MEM062: free in a <c>finally</c>. The statements after the allocation's declaration go into <c>try</c>; the
    /// existing free statement (when there is exactly one, directly in the same block) moves into <c>finally</c> and the
    /// statements after it stay after the <c>try</c>; with no free, the matching one is written there. Not offered when
    /// the free sits in a branch, or a variable declared before the free is used after it.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NativeMemoryCodeFix)), Shared]
    public sealed class NativeMemoryCodeFix : CodeFixBase
    {
        public const string EquivalenceKey = "MEM062_FreeInFinally";

        public NativeMemoryCodeFix()
            : base(RuleIds.NativeMemoryNotFreed)
        {
        }

        protected override void RegisterFixes(FixSite site)
        {
            if (site.HasProperty(NativeMemoryAnalyzer.FixProperty) && Plan.Create(site.Node, site.Diagnostic) is { } plan)
            {
                site.Register($"Free '{plan.Name}' in a finally block", EquivalenceKey);
            }
        }

        protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var plan = Plan.Create(node, diagnostic);
            if (root is null || plan is null)
            {
                return document;
            }

            var block = plan.Block;
            var index = block.Statements.IndexOf(plan.Declaration);
            var eol = SyntaxHelpers.EndOfLine(block);
            List<StatementSyntax> inside;
            List<StatementSyntax> after;
            StatementSyntax freeStatement;
            if (plan.ExistingFree is { } existing)
            {
                var freeIndex = block.Statements.IndexOf(existing);
                inside = block.Statements.Skip(index + 1).Take(freeIndex - index - 1).ToList();
                after = block.Statements.Skip(freeIndex + 1).ToList();
                freeStatement = existing;
            }
            else
            {
                inside = block.Statements.Skip(index + 1).ToList();
                after = new List<StatementSyntax>();
                freeStatement = SyntaxFactory.ParseStatement(plan.FreeText).WithTrailingTrivia(eol);
            }

            var tryStatement = SyntaxFactory.TryStatement(SyntaxFactory.Block(inside), default, SyntaxFactory.FinallyClause(SyntaxFactory.Block(freeStatement)))
                .WithAdditionalAnnotations(Formatter.Annotation);
            var statements = block.Statements.Take(index + 1).Append(tryStatement).Concat(after);
            var newRoot = root.ReplaceNode(block, block.WithStatements(SyntaxFactory.List(statements)));
            return await SyntaxHelpers.FormatAsync(document, newRoot, cancellationToken).ConfigureAwait(false);
        }

        private sealed class Plan
        {
            private Plan(BlockSyntax block, LocalDeclarationStatementSyntax declaration, string name, string freeText, ExpressionStatementSyntax? existingFree)
            {
                Block = block;
                Declaration = declaration;
                Name = name;
                FreeText = freeText;
                ExistingFree = existingFree;
            }

            public BlockSyntax Block { get; }

            public LocalDeclarationStatementSyntax Declaration { get; }

            public string Name { get; }

            public string FreeText { get; }

            public ExpressionStatementSyntax? ExistingFree { get; }

            public static Plan? Create(SyntaxNode node, Diagnostic diagnostic)
            {
                var allocation = node.FirstAncestorOrSelf<InvocationExpressionSyntax>();
                var declaration = allocation?.FirstAncestorOrSelf<LocalDeclarationStatementSyntax>();
                if (allocation is null || declaration is null || declaration.Parent is not BlockSyntax block
                    || declaration.Declaration.Variables.Count != 1 || !declaration.UsingKeyword.IsKind(SyntaxKind.None)
                    || !diagnostic.Properties.TryGetValue(NativeMemoryAnalyzer.FreeProperty, out var free) || free is null)
                {
                    return null;
                }

                var name = declaration.Declaration.Variables[0].Identifier.ValueText;
                var isHandle = free == "Free";
                var freeMethod = isHandle ? "Free" : free.Substring(free.LastIndexOf('.') + 1);
                var qualifier = allocation.Expression is MemberAccessExpressionSyntax access ? access.Expression.WithoutTrivia().ToString() + "." : string.Empty;
                var freeText = isHandle ? $"{name}.Free();" : $"{qualifier}{freeMethod}({name});";

                var index = block.Statements.IndexOf(declaration);
                var frees = block.Statements.Skip(index + 1)
                    .SelectMany(s => s.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>())
                    .Where(i => IsFree(i, name, isHandle, freeMethod))
                    .ToList();
                if (frees.Count == 0)
                {
                    return new Plan(block, declaration, name, freeText, null);
                }

                if (frees.Count != 1 || frees[0].Parent is not ExpressionStatementSyntax statement || statement.Parent != block)
                {
                    return null;
                }

                // Variables declared between the allocation and the free move into the try: they must not be used after it.
                var freeIndex = block.Statements.IndexOf(statement);
                var declared = new HashSet<string>(block.Statements.Skip(index + 1).Take(freeIndex - index - 1).SelectMany(DeclaredNames));
                var usedAfter = block.Statements.Skip(freeIndex + 1).SelectMany(s => s.DescendantNodes().OfType<IdentifierNameSyntax>()).Any(i => declared.Contains(i.Identifier.ValueText));
                return usedAfter ? null : new Plan(block, declaration, name, freeText, statement);
            }

            private static IEnumerable<string> DeclaredNames(StatementSyntax statement)
                => statement switch
                {
                    LocalDeclarationStatementSyntax local => local.Declaration.Variables.Select(v => v.Identifier.ValueText),
                    LocalFunctionStatementSyntax function => new[] { function.Identifier.ValueText },
                    _ => statement.DescendantNodes().OfType<SingleVariableDesignationSyntax>().Where(d => d.FirstAncestorOrSelf<StatementSyntax>() == statement).Select(d => d.Identifier.ValueText),
                };

            private static bool IsFree(InvocationExpressionSyntax invocation, string name, bool isHandle, string freeMethod)
            {
                if (invocation.Expression is not MemberAccessExpressionSyntax and not IdentifierNameSyntax)
                {
                    return false;
                }

                if (isHandle)
                {
                    return invocation.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Free", Expression: IdentifierNameSyntax target }
                        && target.Identifier.ValueText == name;
                }

                var method = invocation.Expression is MemberAccessExpressionSyntax member ? member.Name.Identifier.ValueText : ((IdentifierNameSyntax)invocation.Expression).Identifier.ValueText;
                if (method != freeMethod || invocation.ArgumentList.Arguments.Count != 1)
                {
                    return false;
                }

                var argument = invocation.ArgumentList.Arguments[0].Expression;
                while (argument is CastExpressionSyntax cast)
                {
                    argument = cast.Expression;
                }

                while (argument is ParenthesizedExpressionSyntax parenthesized)
                {
                    argument = parenthesized.Expression;
                }

                return argument is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == name;
            }
        }
    }
}
