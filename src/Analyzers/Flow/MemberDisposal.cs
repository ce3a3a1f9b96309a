using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MemoryRetention.Analyzers.Flow
{
    /// <summary>
    /// Whether a type disposes one of its own fields or properties: an explicit <c>_x.Dispose()</c>,
    /// <c>_x?.Dispose()</c>, <c>_x.DisposeAsync()</c> or <c>using (_x)</c> anywhere in the type, or any mention of the
    /// member in its <c>Dispose</c>/<c>DisposeAsync</c>/<c>DisposeAsyncCore</c>/<c>Close</c> methods (erring toward
    /// "disposed": handing it to a helper there counts). Syntax only; the rules ask it only when a finding is about to
    /// be reported, so it reads the type's declarations at most once per finding.
    /// </summary>
    internal static class MemberDisposal
    {
        public static bool DisposedByItsType(INamedTypeSymbol? type, string memberName, CancellationToken cancellationToken)
        {
            if (type is null)
            {
                return false;
            }

            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                foreach (var node in reference.GetSyntax(cancellationToken).DescendantNodes())
                {
                    switch (node)
                    {
                        case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Dispose" or "DisposeAsync" } access }
                            when Names(access.Expression, memberName):
                            return true;
                        case ConditionalAccessExpressionSyntax { WhenNotNull: InvocationExpressionSyntax { Expression: MemberBindingExpressionSyntax { Name.Identifier.ValueText: "Dispose" or "DisposeAsync" } } } conditional
                            when Names(conditional.Expression, memberName):
                            return true;
                        case UsingStatementSyntax { Expression: { } used } when Names(used, memberName):
                            return true;
                        case MethodDeclarationSyntax { Identifier.ValueText: "Dispose" or "DisposeAsync" or "DisposeAsyncCore" or "Close" } method
                            when Mentions(method, memberName):
                            return true;
                    }
                }
            }

            return false;
        }

        private static bool Mentions(MethodDeclarationSyntax method, string memberName)
        {
            foreach (var node in method.DescendantNodes())
            {
                if (node is IdentifierNameSyntax name && name.Identifier.ValueText == memberName)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool Names(ExpressionSyntax expression, string memberName) => expression switch
        {
            IdentifierNameSyntax name => name.Identifier.ValueText == memberName,
            MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText == memberName,
            ParenthesizedExpressionSyntax parenthesized => Names(parenthesized.Expression, memberName),
            _ => false,
        };
    }
}
