using System;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading;
using MemoryRetention.Retention.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace MemoryRetention.Retention.Tests.Rules
{
    /// <summary>
    /// Library registries: the code keeps no reference, yet something process-wide does. MEM064 an undisposed service
    /// provider's singleton with a running timer, MEM065 meters and activity sources in the runtime's static lists,
    /// MEM066 a logger factory's provider with a running timer (as the console provider's thread). Each flagged form
    /// runs per message and keeps what it created; the fixed form (the code fix's rewrite) keeps at most one.
    /// </summary>
    public class Mem064To068RetentionTests
    {
        private const int Messages = 500;

        // ---------------------------------------------------------------- MEM064

        [Fact]
        public void MEM064_Flagged_ProviderPerMessage_KeepsEverySingleton()
        {
            var result = RetentionHarness.Measure(Messages, tracker => BuildAndForget(tracker));
            RetentionAssert.KeepsObjectsAlive(result);
        }

        [Fact]
        public void MEM064_Fixed_UsingProvider_KeepsNothing()
        {
            var result = RetentionHarness.Measure(Messages, tracker => BuildAndDispose(tracker));
            RetentionAssert.ReleasesObjects(result);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void BuildAndForget(Tracker tracker)
        {
            var provider = new ServiceCollection().AddSingleton<Ticker>().BuildServiceProvider();
            tracker.Track(provider.GetRequiredService<Ticker>());
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void BuildAndDispose(Tracker tracker)
        {
            using var provider = new ServiceCollection().AddSingleton<Ticker>().BuildServiceProvider();
            tracker.Track(provider.GetRequiredService<Ticker>());
        }

        /// <summary>A singleton that starts a timer (as a cache refresher, a batching sink or a health probe does) and stops it in Dispose.</summary>
        private sealed class Ticker : IDisposable
        {
            private readonly Timer _timer;
            private readonly byte[] _state = new byte[256];

            public Ticker() => _timer = new Timer(_ => GC.KeepAlive(_state), null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));

            public void Dispose() => _timer.Dispose();
        }

        // ---------------------------------------------------------------- MEM065

        [Fact]
        public void MEM065_Flagged_MeterPerMessage_KeepsEveryMeter()
        {
            var result = MeasureMeters("mem065.flagged", name => { new Meter(name).CreateCounter<int>("handled").Add(1); });
            RetentionAssert.KeepsObjectsAlive(result);
        }

        [Fact]
        public void MEM065_Fixed_StaticMeter_KeepsOne()
        {
            var result = MeasureMeters(FixedMeterName, _ => { SharedMeter.CreateCounter<int>("handled").Add(1); });
            Assert.Equal(1, result.Tracked);
            RetentionAssert.ReleasesObjects(result, maximumAlive: 1);
        }

        [Fact]
        public void MEM065_Flagged_ActivitySourcePerMessage_KeepsEverySource()
        {
            var result = MeasureSources("mem065.source.flagged", name =>
            {
                using var activity = new ActivitySource(name).StartActivity("handle");
            });
            RetentionAssert.KeepsObjectsAlive(result);
        }

        [Fact]
        public void MEM065_Fixed_StaticActivitySource_KeepsOne()
        {
            var result = MeasureSources(FixedSourceName, _ =>
            {
                using var activity = SharedActivitySource.StartActivity("handle");
            });
            Assert.Equal(1, result.Tracked);
            RetentionAssert.ReleasesObjects(result, maximumAlive: 1);
        }

        private const string FixedMeterName = "mem065.fixed";
        private const string FixedSourceName = "mem065.source.fixed";
        private static readonly Meter SharedMeter = new Meter(FixedMeterName);
        private static readonly ActivitySource SharedActivitySource = new ActivitySource(FixedSourceName);

        /// <summary>Runs the handler per message; every distinct meter of that name a listener is told about is tracked.</summary>
        private static RetentionResult MeasureMeters(string name, Action<string> handle)
        {
            var seen = new ConditionalWeakTable<Meter, object>();
            var pending = new System.Collections.Generic.List<WeakReference<Meter>>();
            Tracker? current = null;
            using var listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter.Name == name && !seen.TryGetValue(instrument.Meter, out _))
                    {
                        seen.Add(instrument.Meter, new object());
                        Track(current, pending, instrument.Meter);
                    }
                },
            };
            listener.Start();
            return RetentionHarness.Measure(Messages, tracker =>
            {
                current = TakePending(tracker, pending);
                Handle(handle, name);
            });
        }

        /// <summary>Runs the handler per message; every distinct activity source of that name a listener is offered is tracked.</summary>
        private static RetentionResult MeasureSources(string name, Action<string> handle)
        {
            var seen = new ConditionalWeakTable<ActivitySource, object>();
            var pending = new System.Collections.Generic.List<WeakReference<ActivitySource>>();
            Tracker? current = null;
            using var listener = new ActivityListener
            {
                ShouldListenTo = source =>
                {
                    if (source.Name == name && !seen.TryGetValue(source, out _))
                    {
                        seen.Add(source, new object());
                        Track(current, pending, source);
                    }

                    return source.Name == name;
                },
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            };
            ActivitySource.AddActivityListener(listener);
            return RetentionHarness.Measure(Messages, tracker =>
            {
                current = TakePending(tracker, pending);
                Handle(handle, name);
            });
        }

        /// <summary>A static instance is published when the listener starts, before the run has a tracker: it waits in <paramref name="pending"/>.</summary>
        private static void Track<T>(Tracker? tracker, System.Collections.Generic.List<WeakReference<T>> pending, T value)
            where T : class
        {
            if (tracker is null)
            {
                pending.Add(new WeakReference<T>(value));
            }
            else
            {
                tracker.Track(value);
            }
        }

        private static Tracker TakePending<T>(Tracker tracker, System.Collections.Generic.List<WeakReference<T>> pending)
            where T : class
        {
            foreach (var reference in pending)
            {
                if (reference.TryGetTarget(out var value))
                {
                    tracker.Track(value);
                }
            }

            pending.Clear();
            return tracker;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Handle(Action<string> handle, string name) => handle(name);

        // ---------------------------------------------------------------- MEM066

        [Fact]
        public void MEM066_Flagged_LoggerFactoryPerMessage_KeepsEveryProvider()
        {
            var result = RetentionHarness.Measure(Messages, tracker => LogAndForget(tracker));
            RetentionAssert.KeepsObjectsAlive(result);
        }

        [Fact]
        public void MEM066_Fixed_UsingLoggerFactory_KeepsNothing()
        {
            var result = RetentionHarness.Measure(Messages, tracker => LogAndDispose(tracker));
            RetentionAssert.ReleasesObjects(result);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void LogAndForget(Tracker tracker)
        {
            var factory = LoggerFactory.Create(b => b.Services.AddSingleton<ILoggerProvider, TickingProvider>());
            factory.CreateLogger("orders").LogInformation("handled");
            tracker.Track(TickingProvider.Last!);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void LogAndDispose(Tracker tracker)
        {
            using var factory = LoggerFactory.Create(b => b.Services.AddSingleton<ILoggerProvider, TickingProvider>());
            factory.CreateLogger("orders").LogInformation("handled");
            tracker.Track(TickingProvider.Last!);
        }

        /// <summary>A logging provider that flushes on a timer (as batching providers do; the console provider runs a thread).</summary>
        private sealed class TickingProvider : ILoggerProvider
        {
            [ThreadStatic]
            private static WeakReference<TickingProvider>? _last;

            private readonly Timer _timer;
            private readonly byte[] _queue = new byte[256];

            public TickingProvider()
            {
                _timer = new Timer(_ => GC.KeepAlive(_queue), null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
                _last = new WeakReference<TickingProvider>(this);
            }

            public static TickingProvider? Last => _last is not null && _last.TryGetTarget(out var last) ? last : null;

            public ILogger CreateLogger(string categoryName) => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

            public void Dispose() => _timer.Dispose();
        }

        // MEM067 and MEM068 are proved by their programs (Programs/MEM067.NoReload.cs, Programs/MEM068.StaticMemoryCache.cs),
        // which run what the fixers write; the pairs that were here left polling watchers and EF providers behind twice.
    }
}
