using System;
using System.Buffers;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using MemoryRetention.Retention.Tests.Harness;
using Xunit;

namespace MemoryRetention.Retention.Tests.Rules
{
    /// <summary>
    /// MEM010: a large-object-heap buffer per invocation allocates the LOH over and over, the pooled form does not.
    /// MEM011: a buffer captured by a delegate on a static event stays alive after the handler returned; in its own scope
    /// with only what the delegate needs, it is collected. MEM013: rentals never returned make the pool hand out new
    /// arrays every time; returned in finally, the same array comes back.
    /// </summary>
    public class Mem010To013RetentionTests
    {
        private const int ChunkSize = 128 * 1024;
        private const int Invocations = 200;

        // ---------------------------------------------------------------- MEM010

        [Fact]
        public void MEM010_Flagged_NewLargeArrayPerInvocation_AllocatesTheLargeObjectHeapEveryTime()
        {
            var allocated = AllocatedDuring(() =>
            {
                for (var i = 0; i < Invocations; i++)
                {
                    HandleWithNewArray(i);
                }
            });
            Assert.True(allocated >= (long)Invocations * ChunkSize * 9 / 10, $"{allocated:N0} bytes allocated");
        }

        [Fact]
        public void MEM010_Fixed_PooledBuffer_AllocatesAlmostNothing()
        {
            HandleWithPooledArray(0); // the pool's first array
            var allocated = AllocatedDuring(() =>
            {
                for (var i = 0; i < Invocations; i++)
                {
                    HandleWithPooledArray(i);
                }
            });
            Assert.True(allocated < 4L * ChunkSize, $"{allocated:N0} bytes allocated");
        }

        private static long AllocatedDuring(Action action)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int HandleWithNewArray(int i)
        {
            var chunk = new byte[ChunkSize];
            chunk[i % ChunkSize] = 1;
            return chunk[0];
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int HandleWithPooledArray(int i)
        {
            var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
            try
            {
                chunk[i % ChunkSize] = 1;
                return chunk[0];
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }

        // ---------------------------------------------------------------- MEM011

        private static event EventHandler? Tick;

        /// <summary>How many handlers the static event holds (also keeps the event "used").</summary>
        private static int Subscribers => Tick?.GetInvocationList().Length ?? 0;

        [Fact]
        public void MEM011_Flagged_BufferInASharedClosureOnAStaticEvent_StaysAlive()
        {
            try
            {
                var result = RetentionHarness.Measure(Invocations, tracker => HandleCapturingTheBuffer(tracker));
                RetentionAssert.KeepsObjectsAlive(result);
                Assert.Equal(Invocations, Subscribers);
            }
            finally
            {
                Tick = null;
            }
        }

        [Fact]
        public void MEM011_Fixed_DelegateInItsOwnScope_LetsTheBufferGo()
        {
            try
            {
                var result = RetentionHarness.Measure(Invocations, tracker => HandleWithOwnScope(tracker));
                RetentionAssert.ReleasesObjects(result);
                Assert.Equal(Invocations, Subscribers); // the subscription stays (MEM030's business), the buffer does not
            }
            finally
            {
                Tick = null;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void HandleCapturingTheBuffer(Tracker tracker)
        {
            var payload = tracker.Track(new byte[4096]);
            var id = Guid.NewGuid();
            Func<int> size = () => payload.Length;       // short-lived, but in the same closure as the handler below
            Tick += (s, e) => GC.KeepAlive(id);
            GC.KeepAlive(size());
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void HandleWithOwnScope(Tracker tracker)
        {
            var payload = tracker.Track(new byte[4096]);
            GC.KeepAlive(payload.Length);
            SubscribeWithId(Guid.NewGuid());
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void SubscribeWithId(Guid id) => Tick += (s, e) => GC.KeepAlive(id);

        [Fact]
        public void MEM011_Flagged_DelegateReadingTheLength_KeepsTheWholeArray()
        {
            try
            {
                var result = RetentionHarness.Measure(Invocations, tracker => HandleCapturingForLength(tracker));
                RetentionAssert.KeepsObjectsAlive(result);
            }
            finally
            {
                Tick = null;
            }
        }

        [Fact]
        public void MEM011_Fixed_CapturedLength_LetsTheArrayGo()
        {
            try
            {
                var result = RetentionHarness.Measure(Invocations, tracker => HandleCapturingTheLength(tracker));
                RetentionAssert.ReleasesObjects(result);
                Assert.Equal(Invocations, Subscribers);
            }
            finally
            {
                Tick = null;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void HandleCapturingForLength(Tracker tracker)
        {
            var payload = tracker.Track(new byte[4096]);
            Tick += (s, e) => GC.KeepAlive(payload.Length);   // as flagged
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void HandleCapturingTheLength(Tracker tracker)
        {
            var payload = tracker.Track(new byte[4096]);
            var payloadLength = payload.Length;                // as the fix writes it
            Tick += (s, e) => GC.KeepAlive(payloadLength);
        }

        // ---------------------------------------------------------------- MEM013

        [Fact]
        public void MEM013_Flagged_RentalsNeverReturned_MakeThePoolAllocateEveryTime()
        {
            var pool = ArrayPool<byte>.Create();
            var distinct = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < Invocations; i++)
            {
                distinct.Add(RentAndForget(pool));
            }

            Assert.Equal(Invocations, distinct.Count);
        }

        [Fact]
        public void MEM013_Fixed_ReturnedInFinally_ThePoolReusesOneArray()
        {
            var pool = ArrayPool<byte>.Create();
            var distinct = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < Invocations; i++)
            {
                distinct.Add(RentAndReturn(pool));
            }

            Assert.True(distinct.Count <= 2, $"{distinct.Count} distinct arrays");
        }

        [Fact]
        public void MEM013_Flagged_ReturnedTwice_ThePoolHandsOneArrayToTwoRenters()
        {
            // The shared pool (what handlers use) does not detect a second Return; a size no other test rents.
            var pool = ArrayPool<byte>.Shared;
            var buffer = pool.Rent(12_345);
            try
            {
                buffer[0] = 1;
                pool.Return(buffer);
            }
            finally
            {
                pool.Return(buffer); // as flagged: a second Return
            }

            var first = pool.Rent(12_345);
            var second = pool.Rent(12_345);
            Assert.Same(first, second); // two renters now write into one array
            pool.Return(first);
        }

        [Fact]
        public void MEM013_Fixed_ReturnedOnce_RentersGetTheirOwnArrays()
        {
            var pool = ArrayPool<byte>.Shared;
            var buffer = pool.Rent(12_346);
            try
            {
                buffer[0] = 1;
            }
            finally
            {
                pool.Return(buffer);
            }

            var first = pool.Rent(12_346);
            var second = pool.Rent(12_346);
            Assert.NotSame(first, second);
            pool.Return(first);
            pool.Return(second);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static byte[] RentAndForget(ArrayPool<byte> pool)
        {
            var buffer = pool.Rent(4096);
            buffer[0] = 1;
            return buffer;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static byte[] RentAndReturn(ArrayPool<byte> pool)
        {
            var buffer = pool.Rent(4096);
            try
            {
                buffer[0] = 1;
                return buffer;
            }
            finally
            {
                pool.Return(buffer);
            }
        }
    }
}
