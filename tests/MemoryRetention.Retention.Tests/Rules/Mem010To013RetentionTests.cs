using System;
using System.Buffers;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using MemoryRetention.Retention.Tests.Harness;
using Xunit;

namespace MemoryRetention.Retention.Tests.Rules
{
    /// <summary>
    /// The shapes without a code fix (the fixed forms are proved by running what the fixers write: Programs/MEM010.*,
    /// MEM011.*, MEM013.*). MEM011: a buffer captured by a delegate on a static event together with other locals stays
    /// alive after the handler returned; in its own scope with only what the delegate needs, it is collected. MEM013: an
    /// array returned twice is handed to two renters at once.
    /// </summary>
    public class Mem010To013RetentionTests
    {
        private const int Invocations = 200;
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

        // ---------------------------------------------------------------- MEM013

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
    }
}
