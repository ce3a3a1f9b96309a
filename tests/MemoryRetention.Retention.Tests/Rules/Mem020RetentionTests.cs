using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Retention.Tests.Harness;
using Microsoft.Extensions.Logging;
using Xunit;

namespace MemoryRetention.Retention.Tests.Rules
{
    /// <summary>
    /// MEM020: a disposable created per unit of work and never disposed. Two shapes whose cost is easy to see:
    /// a logger scope begun in every iteration of a worker loop (each undisposed scope stays on the async-local scope
    /// stack and keeps its state), and a file stream opened per message (its OS handle stays open until finalization).
    /// </summary>
    public class Mem020RetentionTests
    {
        private const int Iterations = 2_000;

        [Fact]
        public async Task Flagged_LoggerScopePerIteration_KeepsEveryMessageAlive()
        {
            var tracker = new Tracker();
            var aliveWhileRunning = await WorkerLoopAsync(new ScopedLogger(new LoggerExternalScopeProvider()), tracker, Iterations, dispose: false);
            Assert.True(aliveWhileRunning >= Iterations * 9 / 10, $"{aliveWhileRunning} of {Iterations} messages alive");
        }

        [Fact]
        public async Task Fixed_LoggerScopeDisposedPerIteration_KeepsNothing()
        {
            var tracker = new Tracker();
            var aliveWhileRunning = await WorkerLoopAsync(new ScopedLogger(new LoggerExternalScopeProvider()), tracker, Iterations, dispose: true);
            Assert.True(aliveWhileRunning <= 2, $"{aliveWhileRunning} of {Iterations} messages alive");
        }

        [Fact]
        public void Flagged_FileStreamPerMessage_KeepsItsHandleUntilFinalization()
        {
            if (RetentionHarness.OpenHandleCount() < 0)
            {
                return; // No /proc/self/fd: nothing to count on this OS.
            }

            var path = CreateInput();
            var result = RetentionHarness.Measure(200, tracker => HandleWithoutDispose(path, tracker));
            Assert.True(result.HandlesOpenBeforeCollection >= 180, result.ToString());
        }

        [Fact]
        public void Fixed_FileStreamDisposedPerMessage_ClosesItsHandle()
        {
            if (RetentionHarness.OpenHandleCount() < 0)
            {
                return;
            }

            var path = CreateInput();
            var result = RetentionHarness.Measure(200, tracker => HandleWithUsing(path, tracker));
            Assert.True(result.HandlesOpenBeforeCollection <= 5, result.ToString());
        }

        // The flagged and fixed shapes, as MEM020 flags them and as its code fix rewrites them.

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static async Task<int> WorkerLoopAsync(ILogger logger, Tracker tracker, int iterations, bool dispose)
        {
            // A BackgroundService.ExecuteAsync body: the loop never returns while the worker runs, so count while it runs.
            for (var i = 0; i < iterations; i++)
            {
                var message = tracker.Track(new Payload(i));
                if (dispose)
                {
                    using var scope = logger.BeginScope(message);
                    await Task.Yield();
                }
                else
                {
                    logger.BeginScope(message);
                    await Task.Yield();
                }
            }

            RetentionHarness.ForceFullCollection();
            return tracker.CountAlive();
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void HandleWithoutDispose(string path, Tracker tracker)
        {
            var stream = tracker.Track(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            stream.ReadByte();
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void HandleWithUsing(string path, Tracker tracker)
        {
            using var stream = tracker.Track(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            stream.ReadByte();
        }

        private static string CreateInput()
        {
            var path = Path.Combine(Path.GetTempPath(), "mem020-retention-" + Thread.CurrentThread.ManagedThreadId + ".bin");
            File.WriteAllBytes(path, new byte[] { 1, 2, 3 });
            return path;
        }
    }
}
