using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Flow
{
    /// <summary>
    /// Per compilation: for each method body (operation root) that a rule asks about, its local declarators and local
    /// references grouped by local, built with one walk of the body. Keeps ownership analysis linear in the size of a
    /// body however many objects it creates. Create one per compilation start; thread-safe.
    /// </summary>
    public sealed class LocalReferenceIndex
    {
        private static readonly IReadOnlyList<IOperation> None = new IOperation[0];
        private readonly ConcurrentDictionary<IOperation, Dictionary<ILocalSymbol, List<IOperation>>> _byRoot = new ConcurrentDictionary<IOperation, Dictionary<ILocalSymbol, List<IOperation>>>();

        /// <summary>The declarators and references of <paramref name="local"/> in the body <paramref name="root"/>, in tree order.</summary>
        public IReadOnlyList<IOperation> Get(IOperation root, ILocalSymbol local, CancellationToken cancellationToken)
        {
            var map = _byRoot.GetOrAdd(root, r => Build(r, cancellationToken));
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
