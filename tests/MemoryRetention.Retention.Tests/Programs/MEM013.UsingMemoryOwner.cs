//! rule: MEM013
//! fix: MEM013_UsingMemoryOwner
//! title: Dispose the memory owner with 'using'
//! action: using IMemoryOwner
//! measure: allocated
//! unit: allocated for undisposed memory owners
//! invocations: 1,000
//! flagged-at-least: 200MB
//! fixed-at-most: 60MB
//
// A MassTransit consumer rents 256 KB from MemoryPool<byte>.Shared per message and never disposes the owner: the array
// never goes back to the pool, so every message allocates a new one. The fix disposes the owner with 'using'. (What MassTransit
// itself allocates per message is in both numbers: about 16 MB here.)
using System;
using System.Buffers;
using System.Threading.Tasks;
using MassTransit;

namespace Proof;

public sealed record FrameReceived(int Id);

public sealed class FrameConsumer : IConsumer<FrameReceived>
{
    private readonly Tally _tally;

    public FrameConsumer(Tally tally) => _tally = tally;

    public Task Consume(ConsumeContext<FrameReceived> context)
    {
        var owner = MemoryPool<byte>.Shared.Rent(256 * 1024); // flagged: MEM013
        var span = owner.Memory.Span;
        span[0] = (byte)context.Message.Id;
        span[1] = (byte)(context.Message.Id >> 8);
        _tally.Complete(span[0] + span[1]);
        return Task.CompletedTask;
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => InMemoryBus.RunAsync(invocations, i => new FrameReceived(i), mark, x => x.AddConsumer<FrameConsumer>());
}
