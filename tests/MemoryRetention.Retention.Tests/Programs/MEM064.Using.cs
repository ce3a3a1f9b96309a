//! rule: MEM064
//! fix: MEM064_using
//! action: using
//! measure: timers
//! unit: refresher timers kept
//! invocations: 2,000
//! flagged-at-least: 1,800
//! fixed-at-most: 20
//
// A worker builds a DI container per batch and never disposes it: the container never disposes its singletons, so
// each batch's refresher keeps its timer (and itself) scheduled for the life of the process. The fix disposes the
// provider with 'await using'.
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Refresher : IDisposable
{
    private readonly Timer _timer;

    public Refresher() => _timer = new Timer(_ => { }, null, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));

    public int Refresh(int batch) => batch % 37;

    public void Dispose() => _timer.Dispose();
}

public sealed class BatchImporter : BackgroundService
{
    private readonly Inbox<int> _inbox;

    public BatchImporter(Inbox<int> inbox) => _inbox = inbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var batch in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            // one container per batch
            var provider = new ServiceCollection().AddSingleton<Refresher>().BuildServiceProvider(); // flagged: MEM064
            _inbox.Complete(provider.GetRequiredService<Refresher>().Refresh(batch));
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i, mark, services => services.AddHostedService<BatchImporter>());
}
