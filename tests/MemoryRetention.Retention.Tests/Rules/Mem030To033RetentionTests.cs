using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Retention.Tests.Harness;
using Xunit;

namespace MemoryRetention.Retention.Tests.Rules
{
    /// <summary>
    /// Subscriptions that root a handler's objects: MEM030 events of a longer-lived publisher, MEM031 registrations on
    /// a process-lifetime token, MEM032 linked token sources, MEM033 timers. Each flagged form runs per message and keeps
    /// every message's payload alive; the fixed form (the code fix's rewrite) keeps none.
    /// </summary>
    public class Mem030To033RetentionTests
    {
        private const int Messages = 2_000;

        // ---------------------------------------------------------------- MEM030

        private static event EventHandler<int>? Recorded;

        [Fact]
        public void MEM030_Flagged_LambdaOnStaticEvent_KeepsEveryPayload()
        {
            try
            {
                var result = RetentionHarness.Measure(Messages, tracker => SubscribeAndForget(tracker));
                RetentionAssert.KeepsObjectsAlive(result);
            }
            finally
            {
                Recorded = null;
            }
        }

        [Fact]
        public void MEM030_Fixed_UnsubscribeInFinally_KeepsNothing()
        {
            var result = RetentionHarness.Measure(Messages, tracker => SubscribeAndUnsubscribe(tracker));
            RetentionAssert.ReleasesObjects(result);
            Assert.Null(Recorded);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void SubscribeAndForget(Tracker tracker)
        {
            var payload = tracker.Track(new Payload(1));
            Recorded += (sender, id) => GC.KeepAlive(payload);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void SubscribeAndUnsubscribe(Tracker tracker)
        {
            var payload = tracker.Track(new Payload(1));
            EventHandler<int> handler = (sender, id) => GC.KeepAlive(payload);
            Recorded += handler;
            try
            {
                Recorded?.Invoke(null, 1);
            }
            finally
            {
                Recorded -= handler;
            }
        }

        // ---------------------------------------------------------------- MEM031

        [Fact]
        public void MEM031_Flagged_RegistrationOnStoppingToken_KeepsEveryPayload()
        {
            using var host = new CancellationTokenSource(); // the host's stopping token, alive for the whole run
            var result = RetentionHarness.Measure(Messages, tracker => RegisterAndForget(host.Token, tracker));
            RetentionAssert.KeepsObjectsAlive(result);
        }

        [Fact]
        public void MEM031_Fixed_UsingRegistration_KeepsNothing()
        {
            using var host = new CancellationTokenSource();
            var result = RetentionHarness.Measure(Messages, tracker => RegisterWithUsing(host.Token, tracker));
            RetentionAssert.ReleasesObjects(result);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void RegisterAndForget(CancellationToken stoppingToken, Tracker tracker)
        {
            var payload = tracker.Track(new Payload(1));
            stoppingToken.Register(() => GC.KeepAlive(payload));
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void RegisterWithUsing(CancellationToken stoppingToken, Tracker tracker)
        {
            var payload = tracker.Track(new Payload(1));
            using var registration = stoppingToken.Register(() => GC.KeepAlive(payload));
        }

        // ---------------------------------------------------------------- MEM032

        [Fact]
        public void MEM032_Flagged_LinkedSourcePerMessage_StaysRegisteredOnTheParent()
        {
            using var host = new CancellationTokenSource();
            var result = RetentionHarness.Measure(Messages, tracker => LinkAndForget(host.Token, tracker));
            RetentionAssert.KeepsObjectsAlive(result);
        }

        [Fact]
        public void MEM032_Fixed_UsingLinkedSource_KeepsNothing()
        {
            using var host = new CancellationTokenSource();
            var result = RetentionHarness.Measure(Messages, tracker => LinkWithUsing(host.Token, tracker));
            RetentionAssert.ReleasesObjects(result);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void LinkAndForget(CancellationToken stoppingToken, Tracker tracker)
        {
            var timeout = tracker.Track(CancellationTokenSource.CreateLinkedTokenSource(stoppingToken));
            GC.KeepAlive(timeout.Token);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void LinkWithUsing(CancellationToken stoppingToken, Tracker tracker)
        {
            using var timeout = tracker.Track(CancellationTokenSource.CreateLinkedTokenSource(stoppingToken));
            GC.KeepAlive(timeout.Token);
        }

        // ---------------------------------------------------------------- MEM033

        [Fact]
        public void MEM033_Flagged_TimerPerMessage_KeepsItsCallbackState()
        {
            var result = RetentionHarness.Measure(500, tracker => StartTimerAndForget(tracker));
            RetentionAssert.KeepsObjectsAlive(result);
        }

        [Fact]
        public void MEM033_Fixed_DisposedTimer_KeepsNothing()
        {
            var result = RetentionHarness.Measure(500, tracker => StartTimerWithUsing(tracker));
            RetentionAssert.ReleasesObjects(result);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void StartTimerAndForget(Tracker tracker)
        {
            var payload = tracker.Track(new Payload(1));
            TimeProvider.System.CreateTimer(_ => GC.KeepAlive(payload), null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void StartTimerWithUsing(Tracker tracker)
        {
            var payload = tracker.Track(new Payload(1));
            using var timer = TimeProvider.System.CreateTimer(_ => GC.KeepAlive(payload), null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
        }
    }
}
