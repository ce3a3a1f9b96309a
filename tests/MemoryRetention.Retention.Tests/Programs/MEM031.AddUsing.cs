//! rule: MEM031
//! fix: MEM031_AddUsing
//! action: using
//! measure: alive
//! unit: per-batch callbacks kept
//! invocations: 5,000
//! flagged-at-least: 4,500
//! fixed-at-most: 20
//
// A worker registers a callback on its stopping token for every batch (to cancel the batch on shutdown) and drops
// the registration: the token, which lives as long as the worker, keeps every callback and what it captured.
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class BatchState
{
    public bool Cancelled;
}

public sealed class BatchWorker : BackgroundService
{
    private readonly Inbox<int> _inbox;
    private readonly Action<object> _track;

    public BatchWorker(Inbox<int> inbox, Action<object> track)
    {
        _inbox = inbox;
        _track = track;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var batch in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var state = new BatchState();
            _track(state);
            // cancel the batch on shutdown
            var registration = stoppingToken.Register(() => state.Cancelled = true); // flagged: MEM031
            await Task.Yield();
            _inbox.Complete(state.Cancelled ? -1 : batch % 11);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i, mark, services => services.AddSingleton(track).AddHostedService<BatchWorker>());
}
