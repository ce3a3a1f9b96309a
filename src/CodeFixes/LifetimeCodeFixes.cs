using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Rules;
using MemoryRetention.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// MEM040, the scoped form: the long-lived handler takes an <c>IServiceScopeFactory</c> instead of the scoped
    /// service, and every unit of work (a worker loop's body, or the entry point's body) opens a scope and resolves the
    /// service from it. Offered only when the field is private, assigned once from the constructor parameter, and every
    /// use of it sits directly in a unit-of-work body.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CaptiveScopedServiceCodeFix)), Shared]
    public sealed class CaptiveScopedServiceCodeFix : CodeFixBase
    {
        public const string EquivalenceKey = "MEM040_ScopePerUnitOfWork";

        public CaptiveScopedServiceCodeFix()
            : base(RuleIds.CaptiveScopedService)
        {
        }

        protected override void RegisterFixes(FixSite site)
        {
            if (site.HasProperty(CaptiveScopedServiceAnalyzer.FixProperty)
                && Plan.Create(site.Node, site.Model, site.Document.Project.AnalyzerOptions, site.CancellationToken) is not null)
            {
                site.Register("Resolve it from a scope per unit of work (inject IServiceScopeFactory)", EquivalenceKey);
            }
        }

        protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var plan = model is null || !diagnostic.Properties.ContainsKey(CaptiveScopedServiceAnalyzer.FixProperty) ? null : Plan.Create(node, model, document.Project.AnalyzerOptions, cancellationToken);
            if (plan is null)
            {
                return document;
            }

            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var factoryType = SyntaxFactory.IdentifierName("IServiceScopeFactory");

            // The field: same modifiers and comments, new type and name.
            editor.ReplaceNode(plan.FieldDeclaration, plan.FieldDeclaration.WithDeclaration(
                plan.FieldDeclaration.Declaration
                    .WithType(factoryType.WithTriviaFrom(plan.FieldDeclaration.Declaration.Type))
                    .WithVariables(SyntaxFactory.SingletonSeparatedList(plan.FieldDeclaration.Declaration.Variables[0].WithIdentifier(SyntaxFactory.Identifier(plan.FactoryField).WithTriviaFrom(plan.FieldDeclaration.Declaration.Variables[0].Identifier))))));

            // The constructor parameter and the assignment.
            editor.ReplaceNode(plan.Parameter, plan.Parameter
                .WithType(factoryType.WithTriviaFrom(plan.Parameter.Type!))
                .WithIdentifier(SyntaxFactory.Identifier(plan.FactoryParameter).WithTriviaFrom(plan.Parameter.Identifier)));
            editor.ReplaceNode(plan.Assignment, plan.Assignment
                .WithLeft(SyntaxFactory.IdentifierName(plan.FactoryField).WithTriviaFrom(plan.Assignment.Left))
                .WithRight(SyntaxFactory.IdentifierName(plan.FactoryParameter).WithTriviaFrom(plan.Assignment.Right)));

            // Each unit of work opens a scope and resolves the service from it.
            foreach (var body in plan.Bodies)
            {
                var scopeName = UniqueLocal(model!, body.Block, "scope");
                var localName = UniqueLocal(model!, body.Block, plan.LocalName);
                var scopeStatement = body.IsAsync
                    ? SyntaxFactory.ParseStatement($"await using var {scopeName} = {plan.FactoryField}.CreateAsyncScope();")
                    : SyntaxFactory.ParseStatement($"using var {scopeName} = {plan.FactoryField}.CreateScope();");
                var resolveStatement = SyntaxFactory.ParseStatement($"var {localName} = {scopeName}.ServiceProvider.GetRequiredService<{plan.ServiceTypeSyntax}>();");
                foreach (var reference in body.References)
                {
                    editor.ReplaceNode(reference, SyntaxFactory.IdentifierName(localName).WithTriviaFrom(reference));
                }

                editor.InsertBefore(body.Block.Statements[0], new[]
                {
                    scopeStatement.WithTrailingTrivia(SyntaxHelpers.EndOfLine(body.Block)).WithAdditionalAnnotations(Formatter.Annotation),
                    resolveStatement.WithTrailingTrivia(SyntaxHelpers.EndOfLine(body.Block)).WithAdditionalAnnotations(Formatter.Annotation),
                });
            }

            var newRoot = editor.GetChangedRoot();
            if (newRoot is CompilationUnitSyntax unit)
            {
                newRoot = SyntaxHelpers.EnsureUsing(unit, "Microsoft.Extensions.DependencyInjection");
            }

            return await SyntaxHelpers.FormatAsync(document, newRoot, cancellationToken).ConfigureAwait(false);
        }

        private static string UniqueLocal(SemanticModel model, BlockSyntax block, string baseName)
        {
            var taken = model.LookupSymbols(block.Statements.Count > 0 ? block.Statements[0].SpanStart : block.SpanStart).Select(s => s.Name).ToImmutableHashSet();
            var declared = block.DescendantNodes().OfType<VariableDeclaratorSyntax>().Select(v => v.Identifier.ValueText).ToImmutableHashSet();
            var candidate = baseName;
            for (var i = 1; taken.Contains(candidate) || declared.Contains(candidate); i++)
            {
                candidate = baseName + i;
            }

            return candidate;
        }

        private sealed class UnitOfWorkBody
        {
            public UnitOfWorkBody(BlockSyntax block, bool isAsync)
            {
                Block = block;
                IsAsync = isAsync;
            }

            public BlockSyntax Block { get; }

            public bool IsAsync { get; }

            public List<ExpressionSyntax> References { get; } = new List<ExpressionSyntax>();
        }

        private sealed class Plan
        {
            public AssignmentExpressionSyntax Assignment { get; private set; } = null!;
            public ParameterSyntax Parameter { get; private set; } = null!;
            public FieldDeclarationSyntax FieldDeclaration { get; private set; } = null!;
            public string FactoryField { get; private set; } = null!;
            public string FactoryParameter { get; private set; } = null!;
            public string LocalName { get; private set; } = null!;
            public string ServiceTypeSyntax { get; private set; } = null!;
            public List<UnitOfWorkBody> Bodies { get; } = new List<UnitOfWorkBody>();

            public static Plan? Create(SyntaxNode node, SemanticModel model, Microsoft.CodeAnalysis.Diagnostics.AnalyzerOptions options, CancellationToken cancellationToken)
            {
                var assignment = node.FirstAncestorOrSelf<AssignmentExpressionSyntax>();
                var constructor = assignment?.FirstAncestorOrSelf<ConstructorDeclarationSyntax>();
                if (assignment is null || constructor is null || constructor.Parent is not TypeDeclarationSyntax type
                    || model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is not IFieldSymbol field
                    || model.GetSymbolInfo(assignment.Right, cancellationToken).Symbol is not IParameterSymbol parameter
                    || field.DeclaredAccessibility != Accessibility.Private
                    || field.DeclaringSyntaxReferences.Length != 1
                    || field.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Parent: FieldDeclarationSyntax fieldDeclaration } declaration }
                    || declaration.Variables.Count != 1
                    || parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not ParameterSyntax parameterSyntax
                    || parameterSyntax.Type is null
                    || model.GetDeclaredSymbol(type, cancellationToken) is not INamedTypeSymbol typeSymbol
                    || typeSymbol.DeclaringSyntaxReferences.Length != 1)
                {
                    return null;
                }

                // The parameter is used only for this assignment.
                var parameterUses = constructor.DescendantNodes().OfType<IdentifierNameSyntax>()
                    .Count(i => i.Identifier.ValueText == parameter.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(i, cancellationToken).Symbol, parameter));
                if (parameterUses != 1)
                {
                    return null;
                }

                var plan = new Plan
                {
                    Assignment = assignment,
                    Parameter = parameterSyntax,
                    FieldDeclaration = fieldDeclaration,
                    FactoryField = field.Name.StartsWith("_", System.StringComparison.Ordinal) ? SyntaxHelpers.UniqueMemberName(typeSymbol, "_scopeFactory") : SyntaxHelpers.UniqueMemberName(typeSymbol, "scopeFactory"),
                    FactoryParameter = constructor.ParameterList.Parameters.Any(p => p.Identifier.ValueText == "scopeFactory") ? "serviceScopeFactory" : "scopeFactory",
                    LocalName = field.Name.TrimStart('_') is { Length: > 0 } trimmed ? trimmed : "service",
                    ServiceTypeSyntax = parameterSyntax.Type.WithoutTrivia().ToString(),
                };

                // Every other use of the field must sit directly in a unit-of-work body.
                var recognizer = HandlerRecognizer.Create(model.Compilation, options);
                foreach (var identifier in type.DescendantNodes().OfType<IdentifierNameSyntax>())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (identifier.Identifier.ValueText != field.Name || identifier == assignment.Left || identifier.Parent == assignment.Left
                        || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, field))
                    {
                        continue;
                    }

                    ExpressionSyntax reference = identifier.Parent is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } member && member.Name == identifier ? member : identifier;
                    if (model.GetOperation(reference, cancellationToken) is not { } operation)
                    {
                        return null;
                    }

                    var code = recognizer.Classify(operation, cancellationToken);
                    BlockSyntax? block = null;
                    if (code.Kind == HandlerCodeKind.WorkerLoopBody && code.Loop?.Body?.Syntax is BlockSyntax loopBody && code.ContainingMember is IMethodSymbol { MethodKind: MethodKind.Ordinary })
                    {
                        block = loopBody;
                    }
                    else if (code.Kind == HandlerCodeKind.EntryPointBody && code.ContainingMember is IMethodSymbol { MethodKind: MethodKind.Ordinary } method
                        && method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is MethodDeclarationSyntax { Body: { } methodBody })
                    {
                        block = methodBody;
                    }

                    if (block is null || block.Statements.Count == 0)
                    {
                        return null;
                    }

                    var body = plan.Bodies.FirstOrDefault(b => b.Block == block);
                    if (body is null)
                    {
                        body = new UnitOfWorkBody(block, SyntaxHelpers.InAsyncMethod(block));
                        plan.Bodies.Add(body);
                    }

                    body.References.Add(reference);
                }

                // Nested bodies (a loop inside an entry point that is also a unit of work) would open two scopes.
                if (plan.Bodies.Count == 0 || plan.Bodies.Any(b => plan.Bodies.Any(o => o != b && o.Block.Span.Contains(b.Block.Span))))
                {
                    return null;
                }

                return plan;
            }
        }
    }

    /// <summary>
    /// MEM041: move the scope or context (and the services resolved from it) into the loop body with <c>using</c>,
    /// or, for a DbContext that must stay outside, clear its change tracker at the end of each iteration.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ScopeReusedAcrossIterationsCodeFix)), Shared]
    public sealed class ScopeReusedAcrossIterationsCodeFix : CodeFixBase
    {
        public const string MoveKey = "MEM041_MoveIntoLoop";
        public const string ClearKey = "MEM041_ClearChangeTracker";

        public ScopeReusedAcrossIterationsCodeFix()
            : base(RuleIds.ScopeReusedAcrossIterations)
        {
        }

        /// <summary>Fix All: the move where it is possible, else (a DbContext) the clear.</summary>
        protected override async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (model is null)
            {
                return document;
            }

            if (MovePlan.Create(node, model, cancellationToken) is not null)
            {
                return await MoveAsync(document, node, diagnostic, cancellationToken).ConfigureAwait(false);
            }

            return diagnostic.Properties.TryGetValue(ScopeReusedAcrossIterationsAnalyzer.KindProperty, out var kind) && kind == ScopeReusedAcrossIterationsAnalyzer.DbContextKind
                   && ClearPlan(node, model, cancellationToken) is { } clear
                ? await ClearAsync(document, clear.Local, clear.Body, cancellationToken).ConfigureAwait(false)
                : document;
        }

        protected override void RegisterFixes(FixSite site)
        {
            var (document, node, diagnostic) = (site.Document, site.Node, site.Diagnostic);
            if (MovePlan.Create(node, site.Model, site.CancellationToken) is not null)
            {
                site.Register("Create it in every iteration", MoveKey, ct => MoveAsync(document, node, diagnostic, ct));
            }
            else if (site.Property(ScopeReusedAcrossIterationsAnalyzer.KindProperty) == ScopeReusedAcrossIterationsAnalyzer.DbContextKind
                && ClearPlan(node, site.Model, site.CancellationToken) is { } clear)
            {
                site.Register("Clear the change tracker after each iteration", ClearKey, ct => ClearAsync(document, clear.Local, clear.Body, ct));
            }
        }

        private static async Task<Document> MoveAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var plan = model is null ? null : MovePlan.Create(node, model, cancellationToken);
            if (plan is null)
            {
                return document;
            }

            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var moved = new List<StatementSyntax>();
            for (var i = 0; i < plan.Statements.Count; i++)
            {
                var statement = plan.Statements[i];
                if (i == 0 && plan.IsDisposable)
                {
                    statement = SyntaxHelpers.WithUsing(statement, plan.UseAwait);
                }

                moved.Add(statement.WithAdditionalAnnotations(Formatter.Annotation));
                editor.RemoveNode(plan.Statements[i], SyntaxRemoveOptions.KeepNoTrivia);
            }

            editor.InsertBefore(plan.LoopBody.Statements[0], moved);
            return await SyntaxHelpers.FormatAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
        }

        private static (string Local, BlockSyntax Body)? ClearPlan(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
        {
            var statement = node.FirstAncestorOrSelf<LocalDeclarationStatementSyntax>();
            if (statement is null || statement.Declaration.Variables.Count != 1 || statement.Parent is not BlockSyntax block)
            {
                return null;
            }

            var name = statement.Declaration.Variables[0].Identifier.ValueText;
            var loop = block.Statements.Skip(block.Statements.IndexOf(statement) + 1)
                .FirstOrDefault(s => SyntaxHelpers.IsLoop(s) && s.DescendantNodes().OfType<IdentifierNameSyntax>().Any(i => i.Identifier.ValueText == name));
            var body = SyntaxHelpers.LoopBlock(loop);

            // A `continue` would skip the clear at the end of the body.
            if (body is null || body.DescendantNodes().OfType<ContinueStatementSyntax>().Any())
            {
                return null;
            }

            return (name, body);
        }

        private static async Task<Document> ClearAsync(Document document, string local, BlockSyntax body, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document;
            }

            var clear = SyntaxFactory.ParseStatement($"{local}.ChangeTracker.Clear();").WithTrailingTrivia(SyntaxHelpers.EndOfLine(body)).WithAdditionalAnnotations(Formatter.Annotation);
            var newRoot = root.ReplaceNode(body, body.AddStatements(clear));
            return await SyntaxHelpers.FormatAsync(document, newRoot, cancellationToken).ConfigureAwait(false);
        }

        private sealed class MovePlan
        {
            public List<LocalDeclarationStatementSyntax> Statements { get; } = new List<LocalDeclarationStatementSyntax>();
            public BlockSyntax LoopBody { get; private set; } = null!;
            public bool IsDisposable { get; private set; }
            public bool UseAwait { get; private set; }

            public static MovePlan? Create(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
            {
                var statement = node.FirstAncestorOrSelf<LocalDeclarationStatementSyntax>();
                if (statement is null || statement.Declaration.Variables.Count != 1 || statement.Parent is not BlockSyntax block
                    || model.GetDeclaredSymbol(statement.Declaration.Variables[0], cancellationToken) is not ILocalSymbol local)
                {
                    return null;
                }

                var index = block.Statements.IndexOf(statement);
                var plan = new MovePlan();
                plan.Statements.Add(statement);
                var locals = new List<ILocalSymbol> { local };

                StatementSyntax? loop = null;
                for (var i = index + 1; i < block.Statements.Count; i++)
                {
                    var candidate = block.Statements[i];
                    if (candidate is LocalDeclarationStatementSyntax dependent && dependent.Declaration.Variables.Count == 1
                        && References(dependent, locals, model, cancellationToken)
                        && model.GetDeclaredSymbol(dependent.Declaration.Variables[0], cancellationToken) is ILocalSymbol dependentLocal)
                    {
                        plan.Statements.Add(dependent);
                        locals.Add(dependentLocal);
                        continue;
                    }

                    if (References(candidate, locals, model, cancellationToken))
                    {
                        if (loop is not null || !SyntaxHelpers.IsLoop(candidate))
                        {
                            return null; // used outside the loop, or by two statements
                        }

                        loop = candidate;
                    }
                }

                var body = SyntaxHelpers.LoopBlock(loop);

                // Only the loop's body may use them (not its condition or header).
                if (body is null || body.Statements.Count == 0 || loop is null
                    || References(loop, locals, model, cancellationToken, exclude: body))
                {
                    return null;
                }

                plan.LoopBody = body;
                var type = local.Type;
                plan.IsDisposable = type.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_IDisposable || i.Name == "IAsyncDisposable") || type.SpecialType == SpecialType.System_IDisposable;
                plan.UseAwait = SyntaxHelpers.InAsyncMethod(block) && type.AllInterfaces.Any(i => i.Name == "IAsyncDisposable" && i.ContainingNamespace?.ToDisplayString() == "System");
                return plan;
            }

            private static bool References(SyntaxNode node, List<ILocalSymbol> locals, SemanticModel model, CancellationToken cancellationToken, SyntaxNode? exclude = null)
            {
                foreach (var identifier in node.DescendantNodes().OfType<IdentifierNameSyntax>())
                {
                    if (exclude is not null && exclude.Span.Contains(identifier.Span))
                    {
                        continue;
                    }

                    if (locals.Any(l => l.Name == identifier.Identifier.ValueText)
                        && model.GetSymbolInfo(identifier, cancellationToken).Symbol is ILocalSymbol referenced
                        && locals.Contains(referenced, SymbolEqualityComparer.Default))
                    {
                        return true;
                    }
                }

                return false;
            }
        }
    }
}
