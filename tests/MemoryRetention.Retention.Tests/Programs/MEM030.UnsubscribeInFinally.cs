//! rule: MEM030
//! fix: MEM030_UnsubscribeInFinally
//! action: unsubscribe in finally
//! measure: alive
//! unit: per-message counters kept
//! invocations: 5,000
//! flagged-at-least: 4,500
//! fixed-at-most: 20
//
// A worker counts the metrics recorded while it handles a message by subscribing to a process-wide event — and never
// unsubscribes: the event keeps every handler's closure (and what it captured) for the life of the process.
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public static class Metrics
{
    public static event EventHandler<string>? Recorded;

    public static void Record(string name) => Recorded?.Invoke(null, name);
}

public sealed class Counter
{
    public int Value;
}

public sealed class MetricsWorker : BackgroundService
{
    private readonly Inbox<int> _inbox;
    private readonly Action<object> _track;

    public MetricsWorker(Inbox<int> inbox, Action<object> track)
    {
        _inbox = inbox;
        _track = track;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var counter = new Counter();
            _track(counter);
            // count what is recorded while the message is handled
            Metrics.Recorded += (sender, name) => counter.Value++; // flagged: MEM030
            Metrics.Record("message " + message);
            await Task.Yield();
            _inbox.Complete(counter.Value);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i, mark, services => services.AddSingleton(track).AddHostedService<MetricsWorker>());
}
