using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using MemoryRetention.Analyzers;
using MemoryRetention.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// MEM031 / MEM032 / MEM033: dispose the registration, token source or periodic timer with <c>using var</c>
    /// (the same rewrite as MEM020). Offered only where the analyzer marked <c>using</c> as safe.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SubscriptionHandleCodeFix)), Shared]
    public sealed class SubscriptionHandleCodeFix : CodeFixProvider
    {
        public const string EquivalenceKey = "MEM03x_AddUsing";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
            RuleIds.TokenRegistrationNotDisposed,
            RuleIds.LinkedTokenSourceNotDisposed,
            RuleIds.TimerNotDisposed);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return;
            }

            foreach (var diagnostic in context.Diagnostics)
            {
                if (!diagnostic.Properties.TryGetValue(SubscriptionHandleAnalyzer.FixProperty, out var fix) || fix != SubscriptionHandleAnalyzer.UsingFix)
                {
                    continue;
                }

                var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                var plan = UsingPlan.Create(node, model, context.CancellationToken);
                if (plan is null)
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(plan.IsAwait ? "Dispose with 'await using'" : "Dispose with 'using'", ct => plan.ApplyAsync(context.Document, ct), EquivalenceKey),
                    diagnostic);
            }
        }
    }
}
