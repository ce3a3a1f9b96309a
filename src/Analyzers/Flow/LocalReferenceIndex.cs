using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Flow
{
    /// <summary>
    /// Per compilation: for each method body (operation root) that a rule asks about, its local declarators and local
    /// references grouped by local, built with one walk of the body. Keeps ownership analysis linear in the size of a
    /// body however many objects it creates. One per compilation, shared by every rule (<see cref="For"/>): the driver
    /// hands all analyzers the same operation tree of a body, so a body is walked once for all rules that ask about it,
    /// not once per rule. Thread-safe.
    /// </summary>
    public sealed class LocalReferenceIndex
    {
        private static readonly IReadOnlyList<IOperation> None = new IOperation[0];

        // Weakly keyed by the compilation, so nothing outlives it (the pattern of KnownTypes and HandlerRecognizer).
        private static readonly ConditionalWeakTable<Compilation, LocalReferenceIndex> PerCompilation = new ConditionalWeakTable<Compilation, LocalReferenceIndex>();

        /// <summary>The index of <paramref name="compilation"/>, shared by every rule that follows locals in it.</summary>
        public static LocalReferenceIndex For(Compilation compilation) => PerCompilation.GetValue(compilation, _ => new LocalReferenceIndex());

        private LocalReferenceIndex()
        {
        }

        // Weakly keyed by the body: an index lives as long as the driver keeps the body's operation tree, and does not
        // keep every analysed body of the compilation (and its bound nodes) alive until the compilation ends.
        private readonly ConditionalWeakTable<IOperation, Dictionary<ILocalSymbol, List<IOperation>>> _byRoot = new ConditionalWeakTable<IOperation, Dictionary<ILocalSymbol, List<IOperation>>>();

        /// <summary>The declarators and references of <paramref name="local"/> in the body <paramref name="root"/>, in tree order.</summary>
        public IReadOnlyList<IOperation> Get(IOperation root, ILocalSymbol local, CancellationToken cancellationToken)
        {
            if (!_byRoot.TryGetValue(root, out var map))
            {
                var built = Build(root, cancellationToken);
                map = _byRoot.GetValue(root, _ => built);
            }

            return map.TryGetValue(local, out var list) ? list : None;
        }

        private static Dictionary<ILocalSymbol, List<IOperation>> Build(IOperation root, CancellationToken cancellationToken)
        {
            var map = new Dictionary<ILocalSymbol, List<IOperation>>(SymbolEqualityComparer.Default);
            var visited = 0;
            foreach (var operation in root.Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                visited++;
                ILocalSymbol? local = operation switch
                {
                    IVariableDeclaratorOperation declarator => declarator.Symbol,
                    ILocalReferenceOperation reference => reference.Local,
                    _ => null,
                };

                if (local is null)
                {
                    continue;
                }

                if (!map.TryGetValue(local, out var list))
                {
                    map[local] = list = new List<IOperation>();
                }

                list.Add(operation);
            }

            WorkCounters.Of(root.Syntax.SyntaxTree).BodyWalked(visited);

            return map;
        }
    }
}
