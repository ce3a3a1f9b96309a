using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace MemoryRetention.CodeFixes.Infrastructure
{
    /// <summary>Adding a statement to a type's Dispose — the existing one, or a new one with IDisposable added.</summary>
    internal static class DisposeHelpers
    {
        /// <summary>
        /// True when the type has no Dispose yet and no IDisposable base (a new one would hide the base's), or has a
        /// single parameterless, non-abstract <c>void Dispose()</c> declared once in source.
        /// </summary>
        public static bool CanAddDispose(INamedTypeSymbol type)
        {
            var existing = type.GetMembers("Dispose").OfType<IMethodSymbol>().Where(m => m.Parameters.Length == 0).ToList();
            if (existing.Count == 0)
            {
                return !type.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_IDisposable);
            }

            return existing.Count == 1 && existing[0].ReturnsVoid && !existing[0].IsAbstract && existing[0].DeclaringSyntaxReferences.Length == 1;
        }

        public static void AddToDispose(DocumentEditor editor, TypeDeclarationSyntax type, INamedTypeSymbol typeSymbol, StatementSyntax statement, CancellationToken cancellationToken)
        {
            var existing = typeSymbol.GetMembers("Dispose").OfType<IMethodSymbol>().FirstOrDefault(m => m.Parameters.Length == 0);
            if (existing?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is MethodDeclarationSyntax dispose)
            {
                if (dispose.Body is not null)
                {
                    editor.ReplaceNode(dispose.Body, (current, _) => ((BlockSyntax)current).AddStatements(statement).WithAdditionalAnnotations(Formatter.Annotation));
                }
                else if (dispose.ExpressionBody is not null)
                {
                    var body = SyntaxFactory.Block(SyntaxFactory.ExpressionStatement(dispose.ExpressionBody.Expression), statement);
                    editor.ReplaceNode(dispose, dispose.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body).WithAdditionalAnnotations(Formatter.Annotation));
                }

                return;
            }

            var method = SyntaxFactory.MethodDeclaration(SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.VoidKeyword)), "Dispose")
                .AddModifiers(SyntaxFactory.Token(SyntaxKind.PublicKeyword))
                .WithBody(SyntaxFactory.Block(statement))
                .WithAdditionalAnnotations(Formatter.Annotation);
            editor.AddMember(type, method);
            editor.AddInterfaceType(type, SyntaxFactory.ParseTypeName("System.IDisposable").WithAdditionalAnnotations(Simplifier.Annotation));
        }
    }
}
