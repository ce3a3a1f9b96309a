//! rule: MEM063
//! fix: MEM063_RemoveIntern
//! action: remove string.Intern
//! measure: alive
//! unit: interned trader names kept
//! invocations: 5,000
//! flagged-at-least: 4,500
//! fixed-at-most: 20
//
// A worker interns a string from every trade "to dedupe" it — but the names come from the messages, and the runtime's
// intern pool is never emptied: every distinct name stays for the life of the process. The fix removes the call.
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class TradeWorker : BackgroundService
{
    private readonly Inbox<int> _inbox;
    private readonly Action<object> _track;

    public TradeWorker(Inbox<int> inbox, Action<object> track)
    {
        _inbox = inbox;
        _track = track;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var trade in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var name = "proof-trader-" + Guid.NewGuid().ToString("N") + "-" + trade;
            _track(name);
            var trader = string.Intern(name); // flagged: MEM063
            _inbox.Complete(trader.Length + trade % 31);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i, mark, services => services.AddSingleton(track).AddHostedService<TradeWorker>());
}
