//! rule: MEM011
//! fix: MEM011_CaptureOnlyTheLength
//! action: capture the length
//! measure: alive
//! unit: 16 KB payloads kept
//! invocations: 2,000
//! flagged-at-least: 1,900
//! fixed-at-most: 20
//
// A MassTransit consumer registers a progress callback per message on a process-wide progress feed; the callback
// captures the whole payload to report its length, so every payload stays reachable from the feed. The fix captures
// only the length. (The subscription itself is MEM030's finding, which this fix does not address.)
using System;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Proof;

public static class ProgressFeed
{
    public static event EventHandler? Tick;

    public static int Raise()
    {
        var handlers = Tick;
        return handlers?.GetInvocationList().Length ?? 0;
    }
}

public sealed record UploadRequested(int Id);

public sealed class UploadConsumer : IConsumer<UploadRequested>
{
    private readonly Tally _tally;
    private readonly Action<object> _track;

    public UploadConsumer(Tally tally, Action<object> track)
    {
        _tally = tally;
        _track = track;
    }

    public Task Consume(ConsumeContext<UploadRequested> context)
    {
        var payload = new byte[16 * 1024];
        _track(payload);
        payload[0] = (byte)context.Message.Id;
        // report the size on every tick
        ProgressFeed.Tick += (s, e) => Console.Write(payload.Length > 0 ? string.Empty : "."); // flagged: MEM011, MEM030
        _tally.Complete(payload[0]);
        return Task.CompletedTask;
    }
}

public static class Scenario
{
    public static async Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
    {
        var result = await InMemoryBus.RunAsync(invocations, i => new UploadRequested(i), mark, x => x.AddConsumer<UploadConsumer>(), services => services.AddSingleton(track));
        return result + ", subscribers " + ProgressFeed.Raise();
    }
}
