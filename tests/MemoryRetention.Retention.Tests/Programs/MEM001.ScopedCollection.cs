//! rule: MEM001
//! fix: MEM00x_ScopedCollection
//! action: scoped collection
//! measure: alive
//! unit: report lines kept
//! invocations: 3,000
//! flagged-at-least: 2,700
//! fixed-at-most: 20
//
// A MassTransit consumer builds a small report per message in a static list that nothing ever clears: every line of
// every message stays reachable for the life of the process. The fix makes the list a local of Consume.
using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Proof;

public sealed record ReportRequested(int Id);

public sealed record ReportLine(int Report, string Text);

public sealed class ReportConsumer : IConsumer<ReportRequested>
{
    // lines of the report being built
    private static readonly List<ReportLine> Lines = new List<ReportLine>();
    private readonly Tally _tally;
    private readonly Action<object> _track;

    public ReportConsumer(Tally tally, Action<object> track)
    {
        _tally = tally;
        _track = track;
    }

    public Task Consume(ConsumeContext<ReportRequested> context)
    {
        var line = new ReportLine(context.Message.Id, "report " + context.Message.Id);
        _track(line);
        Lines.Add(line); // flagged: MEM001
        _tally.Complete(Lines[Lines.Count - 1].Text.Length);
        return Task.CompletedTask;
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => InMemoryBus.RunAsync(invocations, i => new ReportRequested(i), mark, x => x.AddConsumer<ReportConsumer>(), services => services.AddSingleton(track));
}
