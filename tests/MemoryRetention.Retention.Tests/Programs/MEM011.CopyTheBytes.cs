//! rule: MEM011
//! fix: MEM011_CopyTheBytes
//! action: copy the slice
//! measure: alive
//! unit: 16 KB packets kept
//! invocations: 2,000
//! flagged-at-least: 1,900
//! fixed-at-most: 20
//
// A MassTransit consumer indexes the 16-byte header of every packet in a process-wide table; the header is a slice
// (`AsMemory(0, 16)`) of the 16 KB packet, so the table keeps every whole packet alive. The fix stores a copy of the
// 16 bytes (`.ToArray()`), and the packets die with their messages. (The table is cleared by the driver at the end,
// after the measurement, so it is not an unbounded collection for MEM001.)
using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Proof;

public sealed record PacketReceived(int Id);

public sealed class HeaderConsumer : IConsumer<PacketReceived>
{
    private static readonly ConcurrentDictionary<int, ReadOnlyMemory<byte>> Headers = new ConcurrentDictionary<int, ReadOnlyMemory<byte>>();
    private readonly Tally _tally;
    private readonly Action<object> _track;

    public HeaderConsumer(Tally tally, Action<object> track)
    {
        _tally = tally;
        _track = track;
    }

    public static int Count => Headers.Count;

    public Task Consume(ConsumeContext<PacketReceived> context)
    {
        var packet = new byte[16 * 1024];
        _track(packet);
        packet[0] = (byte)context.Message.Id;
        // index the header for later lookups
        Headers[context.Message.Id] = packet.AsMemory(0, 16); // flagged: MEM011
        _tally.Complete(packet[0]);
        return Task.CompletedTask;
    }

    public static void Reset() => Headers.Clear();
}

public static class Scenario
{
    public static async Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
    {
        var result = await InMemoryBus.RunAsync(invocations, i => new PacketReceived(i), mark, x => x.AddConsumer<HeaderConsumer>(), services => services.AddSingleton(track));
        var headers = HeaderConsumer.Count;
        HeaderConsumer.Reset();
        return result + ", headers " + headers;
    }
}
