using System;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using System.Threading.Tasks;
using MemoryRetention.Retention.Tests.Harness;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace MemoryRetention.Retention.Tests.Rules
{
    /// <summary>
    /// Lifetimes and bounds with real components: an EF Core context (in-memory provider) held by a long-lived worker
    /// (MEM040) or created before its loop (MEM041) versus a scope per iteration; an unbounded channel under a fast
    /// producer versus a bounded one (MEM050); cache entries without versus with an expiration (MEM051).
    /// </summary>
    public class Mem040To051RetentionTests
    {
        private const int Iterations = 300;

        public sealed class Item
        {
            public int Id { get; set; }

            public byte[] Payload { get; set; } = Array.Empty<byte>();
        }

        public sealed class ItemsDb : DbContext
        {
            public ItemsDb(DbContextOptions<ItemsDb> options)
                : base(options)
            {
            }

            public DbSet<Item> Items => Set<Item>();
        }

        private static ServiceProvider CreateServices(string database)
        {
            var services = new ServiceCollection();
            services.AddDbContext<ItemsDb>(o => o.UseInMemoryDatabase(database).ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.ManyServiceProvidersCreatedWarning)));
            var provider = services.BuildServiceProvider();
            using var scope = provider.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<ItemsDb>();
            db.Items.AddRange(Enumerable.Range(1, Iterations).Select(i => new Item { Id = i, Payload = new byte[2048] }));
            db.SaveChanges();
            return provider;
        }

        // ---------------------------------------------------------------- MEM040 / MEM041

        [Fact]
        public void MEM040_MEM041_Flagged_OneContextForEveryIteration_TracksEveryEntityItLoads()
        {
            using var services = CreateServices(nameof(MEM040_MEM041_Flagged_OneContextForEveryIteration_TracksEveryEntityItLoads));
            using var scope = services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<ItemsDb>(); // what the captive field or the pre-loop context holds
            var tracker = new Tracker();
            var tracked = WorkerLoopWithOneContext(db, tracker);
            Assert.Equal(Iterations, tracked);
            RetentionAssert.KeepsObjectsAlive(AliveNow(tracker));
        }

        [Fact]
        public void MEM040_MEM041_Fixed_ScopePerIteration_TracksNothingAcrossIterations()
        {
            using var services = CreateServices(nameof(MEM040_MEM041_Fixed_ScopePerIteration_TracksNothingAcrossIterations));
            var scopes = services.GetRequiredService<IServiceScopeFactory>();
            var tracker = new Tracker();
            WorkerLoopWithScopePerIteration(scopes, tracker);
            RetentionAssert.ReleasesObjects(AliveNow(tracker));
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int WorkerLoopWithOneContext(ItemsDb db, Tracker tracker)
        {
            for (var i = 1; i <= Iterations; i++)
            {
                tracker.Track(db.Items.Single(x => x.Id == i));
            }

            return db.ChangeTracker.Entries().Count();
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void WorkerLoopWithScopePerIteration(IServiceScopeFactory scopes, Tracker tracker)
        {
            for (var i = 1; i <= Iterations; i++)
            {
                using var scope = scopes.CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<ItemsDb>();
                tracker.Track(db.Items.Single(x => x.Id == i));
            }
        }

        // ---------------------------------------------------------------- MEM050

        [Fact]
        public async Task MEM050_Flagged_UnboundedChannel_GrowsUnderAFastProducer()
        {
            var channel = Channel.CreateUnbounded<Payload>();
            var tracker = new Tracker();
            await ProduceFasterThanConsumedAsync(channel, tracker);
            RetentionAssert.KeepsObjectsAlive(AliveNow(tracker), minimumFraction: 0.8);
            GC.KeepAlive(channel);
        }

        [Fact]
        public async Task MEM050_Fixed_BoundedChannel_StaysFlat()
        {
            const int capacity = 10;
            var channel = Channel.CreateBounded<Payload>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
            var tracker = new Tracker();
            await ProduceFasterThanConsumedAsync(channel, tracker);
            RetentionAssert.ReleasesObjects(AliveNow(tracker), maximumAlive: capacity + 2);
            GC.KeepAlive(channel);
        }

        /// <summary>Producers write 1,000 items while the worker reads only 100 of them (it falls behind).</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static async Task ProduceFasterThanConsumedAsync(Channel<Payload> channel, Tracker tracker)
        {
            var produced = 0;
            for (var i = 0; i < 1_000; i++)
            {
                // A bounded channel with FullMode = Wait refuses TryWrite when full: the producer must wait (back-pressure).
                var item = new Payload(i);
                if (channel.Writer.TryWrite(item))
                {
                    tracker.Track(item);
                    produced++;
                }

                if (i % 10 == 0 && channel.Reader.TryRead(out var consumed))
                {
                    GC.KeepAlive(consumed);
                }
            }

            await Task.Yield();
            Assert.True(produced > 0);
        }

        // ---------------------------------------------------------------- MEM051

        [Fact]
        public void MEM051_Flagged_EntriesWithoutExpiration_Accumulate()
        {
            using var cache = new MemoryCache(new MemoryCacheOptions());
            var tracker = new Tracker();
            AddPerMessage(cache, tracker, expiration: null);
            cache.Compact(0); // compaction by priority: entries without expiration are not expired
            Assert.Equal(Iterations, cache.Count);
            RetentionAssert.KeepsObjectsAlive(AliveNow(tracker));
        }

        [Fact]
        public void MEM051_Fixed_EntriesWithAnAbsoluteExpiration_Expire()
        {
            var clock = new ManualClock(DateTimeOffset.UtcNow);
            using var cache = new MemoryCache(new MemoryCacheOptions { Clock = clock, ExpirationScanFrequency = TimeSpan.Zero });
            var tracker = new Tracker();
            AddPerMessage(cache, tracker, expiration: TimeSpan.FromMinutes(10));
            clock.UtcNow = clock.UtcNow.AddMinutes(11);
            cache.Compact(0); // removes expired entries synchronously (the background scan would do the same)
            Assert.True(cache.Count <= 1, $"{cache.Count} entries left");
            RetentionAssert.ReleasesObjects(AliveNow(tracker));
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void AddPerMessage(IMemoryCache cache, Tracker tracker, TimeSpan? expiration)
        {
            for (var i = 0; i < Iterations; i++)
            {
                var value = tracker.Track(new Payload(i));
                if (expiration is null)
                {
                    cache.Set("message:" + i, value);
                }
                else
                {
                    cache.Set("message:" + i, value, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = expiration });
                }
            }
        }

        private sealed class ManualClock : Microsoft.Extensions.Internal.ISystemClock
        {
            public ManualClock(DateTimeOffset now) => UtcNow = now;

            public DateTimeOffset UtcNow { get; set; }
        }

        private static RetentionResult AliveNow(Tracker tracker)
        {
            RetentionHarness.ForceFullCollection();
            return new RetentionResult(tracker.Count, tracker.Count, tracker.CountAlive(), 0, 0, 0);
        }
    }
}
