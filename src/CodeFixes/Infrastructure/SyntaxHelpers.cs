using System.Linq;
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
                .WithModifiers(SyntaxFactory.TokenList(SyntaxFactory.Token(SyntaxKind.PrivateKeyword), SyntaxFactory.Token(SyntaxKind.ConstKeyword)))
                .WithLeadingTrivia(SyntaxFactory.Comment("// " + comment), EndOfLine(type))
                .WithTrailingTrivia(EndOfLine(type))
                .WithAdditionalAnnotations(Formatter.Annotation);
            return type.WithMembers(type.Members.Insert(0, constant));
        }

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
