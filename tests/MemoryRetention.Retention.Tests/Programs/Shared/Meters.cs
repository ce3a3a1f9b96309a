// Shared by every proof program (compiled with each, never fixed; the package must report nothing here).
using System;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

public static class MeterTracking
{
    private static readonly object Seen = new object();

    /// <summary>
    /// Runs <paramref name="run"/> with a MeterListener that passes to <paramref name="track"/> every meter whose name
    /// <paramref name="tracked"/> accepts, once per meter, when its first instrument is published after mark("start"):
    /// starting a listener also publishes every instrument alive in the process (the other form's run included).
    /// </summary>
    public static async Task<string> RunAsync(Func<string, bool> tracked, Action<object> track, Func<string, Task> mark, Func<Func<string, Task>, Task<string>> run)
    {
        var seen = new ConditionalWeakTable<Meter, object>();
        var started = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (Volatile.Read(ref started) == 1 && tracked(instrument.Meter.Name) && seen.TryAdd(instrument.Meter, Seen))
                {
                    track(instrument.Meter);
                }
            },
        };
        listener.Start();
        return await run(name =>
        {
            Volatile.Write(ref started, 1);
            return mark(name);
        });
    }
}
