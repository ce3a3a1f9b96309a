using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers;
using MemoryRetention.Analyzers.Rules;
using MemoryRetention.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// MEM060: keep one serializer. When every constructor argument is static-invariant the creation moves to a
    /// <c>private static readonly</c> field of the containing type (an identical field already there is reused); when
    /// only the <c>Type</c> argument varies, a <c>static readonly ConcurrentDictionary&lt;Type, XmlSerializer&gt;</c> per
    /// creation site caches one serializer per type. Other shapes (a root or overrides built from message data) have
    /// no automatic fix: the cache key would have to cover their contents (see the docs).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(XmlSerializerCodeFix)), Shared]
    public sealed class XmlSerializerCodeFix : CodeFixProvider
    {
        public const string StaticFieldKey = "MEM060_StaticReadonlySerializer";
        public const string CacheKey = "MEM060_SerializerCachePerType";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.XmlSerializerPerUnitOfWork);

        public override FixAllProvider GetFixAllProvider() => SequentialFixAllProvider.Create(ApplyAsync);

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                if (diagnostic.Id != RuleIds.XmlSerializerPerUnitOfWork || !diagnostic.Properties.TryGetValue(XmlSerializerAnalyzer.FixProperty, out var fix))
                {
                    continue;
                }

                var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                if (Plan(node) is null)
                {
                    continue;
                }

                var document = context.Document;
                var action = fix == XmlSerializerAnalyzer.StaticFieldFix
                    ? CodeAction.Create("Keep the serializer in a static readonly field", ct => ApplyAsync(document, node, diagnostic, ct), StaticFieldKey)
                    : fix == XmlSerializerAnalyzer.CacheByTypeFix
                        ? CodeAction.Create("Cache one serializer per type", ct => ApplyAsync(document, node, diagnostic, ct), CacheKey)
                        : null;
                if (action is not null)
                {
                    context.RegisterCodeFix(action, diagnostic);
                }
            }
        }

        private static (BaseObjectCreationExpressionSyntax Creation, TypeDeclarationSyntax Type)? Plan(SyntaxNode node)
        {
            var creation = node.FirstAncestorOrSelf<BaseObjectCreationExpressionSyntax>();
            var type = creation?.FirstAncestorOrSelf<TypeDeclarationSyntax>();
            if (creation?.ArgumentList is null || creation.Initializer is not null || type is null || type is InterfaceDeclarationSyntax)
            {
                return null;
            }

            return (creation, type);
        }

        private static async Task<Document> ApplyAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var plan = Plan(node);
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (plan is null || model is null || root is null || !diagnostic.Properties.TryGetValue(XmlSerializerAnalyzer.FixProperty, out var fix)
                || model.GetDeclaredSymbol(plan.Value.Type, cancellationToken) is not INamedTypeSymbol typeSymbol)
            {
                return document;
            }

            var (creation, type) = plan.Value;
            var eol = SyntaxHelpers.EndOfLine(type);
            var explicitCreation = ExplicitCreation(creation);
            string fieldName;
            MemberDeclarationSyntax? field;
            ExpressionSyntax replacement;
            if (fix == XmlSerializerAnalyzer.StaticFieldFix)
            {
                var text = Normalize(explicitCreation);
                fieldName = ExistingField(type, text) ?? SyntaxHelpers.UniqueMemberName(typeSymbol, BaseName(creation, model, cancellationToken));
                field = ExistingField(type, text) is null
                    ? SyntaxFactory.ParseMemberDeclaration($"private static readonly XmlSerializer {fieldName} = {explicitCreation.WithoutTrivia()};")
                    : null;
                replacement = SyntaxFactory.IdentifierName(fieldName);
            }
            else if (fix == XmlSerializerAnalyzer.CacheByTypeFix && explicitCreation.ArgumentList is { Arguments.Count: > 1 } arguments)
            {
                fieldName = SyntaxHelpers.UniqueMemberName(typeSymbol, "SerializersByType");
                var parameter = UniqueLocalName(model, creation.SpanStart, "serializedType");
                var rest = string.Join(", ", arguments.Arguments.Skip(1).Select(a => a.WithoutTrivia().ToString()));
                field = SyntaxFactory.ParseMemberDeclaration($"private static readonly ConcurrentDictionary<Type, XmlSerializer> {fieldName} = new ConcurrentDictionary<Type, XmlSerializer>();");
                replacement = SyntaxFactory.ParseExpression($"{fieldName}.GetOrAdd({arguments.Arguments[0].WithoutTrivia()}, {parameter} => new XmlSerializer({parameter}, {rest}))");
            }
            else
            {
                return document;
            }

            var newType = type.ReplaceNode(creation, replacement.WithTriviaFrom(creation));
            if (field is not null)
            {
                field = field.WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(eol).WithAdditionalAnnotations(Formatter.Annotation);
                newType = newType.WithMembers(newType.Members.Insert(0, field));
            }

            var newRoot = root.ReplaceNode(type, newType);
            if (newRoot is CompilationUnitSyntax unit)
            {
                unit = SyntaxHelpers.EnsureUsing(unit, "System.Xml.Serialization");
                if (fix == XmlSerializerAnalyzer.CacheByTypeFix)
                {
                    unit = SyntaxHelpers.EnsureUsing(SyntaxHelpers.EnsureUsing(unit, "System"), "System.Collections.Concurrent");
                }

                newRoot = unit;
            }

            return await Formatter.FormatAsync(document.WithSyntaxRoot(newRoot), Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        /// <summary><c>new XmlSerializer(...)</c> for a target-typed <c>new(...)</c>, so that the field initializer reads the same.</summary>
        private static ObjectCreationExpressionSyntax ExplicitCreation(BaseObjectCreationExpressionSyntax creation)
            => creation as ObjectCreationExpressionSyntax
               ?? SyntaxFactory.ObjectCreationExpression(SyntaxFactory.IdentifierName("XmlSerializer"), creation.ArgumentList, null);

        private static string Normalize(SyntaxNode node) => new string(node.ToString().Where(c => !char.IsWhiteSpace(c)).ToArray());

        /// <summary>A static readonly field of the type whose initializer is the same creation (a previous fix at another site).</summary>
        private static string? ExistingField(TypeDeclarationSyntax type, string normalizedCreation)
        {
            foreach (var field in type.Members.OfType<FieldDeclarationSyntax>())
            {
                if (!field.Modifiers.Any(SyntaxKind.StaticKeyword) || !field.Modifiers.Any(SyntaxKind.ReadOnlyKeyword))
                {
                    continue;
                }

                foreach (var variable in field.Declaration.Variables)
                {
                    if (variable.Initializer is { } initializer && Normalize(initializer.Value) == normalizedCreation)
                    {
                        return variable.Identifier.ValueText;
                    }
                }
            }

            return null;
        }

        /// <summary><c>OrderSerializer</c> for <c>typeof(Order)</c>, else <c>Serializer</c>.</summary>
        private static string BaseName(BaseObjectCreationExpressionSyntax creation, SemanticModel model, CancellationToken cancellationToken)
        {
            if (creation.ArgumentList?.Arguments.FirstOrDefault()?.Expression is TypeOfExpressionSyntax typeOf
                && model.GetTypeInfo(typeOf.Type, cancellationToken).Type is { Name.Length: > 0 } serialized
                && serialized.TypeKind != TypeKind.TypeParameter)
            {
                return serialized.Name + "Serializer";
            }

            return "Serializer";
        }

        private static string UniqueLocalName(SemanticModel model, int position, string baseName)
        {
            var candidate = baseName;
            for (var i = 1; model.LookupSymbols(position, name: candidate).Length > 0; i++)
            {
                candidate = baseName + i;
            }

            return candidate;
        }
    }
}
