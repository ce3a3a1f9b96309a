using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    public class MEM050And051Tests
    {
        private static readonly string[] Caching = Packages.Of(Packages.Caching, Packages.Hosting);

        // ---------------------------------------------------------------- MEM050

        [Fact]
        public Task MEM050_UnboundedQueuesKeptForTheProcess()
            => VerifyMEM050.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Threading.Channels;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.DependencyInjection;

public sealed class WorkQueue
{
    private readonly Channel<string> _items = {|MEM050:Channel.CreateUnbounded<string>()|};
    private readonly BlockingCollection<int> _ids = {|MEM050:new BlockingCollection<int>()|};
    private readonly ActionBlock<int> _block = {|MEM050:new ActionBlock<int>(i => Console.WriteLine(i))|};
    private Channel<int> _late;

    public void Start() => _late = {|MEM050:Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true })|};

    public static void Register(IServiceCollection services)
        => services.AddSingleton({|MEM050:Channel.CreateUnbounded<string>()|});
}", Packages.Hosting);

        [Fact]
        public Task MEM050_LookAlikes_AreNotFlagged()
            => VerifyMEM050.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Threading.Channels;
using System.Threading.Tasks.Dataflow;

public sealed class WorkQueue
{
    private readonly Channel<string> _items = Channel.CreateBounded<string>(100);
    private readonly BlockingCollection<int> _ids = new BlockingCollection<int>(boundedCapacity: 50);
    private readonly ActionBlock<int> _block = new ActionBlock<int>(i => Console.WriteLine(i), new ExecutionDataflowBlockOptions { BoundedCapacity = 10 });

    public int Drain()
    {
        var local = Channel.CreateUnbounded<int>();      // per call, dies with it
        local.Writer.TryWrite(1);
        return local.Reader.Count;
    }
}", Packages.Hosting);

        [Fact]
        public Task MEM050_Fix_BoundedChannelWithANamedCapacity()
            => VerifyMEM050.FixAsync(@"
using System.Collections.Concurrent;
using System.Threading.Channels;

public sealed class WorkQueue
{
    // orders waiting for the worker
    private readonly Channel<string> _orders = {|MEM050:Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true })|};
    private readonly BlockingCollection<int> _ids = {|MEM050:new BlockingCollection<int>()|};
}", @"
using System.Collections.Concurrent;
using System.Threading.Channels;

public sealed class WorkQueue
{
    // How many queued items producers may get ahead of the worker before they wait.
    private const int IdsCapacity = 1000;

    // How many queued items producers may get ahead of the worker before they wait.
    private const int OrdersCapacity = 1000;

    // orders waiting for the worker
    private readonly Channel<string> _orders = Channel.CreateBounded<string>(new BoundedChannelOptions(OrdersCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly BlockingCollection<int> _ids = new BlockingCollection<int>(IdsCapacity);
}", Packages.Hosting);

        // ---------------------------------------------------------------- MEM051

        [Fact]
        public Task MEM051_EntriesWithoutExpirationInHandlers()
            => VerifyMEM051.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Memory;
using Quartz;

public sealed class PriceJob : IJob
{
    private readonly IMemoryCache _cache;
    public PriceJob(IMemoryCache cache) => _cache = cache;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var sku = context.FireInstanceId;
        {|MEM051:_cache.Set(sku, 42)|};
        var price = await {|MEM051:_cache.GetOrCreateAsync(""price:"" + sku, entry => Task.FromResult(1))|};
        {|MEM051:_cache.Set(sku + ""x"", 1, new MemoryCacheEntryOptions { Priority = CacheItemPriority.NeverRemove })|};
    }
}", Packages.Of(Caching, Packages.Quartz));

        [Fact]
        public Task MEM051_LookAlikes_AreNotFlagged()
            => VerifyMEM051.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Memory;
using Quartz;

public sealed class PriceJob : IJob
{
    private readonly IMemoryCache _cache;
    public PriceJob(IMemoryCache cache) => _cache = cache;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var sku = context.FireInstanceId;
        _cache.Set(sku, 42, TimeSpan.FromMinutes(5));
        _cache.Set(sku, 42, DateTimeOffset.UtcNow.AddMinutes(5));
        _cache.Set(sku, 42, new MemoryCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) });
        await _cache.GetOrCreateAsync(sku, entry => { entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1); return Task.FromResult(1); });
        _cache.Set(""all-prices"", 1);                        // one constant key: one entry
    }

    public void Warm() => _cache.Set(Guid.NewGuid(), 1);    // not a handler
}", Packages.Of(Caching, Packages.Quartz));

        [Fact]
        public Task MEM051_Fix_AbsoluteExpirationAsANamedConstant()
            => VerifyMEM051.FixAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Memory;
using Quartz;

public sealed class PriceJob : IJob
{
    private readonly IMemoryCache _cache;
    public PriceJob(IMemoryCache cache) => _cache = cache;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var sku = context.FireInstanceId;
        {|MEM051:_cache.Set(sku, 42)|};
        var price = await {|MEM051:_cache.GetOrCreateAsync(""price:"" + sku, entry => Task.FromResult(1))|};
    }
}", @"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Memory;
using Quartz;

public sealed class PriceJob : IJob
{
    // How long a cached entry lives before it expires; tune to the data's freshness and volume.
    private const int CacheEntryLifetimeMinutes = 10;
    private readonly IMemoryCache _cache;
    public PriceJob(IMemoryCache cache) => _cache = cache;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var sku = context.FireInstanceId;
        _cache.Set(sku, 42, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(CacheEntryLifetimeMinutes) });
        var price = await _cache.GetOrCreateAsync(""price:"" + sku, entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(CacheEntryLifetimeMinutes);
            return Task.FromResult(1);
        });
    }
}", Packages.Of(Caching, Packages.Quartz));

        [Fact]
        public Task MEM050_WorkQueueFieldsWithoutASizeCheck()
            => VerifyMEM050.DiagnosticsAsync(@"
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using Microsoft.Extensions.DependencyInjection;

public static class Startup
{
    public static void Configure(IServiceCollection services) => services.AddSingleton<Jobs>();
}

// A pump owned by one call: its queue drains with it (the shape of a RunSync synchronization context).
public sealed class OneCallPump : SynchronizationContext
{
    private readonly ConcurrentQueue<SendOrPostCallback> _items = new ConcurrentQueue<SendOrPostCallback>();
    public override void Post(SendOrPostCallback d, object state) => _items.Enqueue(d);
    public void Run() { while (_items.TryDequeue(out var item)) item(null); }
}

public sealed class Jobs
{
    private static readonly ConcurrentQueue<int> {|MEM050:Retries|} = new ConcurrentQueue<int>();
    public static void Retry(int id) => Retries.Enqueue(id);
    public static bool NextRetry(out int id) => Retries.TryDequeue(out id);

    private readonly ConcurrentQueue<string> {|MEM050:_pending|} = new ConcurrentQueue<string>();
    private readonly ConcurrentQueue<string> _bounded = new ConcurrentQueue<string>();
    private readonly Queue<int> _history = new Queue<int>();                  // enqueued only: MEM001/MEM002's business

    public void Submit(string job) => _pending.Enqueue(job);
    public bool TryTake(out string job) => _pending.TryDequeue(out job);

    public void SubmitBounded(string job) { if (_bounded.Count < 100) { _bounded.Enqueue(job); } }
    public bool TryTakeBounded(out string job) => _bounded.TryDequeue(out job);

    public void Remember(int id) => _history.Enqueue(id);
}", Packages.Hosting);

        [Fact]
        public Task MEM051_SizeLimitedCache_EntriesNeedASize_AndAnUnlimitedCacheIsReported()
            => VerifyMEM051.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Hosting;

public sealed class Prices : BackgroundService
{
    private readonly MemoryCache _limited = new MemoryCache(new MemoryCacheOptions { SizeLimit = 1000 });
    private readonly MemoryCache _unlimited = {|MEM051:new MemoryCache(new MemoryCacheOptions())|};
    private static readonly IMemoryCache Shared = {|MEM051:new MemoryCache(new MemoryCacheOptions())|};   // typed by its interface

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var sku = Guid.NewGuid().ToString();
            {|MEM051:_limited.Set(sku, 1, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) })|};
            _limited.Set(sku + ""sized"", 1, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1), Size = 1 });
            _unlimited.Set(sku, 1, TimeSpan.FromMinutes(1));
            Shared.Set(sku, 1, TimeSpan.FromMinutes(1));
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Caching);

        [Fact]
        public Task MEM051_ASizeLimitOnOneCache_DoesNotMakeEntriesOfAnotherNeedASize()
            => VerifyMEM051.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Memory;
using Quartz;

public sealed class Limited
{
    private static readonly MemoryCache Cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = 100 });
}

public sealed class PriceJob : IJob
{
    private readonly IMemoryCache _cache;                       // the DI cache: AddMemoryCache() sets no SizeLimit here
    public PriceJob(IMemoryCache cache) { _cache = cache; }

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        _cache.Set(context.FireInstanceId, 1, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) });
        return default;
    }
}", Packages.Of(Caching, Packages.Quartz));

        [Fact]
        public Task MEM051_TheDICacheConfiguredWithASizeLimit_NeedsSizes()
            => VerifyMEM051.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

public static class Startup
{
    public static void Configure(IServiceCollection services) => services.AddMemoryCache(o => o.SizeLimit = 1_000);
}

public sealed class PriceJob : IJob
{
    private readonly IMemoryCache _cache;
    public PriceJob(IMemoryCache cache) { _cache = cache; }

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        {|MEM051:_cache.Set(context.FireInstanceId, 1, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) })|};
        _cache.Set(context.FireInstanceId + ""/sized"", 1, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1), Size = 1 });
        return default;
    }
}", Packages.Of(Caching, Packages.Quartz));

        [Fact]
        public Task MEM051_TheBoundedFormThatMEM001Writes_IsNotFlagged()
            => VerifyMEM051.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Memory;
using Quartz;

public sealed class PriceJob : IJob
{
    private const long PricesSizeLimit = 10_000;
    private const int PricesLifetimeMinutes = 10;
    private static readonly MemoryCacheEntryOptions PricesEntryOptions = new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(PricesLifetimeMinutes) };
    private static readonly MemoryCache Prices = new MemoryCache(new MemoryCacheOptions { SizeLimit = PricesSizeLimit });

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var sku = context.FireInstanceId;
        if (!Prices.TryGetValue<decimal>(sku, out var price))
        {
            price = Prices.GetOrCreate(sku, entry => { entry.SetOptions(PricesEntryOptions); var s = (string)entry.Key; return (decimal)s.Length; });
        }

        Prices.Set(sku + ""/audit"", price, PricesEntryOptions);
        return default;
    }
}", Packages.Of(Caching, Packages.Quartz));

        [Fact]
        public Task IncompleteCode_DoesNotCrash()
            => VerifyMEM051.NoCrashAsync(@"
using System.Threading.Channels;
using Microsoft.Extensions.Caching.Memory;
public sealed class Job : Quartz.IJob
{
    private readonly Channel<int> _c = Channel.CreateUnbounded<
    private IMemoryCache _cache;
    public System.Threading.Tasks.ValueTask Execute(Quartz.IJobExecutionContext context, System.Threading.CancellationToken ct) { _cache.Set(context., ); _cache.GetOrCreate(x, e => 
", Packages.Of(Caching, Packages.Quartz));
    }
}
