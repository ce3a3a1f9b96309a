using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace MemoryRetention.CodeFixes.Infrastructure
{
    /// <summary>Small syntax edits the fixers share.</summary>
    internal static class SyntaxHelpers
    {
        /// <summary>
        /// Adds <c>private const int name = value;</c> as the first member of <paramref name="type"/> unless a member of
        /// that name exists. Returns the (possibly unchanged) type.
        /// </summary>
        public static TypeDeclarationSyntax EnsureIntConstant(TypeDeclarationSyntax type, string name, int value, string comment)
        {
            if (type.Members.Any(m => m is FieldDeclarationSyntax field && field.Declaration.Variables.Any(v => v.Identifier.ValueText == name)))
            {
                return type;
            }

            var constant = SyntaxFactory.FieldDeclaration(
                    SyntaxFactory.VariableDeclaration(
                        SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.IntKeyword)),
                        SyntaxFactory.SingletonSeparatedList(
                            SyntaxFactory.VariableDeclarator(name).WithInitializer(
                                SyntaxFactory.EqualsValueClause(SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(value)))))))
                .WithModifiers(SyntaxFactory.TokenList(SyntaxFactory.Token(SyntaxKind.PrivateKeyword), SyntaxFactory.Token(SyntaxKind.ConstKeyword)));
            return InsertFirstMember(type, constant, comment);
        }

        /// <summary>
        /// Inserts <paramref name="member"/> as the first member of <paramref name="type"/>, on its own line(s) and
        /// annotated for the formatter: after a <c>// comment</c> line when <paramref name="comment"/> is given. The line
        /// ending is <paramref name="endOfLine"/>, else the document's (<see cref="EndOfLine"/> of <paramref name="type"/>).
        /// </summary>
        public static TypeDeclarationSyntax InsertFirstMember(TypeDeclarationSyntax type, MemberDeclarationSyntax member, string? comment = null, SyntaxTrivia? endOfLine = null)
        {
            var eol = endOfLine ?? EndOfLine(type);
            member = (comment is null
                    ? member.WithLeadingTrivia(SyntaxFactory.ElasticMarker)
                    : member.WithLeadingTrivia(SyntaxFactory.Comment("// " + comment), eol))
                .WithTrailingTrivia(eol)
                .WithAdditionalAnnotations(Formatter.Annotation);
            return type.WithMembers(type.Members.Insert(0, member));
        }

        /// <summary>
        /// <c>using var …</c> (<c>await using var …</c> when <paramref name="isAwait"/>) for a local declaration that has no
        /// <c>using</c> yet; the statement keeps its leading trivia. A declaration that has one is returned unchanged.
        /// </summary>
        public static LocalDeclarationStatementSyntax WithUsing(LocalDeclarationStatementSyntax statement, bool isAwait)
        {
            if (!statement.UsingKeyword.IsKind(SyntaxKind.None))
            {
                return statement;
            }

            var withUsing = statement.WithoutLeadingTrivia().WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space));
            if (isAwait)
            {
                withUsing = withUsing.WithAwaitKeyword(SyntaxFactory.Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(SyntaxFactory.Space));
            }

            return withUsing.WithLeadingTrivia(statement.GetLeadingTrivia());
        }

        /// <summary>True when the method declaration around <paramref name="node"/> is <c>async</c>.</summary>
        public static bool InAsyncMethod(SyntaxNode node)
            => node.FirstAncestorOrSelf<MethodDeclarationSyntax>()?.Modifiers.Any(SyntaxKind.AsyncKeyword) == true;

        /// <summary>The block body of a <c>while</c>/<c>for</c>/<c>foreach</c>/<c>do</c> loop; null for any other statement or a body without braces.</summary>
        public static BlockSyntax? LoopBlock(StatementSyntax? loop) => loop switch
        {
            WhileStatementSyntax w => w.Statement as BlockSyntax,
            ForStatementSyntax f => f.Statement as BlockSyntax,
            ForEachStatementSyntax f => f.Statement as BlockSyntax,
            DoStatementSyntax d => d.Statement as BlockSyntax,
            _ => null,
        };

        public static bool IsLoop(StatementSyntax statement)
            => statement is WhileStatementSyntax or ForStatementSyntax or ForEachStatementSyntax or DoStatementSyntax;

        /// <summary>The node's text without white space: two spellings of the same expression compare equal.</summary>
        public static string Normalize(SyntaxNode node) => new string(node.ToString().Where(c => !char.IsWhiteSpace(c)).ToArray());

        /// <summary>
        /// A <c>static readonly</c> field variable of <paramref name="type"/> whose initializer is, but for white space,
        /// <paramref name="normalizedInitializer"/> (see <see cref="Normalize"/>): one a previous fix at another site made.
        /// </summary>
        public static VariableDeclaratorSyntax? StaticReadonlyFieldWithInitializer(TypeDeclarationSyntax type, string normalizedInitializer)
            => type.Members.OfType<FieldDeclarationSyntax>()
                .Where(f => f.Modifiers.Any(SyntaxKind.StaticKeyword) && f.Modifiers.Any(SyntaxKind.ReadOnlyKeyword))
                .SelectMany(f => f.Declaration.Variables)
                .FirstOrDefault(v => v.Initializer is not null && Normalize(v.Initializer.Value) == normalizedInitializer);

        /// <summary>
        /// A name derived from <paramref name="baseName"/> (then <c>baseName1</c>, <c>baseName2</c>…) that no symbol in
        /// scope at <paramref name="position"/> uses, nor a variable declared in <paramref name="declaredIn"/>.
        /// </summary>
        public static string UniqueLocalName(SemanticModel model, int position, string baseName, SyntaxNode? declaredIn = null)
        {
            var candidate = baseName;
            for (var i = 1; model.LookupSymbols(position, name: candidate).Length > 0
                || declaredIn?.DescendantNodes().OfType<VariableDeclaratorSyntax>().Any(v => v.Identifier.ValueText == candidate) == true; i++)
            {
                candidate = baseName + i;
            }

            return candidate;
        }

        /// <summary>The document with <paramref name="newRoot"/>, formatted where the fix annotated it.</summary>
        public static Task<Document> FormatAsync(Document document, SyntaxNode newRoot, CancellationToken cancellationToken)
            => FormatAsync(document.WithSyntaxRoot(newRoot), cancellationToken);

        /// <summary>The document formatted where the fix annotated it (<see cref="Formatter.Annotation"/>).</summary>
        public static Task<Document> FormatAsync(Document changed, CancellationToken cancellationToken)
            => Formatter.FormatAsync(changed, Formatter.Annotation, cancellationToken: cancellationToken);

        /// <summary>Adds <c>using ns;</c> to the compilation unit when it is missing.</summary>
        public static CompilationUnitSyntax EnsureUsing(CompilationUnitSyntax root, string ns)
        {
            if (root.Usings.Any(u => u.Name?.ToString() == ns) || root.Members.OfType<BaseNamespaceDeclarationSyntax>().Any(n => n.Usings.Any(u => u.Name?.ToString() == ns)))
            {
                return root;
            }

            var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(ns)).WithAdditionalAnnotations(Formatter.Annotation);
            var usings = root.Usings;
            if (usings.Count == 0)
            {
                return root.WithUsings(SyntaxFactory.SingletonList(directive.WithTrailingTrivia(EndOfLine(root))));
            }

            // System namespaces first, then ordinal order; the first directive keeps the file's leading trivia.
            var index = 0;
            while (index < usings.Count
                && usings[index].Alias is null
                && usings[index].StaticKeyword.IsKind(SyntaxKind.None)
                && CompareUsings(usings[index].Name?.ToString() ?? string.Empty, ns) < 0)
            {
                index++;
            }

            directive = directive.WithTrailingTrivia(EndOfLine(root));
            if (index == 0)
            {
                var first = usings[0];
                directive = directive.WithLeadingTrivia(first.GetLeadingTrivia());
                usings = usings.Replace(first, first.WithLeadingTrivia());
            }

            return root.WithUsings(usings.Insert(index, directive));
        }

        private static int CompareUsings(string a, string b)
        {
            var aSystem = a == "System" || a.StartsWith("System.", System.StringComparison.Ordinal);
            var bSystem = b == "System" || b.StartsWith("System.", System.StringComparison.Ordinal);
            if (aSystem != bSystem)
            {
                return aSystem ? -1 : 1;
            }

            return string.CompareOrdinal(a, b);
        }

        /// <summary>The document's own end-of-line (elastic, so the formatter may still adjust around it).</summary>
        public static SyntaxTrivia EndOfLine(SyntaxNode node)
        {
            var root = node.SyntaxTree?.GetRoot() ?? node;
            foreach (var trivia in root.DescendantTrivia())
            {
                if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
                {
                    return trivia.ToString() == "\r\n" ? SyntaxFactory.ElasticCarriageReturnLineFeed : SyntaxFactory.ElasticLineFeed;
                }
            }

            return SyntaxFactory.ElasticLineFeed;
        }

        /// <summary>A name for a new member derived from <paramref name="baseName"/> that the type does not use yet.</summary>
        public static string UniqueMemberName(INamedTypeSymbol type, string baseName)
        {
            var candidate = baseName;
            for (var i = 1; type.GetMembers(candidate).Length > 0; i++)
            {
                candidate = baseName + i;
            }

            return candidate;
        }
    }
}
