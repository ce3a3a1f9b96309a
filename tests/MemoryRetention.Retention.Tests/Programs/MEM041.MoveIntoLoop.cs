//! rule: MEM041
//! fix: MEM041_MoveIntoLoop
//! action: move into the loop
//! measure: alive
//! unit: orders tracked
//! invocations: 1,000
//! flagged-at-least: 900
//! fixed-at-most: 20
//
// A worker creates its DI scope (and so its OrdersDb) once, before its loop: the context's change tracker keeps every
// order of every iteration. The fix moves the scope and the services resolved from it into the loop.
using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class BillingWorker : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    private readonly Inbox<int> _inbox;
    private readonly Action<object> _track;

    public BillingWorker(IServiceScopeFactory scopes, Inbox<int> inbox, Action<object> track)
    {
        _scopes = scopes;
        _inbox = inbox;
        _track = track;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var scope = _scopes.CreateAsyncScope(); // flagged: MEM041
        // the orders context
        var db = scope.ServiceProvider.GetRequiredService<OrdersDb>();
        await foreach (var id in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var order = db.Orders.Find(id)!;
            _track(order);
            _inbox.Complete(order.Id * 2 + order.Lines.Length);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i + 1, mark, services =>
        {
            OrdersData.Add(services, invocations);
            services.AddSingleton(track).AddHostedService<BillingWorker>();
        });
}
