using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers.Infrastructure
{
    /// <summary>
    /// Deterministic work counters per syntax tree (operations visited by the shared walks of the method bodies it
    /// declares), so that tests prove linear cost by counting work instead of timing it. Keyed by the tree, which every
    /// compilation built from it shares (the analyzer driver works on its own copy of the compilation); weakly, so
    /// nothing outlives the tree.
    /// </summary>
    internal sealed class WorkCounters
    {
        private static readonly ConditionalWeakTable<SyntaxTree, WorkCounters> PerTree = new ConditionalWeakTable<SyntaxTree, WorkCounters>();

        private long _operationsVisited;
        private long _bodiesWalked;
        private long _callSiteScans;
        private long _registrationCallsBound;

        public static WorkCounters Of(SyntaxTree tree) => PerTree.GetValue(tree, _ => new WorkCounters());

        /// <summary>Operations visited by the shared walks of method bodies (LocalReferenceIndex).</summary>
        public long OperationsVisited => Interlocked.Read(ref _operationsVisited);

        /// <summary>Method bodies walked by them.</summary>
        public long BodiesWalked => Interlocked.Read(ref _bodiesWalked);

        /// <summary>Times reachability's syntax index scanned this tree (once per tree, whatever the number of compilations sharing it).</summary>
        public long CallSiteScans => Interlocked.Read(ref _callSiteScans);

        public void CallSitesScanned() => Interlocked.Increment(ref _callSiteScans);

        /// <summary>Registration calls of this tree the registration index bound (0 while no rule needed the index).</summary>
        public long RegistrationCallsBound => Interlocked.Read(ref _registrationCallsBound);

        public void RegistrationCallBound() => Interlocked.Increment(ref _registrationCallsBound);

        public void BodyWalked(int operations)
        {
            Interlocked.Add(ref _operationsVisited, operations);
            Interlocked.Increment(ref _bodiesWalked);
        }
    }
}
