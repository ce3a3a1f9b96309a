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
    public sealed class XmlSerializerCodeFix : CodeFixBase
    {
        public const string StaticFieldKey = "MEM060_StaticReadonlySerializer";
        public const string CacheKey = "MEM060_SerializerCachePerType";

        public XmlSerializerCodeFix()
            : base(RuleIds.XmlSerializerPerUnitOfWork)
        {
        }

        protected override void RegisterFixes(FixSite site)
        {
            var fix = site.Property(XmlSerializerAnalyzer.FixProperty);
            if (Plan(site.Node) is null)
            {
                return;
            }

            if (fix == XmlSerializerAnalyzer.StaticFieldFix)
            {
                site.Register("Keep the serializer in a static readonly field", StaticFieldKey);
            }
            else if (fix == XmlSerializerAnalyzer.CacheByTypeFix)
            {
                site.Register("Cache one serializer per type", CacheKey);
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

        protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
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
                var existing = SyntaxHelpers.StaticReadonlyFieldWithInitializer(type, SyntaxHelpers.Normalize(explicitCreation));
                fieldName = existing?.Identifier.ValueText ?? SyntaxHelpers.UniqueMemberName(typeSymbol, BaseName(creation, model, cancellationToken));
                field = existing is null
                    ? SyntaxFactory.ParseMemberDeclaration($"private static readonly XmlSerializer {fieldName} = {explicitCreation.WithoutTrivia()};")
                    : null;
                replacement = SyntaxFactory.IdentifierName(fieldName);
            }
            else if (fix == XmlSerializerAnalyzer.CacheByTypeFix && explicitCreation.ArgumentList is { Arguments.Count: > 1 } arguments)
            {
                fieldName = SyntaxHelpers.UniqueMemberName(typeSymbol, "SerializersByType");
                var parameter = SyntaxHelpers.UniqueLocalName(model, creation.SpanStart, "serializedType");
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
                newType = SyntaxHelpers.InsertFirstMember(newType, field, endOfLine: eol);
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

            return await SyntaxHelpers.FormatAsync(document, newRoot, cancellationToken).ConfigureAwait(false);
        }

        /// <summary><c>new XmlSerializer(...)</c> for a target-typed <c>new(...)</c>, so that the field initializer reads the same.</summary>
        private static ObjectCreationExpressionSyntax ExplicitCreation(BaseObjectCreationExpressionSyntax creation)
            => creation as ObjectCreationExpressionSyntax
               ?? SyntaxFactory.ObjectCreationExpression(SyntaxFactory.IdentifierName("XmlSerializer"), creation.ArgumentList, null);

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
    }
}
