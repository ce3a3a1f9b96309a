using System;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace MemoryRetention.CodeFixes.Infrastructure
{
    /// <summary>
    /// The skeleton every fixer shares: the rule ids it fixes (from the constructor), a sequential Fix All that runs
    /// <see cref="FixAsync"/> once per diagnostic on the evolving document, and a <c>RegisterCodeFixesAsync</c> that reads
    /// the root and the semantic model once, skips diagnostics of other rules or outside the document, finds each
    /// diagnostic's node (innermost for a tie) and hands it to <see cref="RegisterFixes"/>.
    /// </summary>
    public abstract class CodeFixBase : CodeFixProvider
    {
        protected CodeFixBase(params string[] diagnosticIds)
        {
            FixableDiagnosticIds = ImmutableArray.Create(diagnosticIds);
        }

        public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

        /// <summary>Fix All: <see cref="FixAsync"/> for each diagnostic of the scope, one after another.</summary>
        public override FixAllProvider GetFixAllProvider() => SequentialFixAllProvider.Create(FixAsync);

        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                if (!FixableDiagnosticIds.Contains(diagnostic.Id) || !root.FullSpan.Contains(diagnostic.Location.SourceSpan))
                {
                    continue;
                }

                var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                RegisterFixes(new FixSite(this, context, diagnostic, node, model));
            }
        }

        /// <summary>
        /// The rewrite for <paramref name="diagnostic"/> at <paramref name="node"/> of <paramref name="document"/> (the
        /// current one, in Fix All); the unchanged document when it no longer applies.
        /// </summary>
        protected abstract Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken);

        /// <summary>Registers the actions offered for one diagnostic of this fixer's rules (none when no safe rewrite exists).</summary>
        protected abstract void RegisterFixes(FixSite site);

        /// <summary>One diagnostic being offered fixes: its node, the document's semantic model, and the registration calls.</summary>
        public sealed class FixSite
        {
            private readonly CodeFixBase _fixer;
            private readonly CodeFixContext _context;

            internal FixSite(CodeFixBase fixer, CodeFixContext context, Diagnostic diagnostic, SyntaxNode node, SemanticModel model)
            {
                _fixer = fixer;
                _context = context;
                Diagnostic = diagnostic;
                Node = node;
                Model = model;
            }

            public Document Document => _context.Document;

            public Diagnostic Diagnostic { get; }

            /// <summary>The node at the diagnostic's span (innermost for a tie).</summary>
            public SyntaxNode Node { get; }

            public SemanticModel Model { get; }

            public CancellationToken CancellationToken => _context.CancellationToken;

            /// <summary>The diagnostic's property <paramref name="name"/>, or null when it has none.</summary>
            public string? Property(string name) => Diagnostic.Properties.TryGetValue(name, out var value) ? value : null;

            public bool HasProperty(string name) => Diagnostic.Properties.ContainsKey(name);

            /// <summary>Offers the fixer's own <see cref="FixAsync"/> (what Fix All applies) for this diagnostic.</summary>
            public void Register(string title, string equivalenceKey)
            {
                var document = Document;
                var node = Node;
                var diagnostic = Diagnostic;
                var fixer = _fixer;
                Register(title, equivalenceKey, ct => fixer.FixAsync(document, node, diagnostic, ct));
            }

            /// <summary>Offers <paramref name="createChangedDocument"/> for this diagnostic.</summary>
            public void Register(string title, string equivalenceKey, Func<CancellationToken, Task<Document>> createChangedDocument)
                => _context.RegisterCodeFix(CodeAction.Create(title, createChangedDocument, equivalenceKey), Diagnostic);
        }
    }
}
