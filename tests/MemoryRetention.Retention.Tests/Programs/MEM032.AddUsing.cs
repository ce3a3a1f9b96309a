//! rule: MEM032
//! fix: MEM032_AddUsing
//! action: using
//! measure: heap
//! unit: of linked token sources kept
//! invocations: 60,000
//! flagged-at-least: 2MB
//! fixed-at-most: 1MB
//
// A worker links a token source to its stopping token for every item (to add a per-item timeout) and never disposes
// it: the stopping token's registration list keeps every linked source. The fix disposes it with 'using'.
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class TimeoutWorker : BackgroundService
{
    private readonly Inbox<int> _inbox;

    public TimeoutWorker(Inbox<int> inbox) => _inbox = inbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var item in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var perItem = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken); // flagged: MEM032
            await Task.Delay(0, perItem.Token);
            _inbox.Complete(perItem.IsCancellationRequested ? -1 : item % 13);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i, mark, services => services.AddHostedService<TimeoutWorker>());
}
