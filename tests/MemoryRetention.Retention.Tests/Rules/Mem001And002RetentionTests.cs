using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using MemoryRetention.Retention.Tests.Harness;
using Microsoft.Extensions.Caching.Memory;
using Xunit;

namespace MemoryRetention.Retention.Tests.Rules
{
    /// <summary>
    /// MEM001 / MEM002: a process-lifetime collection that every invocation adds to keeps every payload; the scoped form
    /// (a collection per invocation, as the fix writes it) keeps none, and the heap stays flat; the bounded form (a
    /// MemoryCache with a SizeLimit and Size = 1 per entry, as the other fix writes it) keeps at most its limit.
    /// </summary>
    public class Mem001And002RetentionTests
    {
        private const int Invocations = 2_000;

        private static readonly ConcurrentDictionary<int, Payload> Reports = new ConcurrentDictionary<int, Payload>();

        [Fact]
        public void Flagged_StaticDictionary_KeepsEveryPayload_AndTheHeapGrows()
        {
            Reports.Clear();
            try
            {
                var result = RetentionHarness.Measure(Invocations, tracker => HandleWithStaticCache(tracker));
                RetentionAssert.KeepsObjectsAlive(result);
                RetentionAssert.HeapGrows(result, Invocations * 1024L); // each payload holds 1 KiB
            }
            finally
            {
                Reports.Clear();
            }
        }

        [Fact]
        public void Fixed_CollectionPerInvocation_KeepsNothing_AndTheHeapStaysFlat()
        {
            var result = RetentionHarness.Measure(Invocations, tracker => HandleWithScopedCollection(tracker));
            RetentionAssert.ReleasesObjects(result);
            RetentionAssert.HeapStaysFlat(result, Invocations * 1024L / 4);
        }

        private const long BoundedSizeLimit = 100;

        [Fact]
        public void Fixed_BoundedMemoryCache_KeepsAtMostItsSizeLimit()
        {
            using var cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = BoundedSizeLimit });
            var options = new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10) };
            var result = RetentionHarness.Measure(Invocations, tracker => HandleWithBoundedCache(tracker, cache, options));
            RetentionAssert.ReleasesObjects(result, maximumAlive: (int)BoundedSizeLimit);
            RetentionAssert.HeapStaysFlat(result, Invocations * 1024L / 4);
            GC.KeepAlive(cache);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void HandleWithBoundedCache(Tracker tracker, MemoryCache cache, MemoryCacheEntryOptions options)
        {
            var payload = tracker.Track(new Payload(0));
            cache.Set(Guid.NewGuid(), payload, options);
        }

        [Fact]
        public void Flagged_LongLivedHandlerField_KeepsEveryPayload()
        {
            var handler = new LongLivedHandler();
            var result = RetentionHarness.Measure(Invocations, tracker => handler.Handle(tracker));
            RetentionAssert.KeepsObjectsAlive(result);
            GC.KeepAlive(handler);
        }

        private sealed class LongLivedHandler
        {
            private readonly List<Payload> _processed = new List<Payload>();

            [MethodImpl(MethodImplOptions.NoInlining)]
            public void Handle(Tracker tracker) => _processed.Add(tracker.Track(new Payload(_processed.Count)));
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void HandleWithStaticCache(Tracker tracker)
        {
            var payload = tracker.Track(new Payload(Reports.Count));
            Reports.TryAdd(payload.Id, payload);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void HandleWithScopedCollection(Tracker tracker)
        {
            ConcurrentDictionary<int, Payload> reports = new ConcurrentDictionary<int, Payload>();
            var payload = tracker.Track(new Payload(1));
            reports.TryAdd(payload.Id, payload);
        }
    }
}
