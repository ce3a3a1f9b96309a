//! rule: MEM001
//! fix: MEM00x_BoundedMemoryCache
//! action: bounded cache
//! measure: alive
//! unit: cached SKUs kept
//! invocations: 40,000
//! flagged-at-least: 38,000
//! fixed-at-most: 10,500
//
// A worker caches a price per SKU in a static dictionary that is never evicted; SKUs keep arriving, so the cache
// grows for the life of the process. The fix turns it into a MemoryCache with a size limit (10,000 entries) and an
// absolute expiration per entry.
using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class PricingWorker : BackgroundService
{
    private static readonly ConcurrentDictionary<string, decimal> Quotes = new ConcurrentDictionary<string, decimal>();
    private readonly Inbox<string> _inbox;
    private readonly Action<object> _track;

    public PricingWorker(Inbox<string> inbox, Action<object> track)
    {
        _inbox = inbox;
        _track = track;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var sku in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            _inbox.Complete((long)Price(sku));
        }
    }

    private decimal Price(string sku)
    {
        _track(sku);
        return Quotes.GetOrAdd(sku, s => Lookup(s)); // flagged: MEM001
    }

    private static decimal Lookup(string sku) => sku.Length * 10m;
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => "sku-" + i, mark, services => services.AddSingleton(track).AddHostedService<PricingWorker>());
}
