using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using MemoryRetention.Analyzers;
using MemoryRetention.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using MemoryRetention.CodeFixes.Infrastructure;

namespace MemoryRetention.CodeFixes
{
    /// <summary>
    /// The shared shape of the MEM031 / MEM032 / MEM033 fixers: dispose the registration, token source or periodic timer
    /// with <c>using var</c> (the same rewrite as MEM020), only where the analyzer marked <c>using</c> as safe.
    /// One fixer per rule, so that <c>dotnet format</c> applies each rule's Fix All independently.
    /// </summary>
    public abstract class SubscriptionHandleCodeFixBase : CodeFixProvider
    {
        private readonly string _equivalenceKey;

        protected SubscriptionHandleCodeFixBase(string id)
        {
            FixableDiagnosticIds = ImmutableArray.Create(id);
            _equivalenceKey = id + "_AddUsing";
        }

        public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

        // Applies every fixable diagnostic of the scope, whatever the equivalence key (see UndisposedHandlerDisposableCodeFix).
        public sealed override FixAllProvider GetFixAllProvider() => SequentialFixAllProvider.Create(ApplyAsync);

        private static Task<Document> ApplyAsync(Document document, SyntaxNode node, Diagnostic diagnostic, System.Threading.CancellationToken cancellationToken)
            => diagnostic.Properties.TryGetValue(SubscriptionHandleAnalyzer.FixProperty, out var fix) && fix == SubscriptionHandleAnalyzer.UsingFix
                ? UsingPlan.ApplyToNodeAsync(document, node, diagnostic, cancellationToken)
                : Task.FromResult(document);

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
                if (!FixableDiagnosticIds.Contains(diagnostic.Id)
                    || !diagnostic.Properties.TryGetValue(SubscriptionHandleAnalyzer.FixProperty, out var fix) || fix != SubscriptionHandleAnalyzer.UsingFix)
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
                    CodeAction.Create(plan.IsAwait ? "Dispose with 'await using'" : "Dispose with 'using'", ct => plan.ApplyAsync(context.Document, ct), _equivalenceKey),
                    diagnostic);
            }
        }
    }

    /// <summary>MEM031: <c>using var registration = token.Register(...)</c>.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TokenRegistrationCodeFix)), Shared]
    public sealed class TokenRegistrationCodeFix : SubscriptionHandleCodeFixBase
    {
        public TokenRegistrationCodeFix()
            : base(RuleIds.TokenRegistrationNotDisposed)
        {
        }
    }

    /// <summary>MEM032: <c>using var</c> for a linked or timed token source.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LinkedTokenSourceCodeFix)), Shared]
    public sealed class LinkedTokenSourceCodeFix : SubscriptionHandleCodeFixBase
    {
        public LinkedTokenSourceCodeFix()
            : base(RuleIds.LinkedTokenSourceNotDisposed)
        {
        }
    }

    /// <summary>MEM033: <c>using var</c> for a periodic timer.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TimerCodeFix)), Shared]
    public sealed class TimerCodeFix : SubscriptionHandleCodeFixBase
    {
        public TimerCodeFix()
            : base(RuleIds.TimerNotDisposed)
        {
        }
    }
}
