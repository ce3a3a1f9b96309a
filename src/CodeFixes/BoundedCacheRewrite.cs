using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// MEM001 / MEM002, the bounded form: a private <c>Dictionary</c> / <c>ConcurrentDictionary</c> used as a cache
    /// becomes a <c>MemoryCache</c> with a <c>SizeLimit</c>, and every entry gets <c>Size = 1</c> and an absolute
    /// expiration. The limits are named constants next to the field. Offered only when every use of the field has a
    /// faithful MemoryCache form:
    /// <list type="bullet">
    /// <item><c>TryGetValue(key, out v)</c> → <c>TryGetValue&lt;TValue&gt;(key, out v)</c>;</item>
    /// <item><c>GetOrAdd(key, k =&gt; …)</c> / <c>GetOrAdd(key, Factory)</c> → <c>GetOrCreate(key, entry =&gt; { entry.SetOptions(…); … })</c>;</item>
    /// <item><c>cache[key] = value;</c> → <c>cache.Set(key, value, options);</c></item>
    /// <item><c>ContainsKey(key)</c> → <c>TryGetValue&lt;TValue&gt;(key, out _)</c>; <c>Count</c> stays.</item>
    /// <item>The generic extension forms are used throughout: newer MemoryCache versions add span overloads that make
    /// the non-generic calls ambiguous for string keys.</item>
    /// </list>
    /// Not offered when the dictionary is created with arguments (a comparer or a capacity would be lost), or — in code
    /// with nullable annotations on — when the values are references (MemoryCache's generic reads return <c>TValue?</c>,
    /// which would add nullable warnings to a warnings-as-errors build).
    /// </summary>
    internal static class BoundedCacheRewrite
    {
        private sealed class Plan
        {
            public IFieldSymbol Field = null!;
            public FieldDeclarationSyntax Declaration = null!;
            public TypeDeclarationSyntax Type = null!;
            public ITypeSymbol KeyType = null!;
            public ITypeSymbol ValueType = null!;
            public List<(SyntaxNode Node, UseKind Kind)> Uses = new List<(SyntaxNode, UseKind)>();
        }

        private enum UseKind
        {
            TryGetValue,
            GetOrAdd,
            IndexerSet,
            ContainsKey,
            Count,
        }

        public static bool IsAvailable(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
            => Create(node, model, cancellationToken) is not null;

        private static Plan? Create(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
        {
            var field = node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                .Select(i => model.GetSymbolInfo(i, cancellationToken).Symbol as IFieldSymbol)
                .FirstOrDefault(f => f is not null);
            if (field is null || field.DeclaredAccessibility != Accessibility.Private
                || field.Type is not INamedTypeSymbol { TypeArguments.Length: 2 } dictionary
                || (!SymbolEqualityComparer.Default.Equals(dictionary.OriginalDefinition, model.Compilation.GetTypeByMetadataName("System.Collections.Generic.Dictionary`2"))
                    && !SymbolEqualityComparer.Default.Equals(dictionary.OriginalDefinition, model.Compilation.GetTypeByMetadataName("System.Collections.Concurrent.ConcurrentDictionary`2")))
                || model.Compilation.GetTypeByMetadataName("Microsoft.Extensions.Caching.Memory.MemoryCache") is null
                || field.DeclaringSyntaxReferences.Length != 1
                || field.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not VariableDeclaratorSyntax
                {
                    Initializer.Value: BaseObjectCreationExpressionSyntax { Initializer: null } creation,
                    Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: FieldDeclarationSyntax { Parent: TypeDeclarationSyntax type } declaration },
                }
                || (creation.ArgumentList is not null && creation.ArgumentList.Arguments.Count > 0))
            {
                return null;
            }

            // The nullable context of the whole type must not turn reads of reference values into TValue? warnings.
            var valueType = dictionary.TypeArguments[1];
            if (!valueType.IsValueType && type.DescendantNodes().OfType<IdentifierNameSyntax>().Any(i => i.Identifier.ValueText == field.Name && model.GetNullableContext(i.SpanStart).AnnotationsEnabled()))
            {
                return null;
            }

            var plan = new Plan { Field = field, Declaration = declaration, Type = type, KeyType = dictionary.TypeArguments[0], ValueType = valueType };
            foreach (var identifier in type.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText != field.Name || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, field))
                {
                    continue;
                }

                // `F`, `this.F` or `Type.F`.
                ExpressionSyntax reference = identifier.Parent is MemberAccessExpressionSyntax qualified && qualified.Name == identifier ? qualified : identifier;
                switch (reference.Parent)
                {
                    case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "TryGetValue", Parent: InvocationExpressionSyntax { ArgumentList.Arguments: { Count: 2 } arguments } call } member
                        when member.Expression == reference && arguments[1].RefKindKeyword.IsKind(SyntaxKind.OutKeyword):
                        plan.Uses.Add((call, UseKind.TryGetValue));
                        break;
                    case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetOrAdd", Parent: InvocationExpressionSyntax { ArgumentList.Arguments: { Count: 2 } arguments } call } member
                        when member.Expression == reference && IsFactory(arguments[1].Expression, model, cancellationToken):
                        plan.Uses.Add((call, UseKind.GetOrAdd));
                        break;
                    case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ContainsKey", Parent: InvocationExpressionSyntax { ArgumentList.Arguments.Count: 1 } call } member
                        when member.Expression == reference:
                        plan.Uses.Add((call, UseKind.ContainsKey));
                        break;
                    case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Count" } member
                        when member.Expression == reference && member.Parent is not InvocationExpressionSyntax:
                        plan.Uses.Add((member, UseKind.Count));
                        break;
                    case ElementAccessExpressionSyntax { ArgumentList.Arguments.Count: 1, Parent: AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax } assignment } access
                        when access.Expression == reference && assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && assignment.Left == access:
                        plan.Uses.Add((assignment.Parent!, UseKind.IndexerSet));
                        break;
                    case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } when declarator.Parent?.Parent == declaration:
                        break; // the declaration itself
                    default:
                        return null;
                }
            }

            return plan;
        }

        /// <summary>A value factory: a one-parameter lambda with an expression body, or a method group.</summary>
        private static bool IsFactory(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
            => expression switch
            {
                SimpleLambdaExpressionSyntax { ExpressionBody: not null, AsyncKeyword.RawKind: 0 } => true,
                ParenthesizedLambdaExpressionSyntax { ExpressionBody: not null, ParameterList.Parameters.Count: 1, AsyncKeyword.RawKind: 0 } => true,
                IdentifierNameSyntax or MemberAccessExpressionSyntax => model.GetSymbolInfo(expression, cancellationToken).Symbol is IMethodSymbol,
                _ => false,
            };

        public static async Task<Document> ApplyAsync(Document document, SyntaxNode node, CancellationToken cancellationToken)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var plan = model is null ? null : Create(node, model, cancellationToken);
            if (model is null || plan is null)
            {
                return document;
            }

            var containing = plan.Field.ContainingType;
            var stem = plan.Field.Name.TrimStart('_');
            stem = stem.Length == 0 ? "Cache" : char.ToUpperInvariant(stem[0]) + stem.Substring(1);
            var sizeLimit = SyntaxHelpers.UniqueMemberName(containing, stem + "SizeLimit");
            var lifetime = SyntaxHelpers.UniqueMemberName(containing, stem + "LifetimeMinutes");
            var options = SyntaxHelpers.UniqueMemberName(containing, stem + "EntryOptions");
            var valueType = plan.ValueType.ToMinimalDisplayString(model, plan.Declaration.SpanStart);
            var keyType = plan.KeyType.ToMinimalDisplayString(model, plan.Declaration.SpanStart);

            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            foreach (var (use, kind) in plan.Uses)
            {
                switch (kind)
                {
                    case UseKind.TryGetValue:
                    {
                        var call = (InvocationExpressionSyntax)use;
                        var member = (MemberAccessExpressionSyntax)call.Expression;
                        editor.ReplaceNode(member.Name, SyntaxFactory.GenericName(SyntaxFactory.Identifier("TryGetValue"), SyntaxFactory.TypeArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.ParseTypeName(valueType)))).WithTriviaFrom(member.Name));
                        break;
                    }

                    case UseKind.ContainsKey:
                    {
                        var call = (InvocationExpressionSyntax)use;
                        var member = (MemberAccessExpressionSyntax)call.Expression;
                        var key = call.ArgumentList.Arguments[0].Expression.WithoutTrivia();
                        editor.ReplaceNode(call, SyntaxFactory.ParseExpression($"{member.Expression.WithoutTrivia()}.TryGetValue<{valueType}>({key}, out _)").WithTriviaFrom(call));
                        break;
                    }

                    case UseKind.GetOrAdd:
                    {
                        var call = (InvocationExpressionSyntax)use;
                        var member = (MemberAccessExpressionSyntax)call.Expression;
                        var key = call.ArgumentList.Arguments[0].Expression.WithoutTrivia();
                        var factory = call.ArgumentList.Arguments[1].Expression;
                        string body;
                        switch (factory)
                        {
                            case SimpleLambdaExpressionSyntax simple:
                                body = $"var {simple.Parameter.Identifier.ValueText} = ({keyType})entry.Key; return {simple.ExpressionBody!.WithoutTrivia()};";
                                break;
                            case ParenthesizedLambdaExpressionSyntax parenthesized:
                                body = $"var {parenthesized.ParameterList.Parameters[0].Identifier.ValueText} = ({keyType})entry.Key; return {parenthesized.ExpressionBody!.WithoutTrivia()};";
                                break;
                            default:
                                body = $"return {factory.WithoutTrivia()}(({keyType})entry.Key);";
                                break;
                        }

                        var rewritten = SyntaxFactory.ParseExpression($"{member.Expression.WithoutTrivia()}.GetOrCreate({key}, entry => {{ entry.SetOptions({options}); {body} }})")
                            .WithTriviaFrom(call)
                            .WithAdditionalAnnotations(Formatter.Annotation);
                        editor.ReplaceNode(call, rewritten);
                        break;
                    }

                    case UseKind.IndexerSet:
                    {
                        var statement = (ExpressionStatementSyntax)use;
                        var assignment = (AssignmentExpressionSyntax)statement.Expression;
                        var access = (ElementAccessExpressionSyntax)assignment.Left;
                        var key = access.ArgumentList.Arguments[0].Expression.WithoutTrivia();
                        var replacement = SyntaxFactory.ParseStatement($"{access.Expression.WithoutTrivia()}.Set({key}, {assignment.Right.WithoutTrivia()}, {options});")
                            .WithTriviaFrom(statement);
                        editor.ReplaceNode(statement, replacement);
                        break;
                    }

                    case UseKind.Count:
                        break; // MemoryCache.Count
                }
            }

            // The field, its limits and the entry options.
            var eol = SyntaxHelpers.EndOfLine(plan.Declaration);
            var isStatic = plan.Field.IsStatic ? "static " : string.Empty;
            var declarator = plan.Declaration.Declaration.Variables[0];
            var newField = plan.Declaration
                .WithDeclaration(plan.Declaration.Declaration
                    .WithType(SyntaxFactory.ParseTypeName("MemoryCache").WithTriviaFrom(plan.Declaration.Declaration.Type))
                    .WithVariables(SyntaxFactory.SingletonSeparatedList(declarator.WithInitializer(
                        SyntaxFactory.EqualsValueClause(SyntaxFactory.ParseExpression($"new MemoryCache(new MemoryCacheOptions {{ SizeLimit = {sizeLimit} }})")).WithTriviaFrom(declarator.Initializer!)))));
            // The field's own leading trivia (blank lines, comments) moves up to the first new member.
            var indentation = plan.Declaration.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).LastOrDefault();
            var indent = indentation == default ? SyntaxFactory.TriviaList() : SyntaxFactory.TriviaList(indentation);
            newField = newField.WithLeadingTrivia(indent);
            var comment = SyntaxFactory.TriviaList(plan.Declaration.GetLeadingTrivia())
                .Add(SyntaxFactory.Comment($"// Bounds for '{plan.Field.Name}': at most {sizeLimit} entries (each has Size 1), each kept at most {lifetime} minutes; tune both."))
                .Add(eol)
                .AddRange(indent);
            var members = new MemberDeclarationSyntax[]
            {
                ParseMember($"private const long {sizeLimit} = 10_000;", comment, eol),
                ParseMember($"private const int {lifetime} = 10;", indent, eol),
                ParseMember($"private {isStatic}readonly MemoryCacheEntryOptions {options} = new MemoryCacheEntryOptions {{ Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes({lifetime}) }};", indent, eol),
            };
            editor.InsertBefore(plan.Declaration, members);
            editor.ReplaceNode(plan.Declaration, newField);

            var changed = editor.GetChangedDocument();
            if (await changed.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is CompilationUnitSyntax root)
            {
                root = SyntaxHelpers.EnsureUsing(root, "System");
                root = SyntaxHelpers.EnsureUsing(root, "Microsoft.Extensions.Caching.Memory");
                changed = changed.WithSyntaxRoot(root);
            }

            return await SyntaxHelpers.FormatAsync(changed, cancellationToken).ConfigureAwait(false);
        }

        private static MemberDeclarationSyntax ParseMember(string text, SyntaxTriviaList leading, SyntaxTrivia eol)
            => SyntaxFactory.ParseMemberDeclaration(text)!.WithLeadingTrivia(leading).WithTrailingTrivia(eol);
    }
}
