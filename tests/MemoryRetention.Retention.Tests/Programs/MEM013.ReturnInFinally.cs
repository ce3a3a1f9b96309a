//! rule: MEM013
//! fix: MEM013_ReturnInFinally
//! title: Return it in 'finally'
//! action: Return in finally
//! measure: allocated
//! unit: allocated for lost rentals
//! invocations: 1,000
//! flagged-at-least: 500MB
//! fixed-at-most: 250MB
//
// A MassTransit consumer rents a 1 MB buffer per message and returns it at the end — but a message that fails
// validation throws first (MassTransit catches it and faults the message), the rental is never returned, and the pool
// allocates a new array for the next message. The fix moves the Return into 'finally'. (What MassTransit
// itself allocates per message, and per fault, is in both numbers: about 100 MB here.)
using System;
using System.Buffers;
using System.Threading.Tasks;
using MassTransit;

namespace Proof;

public sealed record PaymentReceived(int Id);

public sealed class PaymentConsumer : IConsumer<PaymentReceived>
{
    private readonly Tally _tally;

    public PaymentConsumer(Tally tally) => _tally = tally;

    public async Task Consume(ConsumeContext<PaymentReceived> context)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        buffer[0] = (byte)context.Message.Id;
        await ValidateAsync(context.Message.Id, _tally);
        _tally.Complete(buffer[0]);
        ArrayPool<byte>.Shared.Return(buffer); // flagged: MEM013
    }

    private static Task ValidateAsync(int id, Tally tally)
    {
        if (id % 4 == 0)
        {
            return Task.CompletedTask;
        }

        tally.Complete(-1);
        return Task.FromException(new InvalidOperationException("invalid payment " + id));
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => InMemoryBus.RunAsync(invocations, i => new PaymentReceived(i), mark, x => x.AddConsumer<PaymentConsumer>(c => c.UseMessageRetry(r => r.None())));
}
