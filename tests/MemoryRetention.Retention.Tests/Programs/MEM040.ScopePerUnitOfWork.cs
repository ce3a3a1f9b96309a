//! rule: MEM040
//! fix: MEM040_ScopePerUnitOfWork
//! action: scope per unit of work
//! measure: alive
//! unit: orders tracked
//! invocations: 1,000
//! flagged-at-least: 900
//! fixed-at-most: 20
//
// A hosted service (a singleton) takes the scoped OrdersDb in its constructor: the one context lives for the process
// and its change tracker keeps every order the worker ever loaded. The fix injects IServiceScopeFactory and resolves
// the context from a scope per unit of work.
using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class ShippingWorker : BackgroundService
{
    private readonly OrdersDb _db;
    private readonly Inbox<int> _inbox;
    private readonly Action<object> _track;

    public ShippingWorker(OrdersDb db, Inbox<int> inbox, Action<object> track)
    {
        _db = db; // flagged: MEM040
        _inbox = inbox;
        _track = track;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var order = _db.Orders.Find(id)!;
            _track(order);
            _inbox.Complete(order.Id + order.Lines.Length);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i + 1, mark, services =>
        {
            OrdersData.Add(services, invocations);
            services.AddSingleton(track).AddHostedService<ShippingWorker>();
        });
}
