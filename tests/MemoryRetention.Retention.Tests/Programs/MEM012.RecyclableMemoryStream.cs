//! rule: MEM012
//! fix: MEM012_RecyclableMemoryStream
//! action: RecyclableMemoryStream
//! measure: allocated
//! unit: allocated for streams
//! invocations: 1,000
//! flagged-at-least: 150MB
//! fixed-at-most: 60MB
//
// A MassTransit consumer serializes every message into a new MemoryStream: the stream's buffer grows by doubling
// (96 KB written: 256 B + 512 B + … + 128 KB allocated, the last ones on the large object heap) and is thrown away.
// The fix takes a pooled stream from one RecyclableMemoryStreamManager, whose blocks are reused. (What MassTransit itself
// allocates per message is in both numbers: about 16 MB here.)
using System;
using System.IO;
using System.Threading.Tasks;
using MassTransit;

namespace Proof;

public sealed record ExportRequested(int Id);

public sealed class ExportConsumer : IConsumer<ExportRequested>
{
    private static readonly byte[] Record = new byte[1024];
    private readonly Tally _tally;

    public ExportConsumer(Tally tally) => _tally = tally;

    public async Task Consume(ConsumeContext<ExportRequested> context)
    {
        var buffer = new MemoryStream(); // flagged: MEM012
        for (var i = 0; i < 96; i++)
        {
            await buffer.WriteAsync(Record, 0, Record.Length, context.CancellationToken);
        }

        _tally.Complete(buffer.Length + context.Message.Id % 7);
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => InMemoryBus.RunAsync(invocations, i => new ExportRequested(i), mark, x => x.AddConsumer<ExportConsumer>());
}
