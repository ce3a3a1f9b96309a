//! rule: MEM065
//! fix: MEM065_static-field
//! action: static meter field
//! measure: alive
//! unit: meters kept
//! invocations: 3,000
//! flagged-at-least: 2,900
//! fixed-at-most: 1
//
// A MassTransit consumer keeps its Meter in an instance field. MassTransit resolves a new consumer from a DI scope for
// every message, so every message creates a Meter, and nothing disposes it: each one stays in the runtime's static list
// of meters (where listeners find it), with its instruments, for the life of the process. The fix makes the field
// static: one meter for the process. The scenario's MeterListener tracks every meter published under the name during
// the run.
using System;
using System.Diagnostics.Metrics;
using System.Threading.Tasks;
using MassTransit;

namespace Proof;

public sealed record ParcelScanned(int Id, int Depot);

public sealed class ScanConsumer : IConsumer<ParcelScanned>
{
    private readonly Meter _meter = new Meter("Proof.Scans", "1.0"); // flagged: MEM065
    private readonly Tally _tally;

    public ScanConsumer(Tally tally) => _tally = tally;

    public Task Consume(ConsumeContext<ParcelScanned> context)
    {
        _meter.CreateCounter<int>("parcels.scanned").Add(1);
        _tally.Complete(context.Message.Depot);
        return Task.CompletedTask;
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => MeterTracking.RunAsync(name => name == "Proof.Scans", track, mark, marking => InMemoryBus.RunAsync(invocations, i => new ParcelScanned(i, i % 13), marking, x => x.AddConsumer<ScanConsumer>()));
}
