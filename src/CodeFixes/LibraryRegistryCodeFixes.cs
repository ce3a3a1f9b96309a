using System.Collections.Immutable;
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
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// The shared shape of the MEM064–MEM068 fixers: each applies only the rewrite the analyzer marked safe
    /// (<see cref="LibraryRegistryAnalyzer.FixProperty"/>) — <c>using var</c>, a <c>static readonly</c> field for a
    /// creation that depends on nothing of the call, a <c>static</c> modifier on the per-instance field that holds it, or
    /// <c>reloadOnChange: false</c>. One fixer per rule, so that <c>dotnet format</c> applies each rule's Fix All independently.
    /// </summary>
    public abstract class LibraryRegistryCodeFixBase : CodeFixBase
    {
        private readonly string _id;
        private readonly ImmutableArray<string> _fixes;

        /// <param name="id">The rule.</param>
        /// <param name="fixes">The rewrites (<see cref="LibraryRegistryAnalyzer.FixProperty"/> values) the rule's analyzer marks; each is one action, keyed <c>{id}_{fix}</c>.</param>
        protected LibraryRegistryCodeFixBase(string id, params string[] fixes)
            : base(id)
        {
            _id = id;
            _fixes = ImmutableArray.Create(fixes);
            EquivalenceKeys = _fixes.Select(f => id + "_" + f).ToImmutableArray();
        }

        /// <summary>The equivalence key of every action this fixer offers (one per rewrite), so that each can be listed and proved.</summary>
        public ImmutableArray<string> EquivalenceKeys { get; }

        protected sealed override void RegisterFixes(FixSite site)
        {
            var (node, model, cancellationToken) = (site.Node, site.Model, site.CancellationToken);
            var fix = site.Property(LibraryRegistryAnalyzer.FixProperty);
            if (fix is null || !_fixes.Contains(fix))
            {
                return;
            }

            string? title = null;
            switch (fix)
            {
                case LibraryRegistryAnalyzer.UsingFix:
                    var plan = UsingPlan.Create(node, model, cancellationToken);
                    if (plan is not null)
                    {
                        title = plan.IsAwait ? "Dispose with 'await using'" : "Dispose with 'using'";
                    }

                    break;
                case LibraryRegistryAnalyzer.StaticFieldFix:
                    if (StaticFieldPlan(node) is not null)
                    {
                        title = "Create it once in a 'static readonly' field";
                    }

                    break;
                case LibraryRegistryAnalyzer.StaticMemberFix:
                    if (StaticMemberPlan(node, model, cancellationToken) is not null)
                    {
                        title = "Make the field 'static'";
                    }

                    break;
                case LibraryRegistryAnalyzer.NoReloadFix:
                    if (node.FirstAncestorOrSelf<ArgumentSyntax>() is not null)
                    {
                        title = "Use 'reloadOnChange: false'";
                    }

                    break;
            }

            if (title is not null)
            {
                site.Register(title, _id + "_" + fix);
            }
        }

        // Fix All applies every fixable diagnostic of the scope with the rewrite its analyzer marked.
        protected sealed override Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue(LibraryRegistryAnalyzer.FixProperty, out var fix))
            {
                return Task.FromResult(document);
            }

            switch (fix)
            {
                case LibraryRegistryAnalyzer.UsingFix:
                    return UsingPlan.ApplyToNodeAsync(document, node, diagnostic, cancellationToken);
                case LibraryRegistryAnalyzer.StaticFieldFix:
                    return HoistToStaticFieldAsync(document, node, cancellationToken);
                case LibraryRegistryAnalyzer.StaticMemberFix:
                    return MakeFieldStaticAsync(document, node, cancellationToken);
                case LibraryRegistryAnalyzer.NoReloadFix:
                    return NoReloadAsync(document, node, cancellationToken);
                default:
                    return Task.FromResult(document);
            }
        }

        /// <summary>The creation expression and the type declaration it moves into.</summary>
        private static (ExpressionSyntax Creation, TypeDeclarationSyntax Type)? StaticFieldPlan(SyntaxNode node)
        {
            var creation = node as ExpressionSyntax ?? node.FirstAncestorOrSelf<ExpressionSyntax>();
            while (creation?.Parent is ParenthesizedExpressionSyntax parenthesized)
            {
                creation = parenthesized;
            }

            var type = creation?.FirstAncestorOrSelf<TypeDeclarationSyntax>(t => t is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax);
            if (creation is null || type is null || creation is not (ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax or InvocationExpressionSyntax))
            {
                return null;
            }

            return (creation, type);
        }

        private static async Task<Document> HoistToStaticFieldAsync(Document document, SyntaxNode node, CancellationToken cancellationToken)
        {
            var plan = StaticFieldPlan(node);
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (plan is null || model is null)
            {
                return document;
            }

            var (creation, type) = plan.Value;
            var createdType = model.GetTypeInfo(creation, cancellationToken).Type;
            if (createdType is null || createdType.TypeKind == TypeKind.Error || model.GetDeclaredSymbol(type, cancellationToken) is not INamedTypeSymbol typeSymbol)
            {
                return document;
            }

            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);

            // A field this fix (or the user) already made for the same creation is reused: Fix All over a class that
            // creates the same meter in two handlers makes one field.
            var existing = SyntaxHelpers.StaticReadonlyFieldWithInitializer(type, SyntaxHelpers.Normalize(creation));

            string fieldName;
            if (existing is not null)
            {
                fieldName = existing.Identifier.ValueText;
            }
            else
            {
                fieldName = SyntaxHelpers.UniqueMemberName(typeSymbol, "Shared" + createdType.Name.TrimStart('I'));
                var field = SyntaxFactory.FieldDeclaration(
                        SyntaxFactory.VariableDeclaration(((TypeSyntax)editor.Generator.TypeExpression(createdType)).WithAdditionalAnnotations(Simplifier.Annotation))
                            .AddVariables(SyntaxFactory.VariableDeclarator(fieldName).WithInitializer(SyntaxFactory.EqualsValueClause(Explicit(creation, createdType, editor.Generator).WithoutTrivia()))))
                    .AddModifiers(SyntaxFactory.Token(SyntaxKind.PrivateKeyword), SyntaxFactory.Token(SyntaxKind.StaticKeyword), SyntaxFactory.Token(SyntaxKind.ReadOnlyKeyword))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                // After the type's leading static readonly fields (those this fix added before it), else first.
                var lastStatic = type.Members.TakeWhile(m => m is FieldDeclarationSyntax f && f.Modifiers.Any(SyntaxKind.StaticKeyword) && f.Modifiers.Any(SyntaxKind.ReadOnlyKeyword)).LastOrDefault();
                var firstMember = type.Members.FirstOrDefault();
                if (lastStatic is not null)
                {
                    editor.InsertAfter(lastStatic, field);
                }
                else if (firstMember is null)
                {
                    editor.AddMember(type, field);
                }
                else
                {
                    editor.InsertBefore(firstMember, field);
                }
            }

            editor.ReplaceNode(creation, SyntaxFactory.IdentifierName(fieldName).WithTriviaFrom(creation));
            return editor.GetChangedDocument();
        }

        /// <summary>A target-typed <c>new(…)</c> gets its type spelled out, so the field's initializer reads on its own.</summary>
        private static ExpressionSyntax Explicit(ExpressionSyntax creation, ITypeSymbol type, SyntaxGenerator generator)
            => creation is ImplicitObjectCreationExpressionSyntax implicitCreation
                ? SyntaxFactory.ObjectCreationExpression(((TypeSyntax)generator.TypeExpression(type)).WithAdditionalAnnotations(Simplifier.Annotation))
                    .WithArgumentList(implicitCreation.ArgumentList)
                    .WithInitializer(implicitCreation.Initializer)
                : creation;

        /// <summary>The instance field declaration (one variable) whose initializer is the creation, when nothing reads it through <c>this.</c>.</summary>
        private static FieldDeclarationSyntax? StaticMemberPlan(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
        {
            var field = node.FirstAncestorOrSelf<FieldDeclarationSyntax>();
            if (field is null || field.Declaration.Variables.Count != 1 || field.Modifiers.Any(SyntaxKind.StaticKeyword) || field.Modifiers.Any(SyntaxKind.ConstKeyword))
            {
                return null;
            }

            var variable = field.Declaration.Variables[0];
            if (model.GetDeclaredSymbol(variable, cancellationToken) is not IFieldSymbol symbol || field.Parent is not TypeDeclarationSyntax type)
            {
                return null;
            }

            // `this._meter` does not compile on a static field.
            foreach (var access in type.DescendantNodes().OfType<MemberAccessExpressionSyntax>())
            {
                if (access.Expression is ThisExpressionSyntax && access.Name.Identifier.ValueText == symbol.Name)
                {
                    return null;
                }
            }

            return field;
        }

        private static async Task<Document> MakeFieldStaticAsync(Document document, SyntaxNode node, CancellationToken cancellationToken)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var field = model is null ? null : StaticMemberPlan(node, model, cancellationToken);
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (field is null || root is null)
            {
                return document;
            }

            var modifiers = field.Modifiers;
            var readonlyIndex = modifiers.IndexOf(SyntaxKind.ReadOnlyKeyword);
            var staticToken = SyntaxFactory.Token(SyntaxKind.StaticKeyword).WithTrailingTrivia(SyntaxFactory.Space);
            if (readonlyIndex >= 0)
            {
                modifiers = modifiers.Insert(readonlyIndex, staticToken);
            }
            else if (modifiers.Count > 0)
            {
                modifiers = modifiers.Add(staticToken).Add(SyntaxFactory.Token(SyntaxKind.ReadOnlyKeyword).WithTrailingTrivia(SyntaxFactory.Space));
            }
            else
            {
                var leading = field.GetLeadingTrivia();
                return document.WithSyntaxRoot(root.ReplaceNode(field, field.WithoutLeadingTrivia()
                    .WithModifiers(SyntaxFactory.TokenList(
                        SyntaxFactory.Token(SyntaxKind.StaticKeyword).WithLeadingTrivia(leading).WithTrailingTrivia(SyntaxFactory.Space),
                        SyntaxFactory.Token(SyntaxKind.ReadOnlyKeyword).WithTrailingTrivia(SyntaxFactory.Space)))));
            }

            return document.WithSyntaxRoot(root.ReplaceNode(field, field.WithModifiers(modifiers)));
        }

        private static async Task<Document> NoReloadAsync(Document document, SyntaxNode node, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var argument = node.FirstAncestorOrSelf<ArgumentSyntax>();
            if (root is null || argument is null)
            {
                return document;
            }

            var replacement = SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression).WithTriviaFrom(argument.Expression);
            return document.WithSyntaxRoot(root.ReplaceNode(argument.Expression, replacement));
        }
    }

    /// <summary>MEM064: <c>using var provider = services.BuildServiceProvider();</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ServiceProviderPerUnitOfWorkCodeFix)), Shared]
    public sealed class ServiceProviderPerUnitOfWorkCodeFix : LibraryRegistryCodeFixBase
    {
        public ServiceProviderPerUnitOfWorkCodeFix()
            : base(RuleIds.ServiceProviderPerUnitOfWork, LibraryRegistryAnalyzer.UsingFix)
        {
        }
    }

    /// <summary>MEM065: a <c>static readonly</c> meter or activity source (or a static field on a per-message object).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MeterOrActivitySourceCodeFix)), Shared]
    public sealed class MeterOrActivitySourceCodeFix : LibraryRegistryCodeFixBase
    {
        public MeterOrActivitySourceCodeFix()
            : base(RuleIds.MeterOrActivitySourcePerUnitOfWork, LibraryRegistryAnalyzer.StaticFieldFix, LibraryRegistryAnalyzer.StaticMemberFix, LibraryRegistryAnalyzer.UsingFix)
        {
        }
    }

    /// <summary>MEM066: <c>using var loggerFactory = LoggerFactory.Create(…);</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LoggerFactoryPerUnitOfWorkCodeFix)), Shared]
    public sealed class LoggerFactoryPerUnitOfWorkCodeFix : LibraryRegistryCodeFixBase
    {
        public LoggerFactoryPerUnitOfWorkCodeFix()
            : base(RuleIds.LoggerFactoryPerUnitOfWork, LibraryRegistryAnalyzer.UsingFix)
        {
        }
    }

    /// <summary>MEM067: <c>reloadOnChange: false</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReloadingConfigurationCodeFix)), Shared]
    public sealed class ReloadingConfigurationCodeFix : LibraryRegistryCodeFixBase
    {
        public ReloadingConfigurationCodeFix()
            : base(RuleIds.ReloadingConfigurationPerUnitOfWork, LibraryRegistryAnalyzer.NoReloadFix)
        {
        }
    }

    /// <summary>MEM068: the logger factory, cache, interceptor or provider moves to a <c>static readonly</c> field.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DbContextInternalServiceProviderCodeFix)), Shared]
    public sealed class DbContextInternalServiceProviderCodeFix : LibraryRegistryCodeFixBase
    {
        public DbContextInternalServiceProviderCodeFix()
            : base(RuleIds.DbContextInternalServiceProvider, LibraryRegistryAnalyzer.StaticFieldFix)
        {
        }
    }
}
