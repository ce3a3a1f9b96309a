using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MemoryRetention.Analyzers.Infrastructure
{
    /// <summary>The kinds of actions a rule's compilation-start hook may register (a superset: what it can register on any compilation).</summary>
    public sealed class RuleActions
    {
        public RuleActions(ImmutableArray<OperationKind> operations, ImmutableArray<SymbolKind> symbols = default, ImmutableArray<SymbolKind> symbolStarts = default)
        {
            Operations = operations.IsDefault ? ImmutableArray<OperationKind>.Empty : operations;
            Symbols = symbols.IsDefault ? ImmutableArray<SymbolKind>.Empty : symbols;
            SymbolStarts = symbolStarts.IsDefault ? ImmutableArray<SymbolKind>.Empty : symbolStarts;
        }

        /// <summary>Operation kinds of <c>RegisterOperationAction</c>.</summary>
        public ImmutableArray<OperationKind> Operations { get; }

        /// <summary>Symbol kinds of <c>RegisterSymbolAction</c>.</summary>
        public ImmutableArray<SymbolKind> Symbols { get; }

        /// <summary>Symbol kinds of <c>RegisterSymbolStartAction</c>.</summary>
        public ImmutableArray<SymbolKind> SymbolStarts { get; }

        public static RuleActions Of(params OperationKind[] operations) => new RuleActions(ImmutableArray.Create(operations));
    }

    /// <summary>
    /// A rule's compilation-start hook, run on the rule's first callback instead of at compilation start. At compilation
    /// start the compiler is still binding the references and declaring the symbols (csc runs its declaration stage on the
    /// main thread while the analyzers start), so the first analyzer that asks for a type waits for that work, or does it,
    /// and is charged for it: in a cold compiler process that was most of our fixed cost (the tiny worker: 250–325 ms in
    /// the first rule's start, profiled). Deferred, the hook runs when the driver hands the rule its first operation or
    /// symbol — after the compiler has bound what the rule's look-ups need — and not at all in a compilation that has
    /// nothing of the declared kinds.
    /// </summary>
    /// <remarks>
    /// At compilation start one forwarding action is registered per declared kind (<see cref="RuleActions"/>); the hook
    /// then runs once, against this context, which records its registrations, and each callback is dispatched to what was
    /// recorded for its kind. Registering a kind the rule did not declare is a bug in the rule: it throws (and
    /// <c>DeferredStartTests</c> runs every rule's hook with every framework referenced, so it fails in the tests).
    /// Registrations on a symbol-start context are the driver's own, unchanged.
    /// </remarks>
    internal sealed class DeferredStart : CompilationStartAnalysisContext
    {
        private readonly RuleActions _declared;
        private readonly Action<CompilationStartAnalysisContext> _hook;
        private readonly object _gate = new object();
        private readonly Dictionary<OperationKind, List<Action<OperationAnalysisContext>>> _operations = new Dictionary<OperationKind, List<Action<OperationAnalysisContext>>>();
        private readonly Dictionary<SymbolKind, List<Action<SymbolAnalysisContext>>> _symbols = new Dictionary<SymbolKind, List<Action<SymbolAnalysisContext>>>();
        private readonly Dictionary<SymbolKind, List<Action<SymbolStartAnalysisContext>>> _symbolStarts = new Dictionary<SymbolKind, List<Action<SymbolStartAnalysisContext>>>();
        private volatile bool _started;
        private bool _recording;

        private DeferredStart(Compilation compilation, AnalyzerOptions options, System.Threading.CancellationToken cancellationToken, RuleActions declared, Action<CompilationStartAnalysisContext> hook)
            : base(compilation, options, cancellationToken)
        {
            _declared = declared;
            _hook = hook;
        }

        /// <summary>Registers the forwarding actions on the real compilation-start context.</summary>
        public static void Register(CompilationStartAnalysisContext real, RuleActions declared, Action<CompilationStartAnalysisContext> hook)
        {
            var deferred = new DeferredStart(real.Compilation, real.Options, real.CancellationToken, declared, hook);
            if (!declared.Operations.IsEmpty)
            {
                real.RegisterOperationAction(deferred.OnOperation, declared.Operations);
            }

            if (!declared.Symbols.IsEmpty)
            {
                real.RegisterSymbolAction(deferred.OnSymbol, declared.Symbols);
            }

            foreach (var kind in declared.SymbolStarts)
            {
                real.RegisterSymbolStartAction(deferred.OnSymbolStart, kind);
            }
        }

        /// <summary>Runs the hook against a recording context and returns what it registered (for tests).</summary>
        internal static (IReadOnlyCollection<OperationKind> Operations, IReadOnlyCollection<SymbolKind> Symbols, IReadOnlyCollection<SymbolKind> SymbolStarts) Record(
            Compilation compilation, AnalyzerOptions options, Action<CompilationStartAnalysisContext> hook)
        {
            var all = new RuleActions(
                ImmutableArray.CreateRange((OperationKind[])Enum.GetValues(typeof(OperationKind))),
                ImmutableArray.CreateRange((SymbolKind[])Enum.GetValues(typeof(SymbolKind))),
                ImmutableArray.CreateRange((SymbolKind[])Enum.GetValues(typeof(SymbolKind))));
            var deferred = new DeferredStart(compilation, options, System.Threading.CancellationToken.None, all, hook);
            deferred.EnsureStarted();
            return (deferred._operations.Keys, deferred._symbols.Keys, deferred._symbolStarts.Keys);
        }

        private void EnsureStarted()
        {
            if (_started)
            {
                return;
            }

            lock (_gate)
            {
                if (_started)
                {
                    return;
                }

                _recording = true;
                try
                {
                    _hook(this);
                }
                finally
                {
                    // Once, even if the hook threw (the driver reports that exception once, as it did at compilation start).
                    _recording = false;
                    _started = true;
                }
            }
        }

        private void OnOperation(OperationAnalysisContext context) => Dispatch(_operations, context.Operation.Kind, context);

        private void OnSymbol(SymbolAnalysisContext context) => Dispatch(_symbols, context.Symbol.Kind, context);

        private void OnSymbolStart(SymbolStartAnalysisContext context) => Dispatch(_symbolStarts, context.Symbol.Kind, context);

        // Runs the hook on the first callback, then what it registered for this kind (the tables are read-only after it).
        private void Dispatch<TKind, TContext>(Dictionary<TKind, List<Action<TContext>>> table, TKind kind, TContext context)
            where TKind : notnull
        {
            EnsureStarted();
            if (table.TryGetValue(kind, out var actions))
            {
                foreach (var action in actions)
                {
                    action(context);
                }
            }
        }

        private static void Add<TKind, TAction>(Dictionary<TKind, List<TAction>> table, TKind kind, TAction action)
            where TKind : notnull
        {
            if (!table.TryGetValue(kind, out var list))
            {
                table[kind] = list = new List<TAction>();
            }

            list.Add(action);
        }

        private void CheckRecording()
        {
            if (!_recording)
            {
                throw new InvalidOperationException("Actions are registered only while the rule's compilation-start hook runs.");
            }
        }

        public override void RegisterOperationAction(Action<OperationAnalysisContext> action, ImmutableArray<OperationKind> operationKinds)
        {
            CheckRecording();
            foreach (var kind in operationKinds)
            {
                if (!_declared.Operations.Contains(kind))
                {
                    throw new InvalidOperationException($"The rule registers an operation action for {kind}, which its RuleActions do not declare.");
                }

                Add(_operations, kind, action);
            }
        }

        public override void RegisterSymbolAction(Action<SymbolAnalysisContext> action, ImmutableArray<SymbolKind> symbolKinds)
        {
            CheckRecording();
            foreach (var kind in symbolKinds)
            {
                if (!_declared.Symbols.Contains(kind))
                {
                    throw new InvalidOperationException($"The rule registers a symbol action for {kind}, which its RuleActions do not declare.");
                }

                Add(_symbols, kind, action);
            }
        }

        public override void RegisterSymbolStartAction(Action<SymbolStartAnalysisContext> action, SymbolKind symbolKind)
        {
            CheckRecording();
            if (!_declared.SymbolStarts.Contains(symbolKind))
            {
                throw new InvalidOperationException($"The rule registers a symbol-start action for {symbolKind}, which its RuleActions do not declare.");
            }

            Add(_symbolStarts, symbolKind, action);
        }

        public override void RegisterCompilationEndAction(Action<CompilationAnalysisContext> action) => throw Unsupported();

        public override void RegisterSemanticModelAction(Action<SemanticModelAnalysisContext> action) => throw Unsupported();

        public override void RegisterCodeBlockStartAction<TLanguageKindEnum>(Action<CodeBlockStartAnalysisContext<TLanguageKindEnum>> action) => throw Unsupported();

        public override void RegisterCodeBlockAction(Action<CodeBlockAnalysisContext> action) => throw Unsupported();

        public override void RegisterSyntaxTreeAction(Action<SyntaxTreeAnalysisContext> action) => throw Unsupported();

        public override void RegisterSyntaxNodeAction<TLanguageKindEnum>(Action<SyntaxNodeAnalysisContext> action, ImmutableArray<TLanguageKindEnum> syntaxKinds) => throw Unsupported();

        public override void RegisterOperationBlockStartAction(Action<OperationBlockStartAnalysisContext> action) => throw Unsupported();

        public override void RegisterOperationBlockAction(Action<OperationBlockAnalysisContext> action) => throw Unsupported();

        private static NotSupportedException Unsupported()
            => new NotSupportedException("A deferred compilation-start hook registers operation, symbol and symbol-start actions only (see Infrastructure/DeferredStart).");
    }
}
