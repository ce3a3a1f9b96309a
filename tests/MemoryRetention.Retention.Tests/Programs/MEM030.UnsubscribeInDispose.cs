//! rule: MEM030
//! fix: MEM030_UnsubscribeInDispose
//! action: unsubscribe in Dispose
//! measure: alive
//! unit: consumers kept
//! invocations: 3,000
//! flagged-at-least: 2,700
//! fixed-at-most: 20
//
// A MassTransit consumer (created per message from a DI scope) subscribes to a process-wide event in its constructor
// and never unsubscribes: the event keeps every consumer ever created. The fix unsubscribes in a new Dispose, which
// the message's DI scope calls.
using System;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Proof;

public static class Metrics
{
    public static event EventHandler<string>? Recorded;

    public static void Record(string name) => Recorded?.Invoke(null, name);
}

public sealed record OrderPlaced(int Id);

public sealed class OrderConsumer : IConsumer<OrderPlaced>
{
    private readonly Tally _tally;
    private int _recorded;

    public OrderConsumer(Tally tally, Action<object> track)
    {
        _tally = tally;
        track(this);
        Metrics.Recorded += (sender, name) => _recorded++; // flagged: MEM030
    }

    public Task Consume(ConsumeContext<OrderPlaced> context)
    {
        _recorded = 0;
        Metrics.Record("order " + context.Message.Id);
        _tally.Complete(_recorded + context.Message.Id % 5);
        return Task.CompletedTask;
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => InMemoryBus.RunAsync(invocations, i => new OrderPlaced(i), mark, x => x.AddConsumer<OrderConsumer>(), services => services.AddSingleton(track));
}
