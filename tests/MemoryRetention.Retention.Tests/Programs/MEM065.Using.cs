//! rule: MEM065
//! fix: MEM065_using
//! action: using
//! measure: alive
//! unit: tenant meters kept
//! invocations: 3,000
//! flagged-at-least: 2,900
//! fixed-at-most: 20
//
// A MassTransit consumer creates a Meter per message for the message's tenant, to count its invoices under a
// per-tenant name, and never disposes it: every Meter stays in the runtime's static list of meters, with its
// instruments, for the life of the process. The meter's name depends on the message, so it cannot move to a static
// field; the fix disposes it with 'using' when the message is handled. The scenario's MeterListener tracks every meter
// published under a tenant name.
using System;
using System.Diagnostics.Metrics;
using System.Threading.Tasks;
using MassTransit;

namespace Proof;

public sealed record InvoiceIssued(int Id, string Tenant, decimal Amount);

public sealed class InvoiceMetricsConsumer : IConsumer<InvoiceIssued>
{
    private readonly Tally _tally;

    public InvoiceMetricsConsumer(Tally tally) => _tally = tally;

    public Task Consume(ConsumeContext<InvoiceIssued> context)
    {
        var invoice = context.Message;
        var meter = new Meter("Proof.Tenant." + invoice.Tenant); // flagged: MEM065
        meter.CreateCounter<decimal>("invoices.amount").Add(invoice.Amount);
        _tally.Complete(invoice.Tenant.Length + invoice.Id % 5);
        return Task.CompletedTask;
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => MeterTracking.RunAsync(name => name.StartsWith("Proof.Tenant.", StringComparison.Ordinal), track, mark, marking => InMemoryBus.RunAsync(invocations, i => new InvoiceIssued(i, "tenant-" + (i % 40), i % 100), marking, x => x.AddConsumer<InvoiceMetricsConsumer>()));
}
