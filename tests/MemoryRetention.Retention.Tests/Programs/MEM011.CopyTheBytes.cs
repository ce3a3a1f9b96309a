//! rule: MEM011
//! fix: MEM011_CopyTheBytes
//! action: copy the bytes
//! measure: alive
//! unit: 64 KB read buffers kept
//! invocations: 1,000
//! flagged-at-least: 900
//! fixed-at-most: 20
//
// A MassTransit consumer reads each document into a 64 KB buffer and keeps its first 16 bytes (a header) in a
// process-wide index — as a slice, which keeps the whole 64 KB array alive. The fix stores a copy of the 16 bytes.
// (The index itself only grows, MEM001's finding, which this fix does not address.)
using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Proof;

public sealed record DocumentStored(int Id);

public sealed class HeaderIndexer : IConsumer<DocumentStored>
{
    private static readonly ConcurrentDictionary<int, ReadOnlyMemory<byte>> Headers = new ConcurrentDictionary<int, ReadOnlyMemory<byte>>();
    private readonly Tally _tally;
    private readonly Action<object> _track;

    public HeaderIndexer(Tally tally, Action<object> track)
    {
        _tally = tally;
        _track = track;
    }

    public Task Consume(ConsumeContext<DocumentStored> context)
    {
        var buffer = new byte[64 * 1024];
        _track(buffer);
        buffer[0] = (byte)context.Message.Id;
        Headers[context.Message.Id] = buffer.AsMemory(0, 16); // flagged: MEM001, MEM011 (16 bytes keep 64 KiB)
        _tally.Complete(Headers[context.Message.Id].Span[0] + Headers.Count);
        return Task.CompletedTask;
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => InMemoryBus.RunAsync(invocations, i => new DocumentStored(i), mark, x => x.AddConsumer<HeaderIndexer>(), services => services.AddSingleton(track));
}
