using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace MemoryRetention.CodeFixes.Infrastructure
{
    /// <summary>
    /// A Fix All that applies a document's fixes one after another on the evolving document, so that fixes which
    /// touch the same region (a new Dispose method, a try/finally around the rest of a block) compose in one pass —
    /// which is all <c>dotnet format</c> runs. Each diagnostic's node is tracked with an annotation.
    /// </summary>
    internal static class SequentialFixAllProvider
    {
        public static FixAllProvider Create(Func<Document, SyntaxNode, Diagnostic, CancellationToken, Task<Document>> apply)
            => Create((document, node, diagnostic, _, cancellationToken) => apply(document, node, diagnostic, cancellationToken));

        /// <summary>As above, for a fixer that offers several actions: the chosen action's equivalence key is passed on.</summary>
        public static FixAllProvider Create(Func<Document, SyntaxNode, Diagnostic, string?, CancellationToken, Task<Document>> apply)
            => FixAllProvider.Create(async (context, document, diagnostics) =>
            {
                var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
                if (root is null || diagnostics.IsDefaultOrEmpty)
                {
                    return document;
                }

                var targets = new List<(SyntaxAnnotation Annotation, Diagnostic Diagnostic)>();
                var annotationsByNode = new Dictionary<SyntaxNode, List<SyntaxAnnotation>>();
                foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
                {
                    if (!diagnostic.Location.IsInSource || diagnostic.Location.SourceTree != root.SyntaxTree)
                    {
                        continue;
                    }

                    var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                    var annotation = new SyntaxAnnotation("MemoryRetention.FixAll");
                    if (!annotationsByNode.TryGetValue(node, out var list))
                    {
                        annotationsByNode[node] = list = new List<SyntaxAnnotation>();
                    }

                    list.Add(annotation);
                    targets.Add((annotation, diagnostic));
                }

                var annotated = root.ReplaceNodes(annotationsByNode.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(annotationsByNode[original]));
                var current = document.WithSyntaxRoot(annotated);
                foreach (var (annotation, diagnostic) in targets)
                {
                    context.CancellationToken.ThrowIfCancellationRequested();
                    var currentRoot = await current.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
                    var node = currentRoot?.GetAnnotatedNodes(annotation).FirstOrDefault();
                    if (node is null)
                    {
                        continue;
                    }

                    current = await apply(current, node, diagnostic, context.CodeActionEquivalenceKey, context.CancellationToken).ConfigureAwait(false);
                }

                return current;
            });
    }
}
