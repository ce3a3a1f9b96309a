using Microsoft.CodeAnalysis.Diagnostics;

namespace MemoryRetention.Analyzers.Infrastructure
{
    /// <summary>
    /// The base of every rule: concurrent execution, generated code skipped, and one compilation-start hook where
    /// the rule resolves its well-known symbols and registers its actions (or nothing, when they are absent).
    /// </summary>
    public abstract class MemoryAnalyzerBase : DiagnosticAnalyzer
    {
        public sealed override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(OnCompilationStart);
        }

        /// <summary>Resolve symbols for this compilation and register actions.</summary>
        protected abstract void OnCompilationStart(CompilationStartAnalysisContext context);
    }
}
