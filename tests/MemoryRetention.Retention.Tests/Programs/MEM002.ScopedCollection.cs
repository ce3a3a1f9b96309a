//! rule: MEM002
//! fix: MEM00x_ScopedCollection
//! action: scoped collection
//! measure: alive
//! unit: report lines kept
//! invocations: 3,000
//! flagged-at-least: 2,700
//! fixed-at-most: 20
//
// An Akka.NET actor (one instance, alive as long as the actor system) collects the lines of each report in a list
// field that nothing ever clears: every line of every message stays reachable. The fix makes the list a local of OnReceive.
using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Akka.Actor;

public sealed record ReportLine(int Report, string Text);

public sealed class ReportActor : UntypedActor
{
    // lines of the report being built
    private readonly List<ReportLine> _lines = new List<ReportLine>();
    private readonly Tally _tally;
    private readonly Action<object> _track;

    public ReportActor(Tally tally, Action<object> track)
    {
        _tally = tally;
        _track = track;
    }

    protected override void OnReceive(object message)
    {
        var id = (int)message;
        var line = new ReportLine(id, "report " + id);
        _track(line);
        _lines.Add(line); // flagged: MEM002
        _tally.Complete(_lines[_lines.Count - 1].Text.Length);
    }
}

public static class Scenario
{
    public static async Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
    {
        var tally = new Tally();
        tally.Expect(invocations);
        using var system = ActorSystem.Create("proof", "akka.loglevel = OFF\nakka.stdout-loglevel = OFF");
        var actor = system.ActorOf(Props.Create(() => new ReportActor(tally, track)), "reports");
        await mark("start");
        for (var i = 0; i < invocations; i++)
        {
            actor.Tell(i);
        }

        await tally.Done;
        await mark("end");
        await system.Terminate();
        return $"processed {tally.Processed}, checksum {tally.Checksum}";
    }
}
