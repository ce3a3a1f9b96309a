using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace MemoryRetention.Retention.Tests.Harness
{
    /// <summary>
    /// Runs a pattern many times (as a worker would run a handler) and measures what it leaves behind after a forced,
    /// blocking, compacting full GC: how many of the objects it tracked are still alive, how much the GC heap grew,
    /// and how many OS handles are still open. Every rule adds a pair of tests — the flagged form and the fixed form —
    /// that call <see cref="Measure"/> and assert with <see cref="RetentionAssert"/>.
    /// </summary>
    public static class RetentionHarness
    {
        /// <summary>Runs <paramref name="invocation"/> <paramref name="invocations"/> times, then collects and measures.</summary>
        public static RetentionResult Measure(int invocations, Action<Tracker> invocation)
            => MeasureAsync(invocations, tracker =>
            {
                invocation(tracker);
                return Task.CompletedTask;
            }).GetAwaiter().GetResult();

        /// <summary>Async form: each invocation is awaited before the next starts.</summary>
        public static async Task<RetentionResult> MeasureAsync(int invocations, Func<Tracker, Task> invocation)
        {
            var tracker = new Tracker();
            ForceFullCollection();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var handlesBefore = OpenHandleCount();

            await RunAsync(invocations, invocation, tracker).ConfigureAwait(false);

            var handlesBeforeCollection = OpenHandleCount();
            ForceFullCollection();
            var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
            var handlesAfter = OpenHandleCount();
            return new RetentionResult(
                invocations,
                tracker.Count,
                tracker.CountAlive(),
                heapAfter - heapBefore,
                handlesBeforeCollection - handlesBefore,
                handlesAfter - handlesBefore);
        }

        /// <summary>Blocking, compacting, aggressive full collections with finalizers run in between (shared by the hand-written pairs and the fix proofs).</summary>
        public static void ForceFullCollection()
        {
            for (var i = 0; i < 3; i++)
            {
                System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }
        }

        /// <summary>Open file descriptors of this process (Linux /proc/self/fd); -1 where that is not available.</summary>
        public static int OpenHandleCount()
        {
            const string fd = "/proc/self/fd";
            return Directory.Exists(fd) ? Directory.GetFiles(fd).Length : -1;
        }

        // Not inlined, so no local of the loop stays reachable from the caller's frame.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static async Task RunAsync(int invocations, Func<Tracker, Task> invocation, Tracker tracker)
        {
            for (var i = 0; i < invocations; i++)
            {
                await invocation(tracker).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Collects weak references to the objects an invocation creates.</summary>
    public sealed class Tracker
    {
        private readonly List<WeakReference> _references = new List<WeakReference>();
        private readonly object _gate = new object();

        /// <summary>Tracks <paramref name="value"/> weakly and returns it.</summary>
        public T Track<T>(T value)
            where T : class
        {
            lock (_gate)
            {
                _references.Add(new WeakReference(value));
            }

            return value;
        }

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _references.Count;
                }
            }
        }

        public int CountAlive()
        {
            lock (_gate)
            {
                var alive = 0;
                foreach (var reference in _references)
                {
                    if (reference.IsAlive)
                    {
                        alive++;
                    }
                }

                return alive;
            }
        }
    }

    /// <summary>What a run left behind.</summary>
    public sealed class RetentionResult
    {
        public RetentionResult(int invocations, int tracked, int alive, long heapGrowthBytes, int handlesOpenBeforeCollection, int handlesOpenAfterCollection)
        {
            Invocations = invocations;
            Tracked = tracked;
            Alive = alive;
            HeapGrowthBytes = heapGrowthBytes;
            HandlesOpenBeforeCollection = handlesOpenBeforeCollection;
            HandlesOpenAfterCollection = handlesOpenAfterCollection;
        }

        public int Invocations { get; }

        /// <summary>Objects the invocations tracked.</summary>
        public int Tracked { get; }

        /// <summary>Tracked objects still alive after a forced full collection.</summary>
        public int Alive { get; }

        /// <summary>GC heap growth over the run, after a forced full collection.</summary>
        public long HeapGrowthBytes { get; }

        /// <summary>OS handles (file descriptors) still open when the run ended, before any collection.</summary>
        public int HandlesOpenBeforeCollection { get; }

        /// <summary>OS handles still open after a forced full collection and finalizers.</summary>
        public int HandlesOpenAfterCollection { get; }

        public override string ToString()
            => $"{Invocations} invocations: {Alive}/{Tracked} tracked objects alive, heap +{HeapGrowthBytes:N0} bytes, handles +{HandlesOpenBeforeCollection} before GC / +{HandlesOpenAfterCollection} after";
    }
}
