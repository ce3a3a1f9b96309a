//! rule: MEM041
//! fix: MEM041_ClearChangeTracker
//! action: clear the change tracker
//! measure: alive
//! unit: orders tracked
//! invocations: 1,000
//! flagged-at-least: 900
//! fixed-at-most: 20
//
// A worker creates one OrdersDb from the factory for its whole run (it also uses it after the loop): its change
// tracker keeps every order of every iteration. The fix clears the change tracker at the end of each iteration.
using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class AuditWorker : BackgroundService
{
    private readonly IDbContextFactory<OrdersDb> _factory;
    private readonly Inbox<int> _inbox;
    private readonly Action<object> _track;

    public AuditWorker(IDbContextFactory<OrdersDb> factory, Inbox<int> inbox, Action<object> track)
    {
        _factory = factory;
        _inbox = inbox;
        _track = track;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var db = _factory.CreateDbContext(); // flagged: MEM041
        await foreach (var id in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var order = db.Orders.Find(id)!;
            _track(order);
            _inbox.Complete(order.Id * 3 + order.Lines.Length);
        }

        Console.Write(db.Orders.Count() > 0 ? string.Empty : "no orders");
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i + 1, mark, services =>
        {
            OrdersData.Add(services, invocations);
            services.AddSingleton(track).AddHostedService<AuditWorker>();
        });
}
