//! rule: MEM065
//! fix: MEM065_static
//! action: static readonly meter in a consumer
//! measure: alive
//! unit: meters kept
//! invocations: 5,000
//! flagged-at-least: 4,900
//! fixed-at-most: 1
//
// A MassTransit consumer creates a Meter per message to count it and never disposes it: every Meter registers itself
// in the runtime's process-wide list of meters (so listeners can find it) and stays there, with its instruments, for
// the life of the process. The fix creates the meter once, in a static readonly field. The scenario's MeterListener
// tracks every meter published under the name during the run.
using System;
using System.Diagnostics.Metrics;
using System.Threading.Tasks;
using MassTransit;

namespace Proof;

public sealed record OrderShipped(int Id);

public sealed class ShippingConsumer : IConsumer<OrderShipped>
{
    private readonly Tally _tally;

    public ShippingConsumer(Tally tally) => _tally = tally;

    public Task Consume(ConsumeContext<OrderShipped> context)
    {
        // count it
        var meter = new Meter("Proof.Shipping", "1.0"); // flagged: MEM065
        meter.CreateCounter<int>("shipped").Add(1);
        _tally.Complete(context.Message.Id % 43);
        return Task.CompletedTask;
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => MeterTracking.RunAsync(name => name == "Proof.Shipping", track, mark, marking => InMemoryBus.RunAsync(invocations, i => new OrderShipped(i), marking, x => x.AddConsumer<ShippingConsumer>()));
}
