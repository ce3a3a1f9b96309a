//! rule: MEM051
//! fix: MEM051_AddExpiration
//! action: expiration
//! measure: alive
//! unit: cached lookups kept
//! invocations: 12,000
//! flagged-at-least: 11,000
//! fixed-at-most: 2,000
//
// A worker caches a lookup per customer in the shared IMemoryCache with no expiration: customers keep arriving, and
// every entry stays for the life of the process. The fix gives each entry an absolute expiration (10 minutes). The
// cache runs on a clock the driver advances by a minute every 100 messages (simulated time: the run covers 2 hours).
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Customer
{
    public Customer(int id) => Id = id;

    public int Id { get; }

    public byte[] Profile { get; } = new byte[128];
}

public sealed class CustomerWorker : BackgroundService
{
    private readonly IMemoryCache _cache;
    private readonly Inbox<int> _inbox;
    private readonly Action<object> _track;

    public CustomerWorker(IMemoryCache cache, Inbox<int> inbox, Action<object> track)
    {
        _cache = cache;
        _inbox = inbox;
        _track = track;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var customer = _cache.GetOrCreate("customer:" + id, entry => Load(id)); // flagged: MEM051
            _inbox.Complete(customer!.Id % 29);
        }
    }

    private Customer Load(int id)
    {
        var customer = new Customer(id);
        _track(customer);
        return customer;
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
    {
        var clock = new SimulatedClock();
        return GenericHost.RunAsync(invocations, i => { clock.Tick(i); return i; }, mark, services =>
            services.AddSingleton(track).AddMemoryCache(o => clock.Use(o)).AddHostedService<CustomerWorker>());
    }
}
