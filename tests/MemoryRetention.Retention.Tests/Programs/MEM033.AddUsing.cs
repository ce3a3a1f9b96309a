//! rule: MEM033
//! fix: MEM033_AddUsing
//! action: using
//! measure: timers
//! unit: periodic timers kept
//! invocations: 3,000
//! flagged-at-least: 2,700
//! fixed-at-most: 20
//
// A worker paces each job with a PeriodicTimer it creates per job and never disposes: the runtime's timer queue keeps
// every one of them scheduled (and reachable) for the life of the process. The fix disposes it with 'using'.
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class PacedWorker : BackgroundService
{
    private readonly Inbox<int> _inbox;

    public PacedWorker(Inbox<int> inbox) => _inbox = inbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var job in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var pace = new PeriodicTimer(TimeSpan.FromMinutes(10)); // flagged: MEM033
            _inbox.Complete(job % 17 + (long)pace.Period.TotalMinutes);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i, mark, services => services.AddHostedService<PacedWorker>());
}
