//! rule: MEM033
//! fix: MEM033_FieldDisposedInDispose
//! action: field disposed in Dispose
//! measure: timers
//! unit: reminder timers kept
//! invocations: 3,000
//! flagged-at-least: 2,700
//! fixed-at-most: 20
//
// A MassTransit consumer (one per message, from a DI scope) starts a reminder timer per message and forgets it: the
// timer queue keeps every timer (and its callback's consumer) scheduled for ten minutes. The fix keeps the timer in a
// field and disposes it in a new Dispose, which the message's DI scope calls.
using System;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;

namespace Proof;

public sealed record InvoiceIssued(int Id);

public sealed class InvoiceConsumer : IConsumer<InvoiceIssued>
{
    private readonly Tally _tally;

    public InvoiceConsumer(Tally tally) => _tally = tally;

    public Task Consume(ConsumeContext<InvoiceIssued> context)
    {
        // remind the customer in ten minutes
        var reminder = new Timer(_ => Console.WriteLine("remind " + context.Message.Id), null, 600_000, Timeout.Infinite); // flagged: MEM033
        reminder.Change(300_000, Timeout.Infinite);
        _tally.Complete(context.Message.Id % 19);
        return Task.CompletedTask;
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => InMemoryBus.RunAsync(invocations, i => new InvoiceIssued(i), mark, x => x.AddConsumer<InvoiceConsumer>());
}
