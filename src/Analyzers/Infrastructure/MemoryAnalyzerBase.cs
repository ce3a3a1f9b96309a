using Microsoft.CodeAnalysis.Diagnostics;

namespace MemoryRetention.Analyzers.Infrastructure
{
    /// <summary>
    /// The base of every rule: concurrent execution, generated code skipped, and one compilation-start hook where
    /// the rule resolves its well-known symbols and registers its actions (or nothing, when they are absent). The hook
    /// runs on the rule's first callback, not at compilation start (<see cref="DeferredStart"/>), so a rule declares
    /// the kinds of actions it can register (<see cref="Actions"/>).
    /// </summary>
    public abstract class MemoryAnalyzerBase : DiagnosticAnalyzer
    {
        public sealed override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            var actions = Actions;
            context.RegisterCompilationStartAction(start => DeferredStart.Register(start, actions, OnCompilationStart));
        }

        /// <summary>
        /// Every kind of operation, symbol and symbol-start action <see cref="OnCompilationStart"/> can register on its
        /// context, on any compilation (a superset is fine; a kind left out throws when registered).
        /// </summary>
        protected abstract RuleActions Actions { get; }

        /// <summary>Resolve symbols for this compilation and register actions (run once per compilation, on the rule's first callback).</summary>
        protected abstract void OnCompilationStart(CompilationStartAnalysisContext context);

        /// <summary>Runs the hook against a recording context (tests: what a rule registers on a compilation).</summary>
        internal (System.Collections.Generic.IReadOnlyCollection<Microsoft.CodeAnalysis.OperationKind> Operations, System.Collections.Generic.IReadOnlyCollection<Microsoft.CodeAnalysis.SymbolKind> Symbols, System.Collections.Generic.IReadOnlyCollection<Microsoft.CodeAnalysis.SymbolKind> SymbolStarts) RecordRegistrations(Microsoft.CodeAnalysis.Compilation compilation, AnalyzerOptions options)
            => DeferredStart.Record(compilation, options, OnCompilationStart);

        /// <summary>The declared kinds (tests).</summary>
        internal RuleActions DeclaredActions => Actions;
    }
}
