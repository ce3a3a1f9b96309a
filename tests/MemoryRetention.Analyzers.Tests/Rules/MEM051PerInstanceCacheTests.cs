using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>
    /// MEM051 "caches created per service instance" (issue 16): a System.Runtime.Caching MemoryCache created per scope,
    /// resolution, message or job and never disposed stays rooted by the runtime, one per instance.
    /// </summary>
    public class MEM051PerInstanceCacheTests
    {
        private static readonly string[] Frameworks = Packages.Of(Packages.RuntimeCaching, Packages.Caching, Packages.Hosting, Packages.MassTransit, Packages.Quartz);

        [Fact]
        public Task RuntimeCachePerScopeResolutionMessageOrJob_NeverDisposed_IsFlagged()
            => VerifyMEM051.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using System.Runtime.Caching;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

public sealed class PriceLookup                                  // scoped: one per request / message scope
{
    private readonly MemoryCache _prices;
    public PriceLookup() { _prices = {|MEM051:new MemoryCache(""prices"")|}; }
    public object Get(string sku) => _prices.Get(sku);
}

public interface IRates { object Get(string currency); }
public sealed class Rates : IRates                               // transient: one per resolution
{
    private readonly MemoryCache _cache = {|MEM051:new MemoryCache(""rates"")|};
    public object Get(string currency) => _cache.Get(currency);
}

public sealed class OrderPlaced { public string Sku { get; set; } = """"; }
public sealed class OrderConsumer : IConsumer<OrderPlaced>       // a consumer instance per message
{
    private MemoryCache Seen { get; } = {|MEM051:new MemoryCache(""seen"")|};
    public Task Consume(ConsumeContext<OrderPlaced> context) { Seen.Set(context.Message.Sku, 1, new CacheItemPolicy()); return Task.CompletedTask; }
}

public sealed class RefreshJob : IJob
{
    private MemoryCache? _work;
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        _work = {|MEM051:new MemoryCache(""work"")|};                 // a new cache on every run
        return default;
    }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddScoped<PriceLookup>();
        services.AddTransient<IRates, Rates>();
    }
}", Frameworks);

        [Fact]
        public Task SharedOrDisposedCaches_AndTheExtensionsCache_AreNotFlagged()
            => VerifyMEM051.DiagnosticsAsync(@"
using System;
using System.Threading.Tasks;
using System.Runtime.Caching;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

public sealed class OrderPlaced { public string Sku { get; set; } = """"; }

public sealed class SharedCacheConsumer : IConsumer<OrderPlaced>
{
    private static readonly MemoryCache Shared = new MemoryCache(""shared"");   // once per process
    private static MemoryCache? _lazy;
    private readonly ObjectCache _default = MemoryCache.Default;                // the process-wide default
    public Task Consume(ConsumeContext<OrderPlaced> context)
    {
        _lazy ??= new MemoryCache(""lazy"");                                      // created once
        return Task.CompletedTask;
    }
}

public sealed class OwnedCache : IDisposable                                    // scoped, and disposes its cache
{
    private readonly MemoryCache _cache = new MemoryCache(""owned"");
    public void Dispose() => _cache.Dispose();
}

public sealed class MaybeOwned : IDisposable
{
    private MemoryCache? _cache;
    public MaybeOwned() { _cache = new MemoryCache(""maybe""); }
    public void Dispose() { _cache?.Dispose(); }
}

public sealed class ReleasedThroughAHelper : IDisposable                         // Dispose hands it to a helper that disposes it
{
    private readonly MemoryCache _cache = new MemoryCache(""helper"");
    public void Dispose() => Release.All(_cache);
}

public static class Release
{
    public static void All(params IDisposable[] owned) { foreach (var o in owned) o.Dispose(); }
}

public sealed class Registry                                                   // a singleton: one cache for the process
{
    private readonly MemoryCache _cache;
    public Registry() { _cache = new MemoryCache(""registry""); }
}

// Microsoft.Extensions.Caching.Memory's MemoryCache starts no timer and registers nowhere: collected with its owner.
public sealed class ExtensionsCacheUser
{
    private readonly Microsoft.Extensions.Caching.Memory.MemoryCache _cache =
        new Microsoft.Extensions.Caching.Memory.MemoryCache(new Microsoft.Extensions.Caching.Memory.MemoryCacheOptions());
}

public sealed class NotRegistered                                               // nothing says how often this is created
{
    private readonly MemoryCache _cache = new MemoryCache(""unknown"");
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddScoped<OwnedCache>();
        services.AddScoped<MaybeOwned>();
        services.AddScoped<ReleasedThroughAHelper>();
        services.AddScoped<ExtensionsCacheUser>();
        services.AddSingleton<Registry>();
    }
}", Frameworks);

        [Fact]
        public Task RuntimeCacheInALocal_IsMEM020s_OneFindingPerObject()
            => VerifyMEM051.DiagnosticsAsync(Consumer("new MemoryCache(\"local\")"), Frameworks);

        [Fact]
        public Task RuntimeCacheInALocal_IsReportedByMEM020()
            => VerifyMEM020.DiagnosticsAsync(Consumer("{|MEM020:new MemoryCache(\"local\")|}"), Frameworks);

        private static string Consumer(string creation) => @"
using System.Threading.Tasks;
using System.Runtime.Caching;
using MassTransit;

public sealed class OrderPlaced { public string Sku { get; set; } = """"; }
public sealed class LocalCacheConsumer : IConsumer<OrderPlaced>
{
    public Task Consume(ConsumeContext<OrderPlaced> context)
    {
        var cache = " + creation + @";
        cache.Set(context.Message.Sku, 1, new CacheItemPolicy());
        return Task.CompletedTask;
    }
}";

        [Fact]
        public Task Fix_DisposesTheCacheWithItsOwner_NewOrExistingDispose_FixAll()
            => VerifyMEM051.FixAsync(@"
using System.Runtime.Caching;
using Microsoft.Extensions.DependencyInjection;

public sealed class PriceLookup
{
    private readonly MemoryCache _prices;
    private readonly MemoryCache _rates = {|MEM051:new MemoryCache(""rates"")|};

    public PriceLookup()
    {
        // one per scope
        _prices = {|MEM051:new MemoryCache(""prices"")|};
    }

    public object Get(string sku) => _prices.Get(sku) ?? this._rates.Get(sku);
}

public sealed class Session : System.IDisposable
{
    private readonly System.IO.MemoryStream _buffer = new System.IO.MemoryStream();
    private MemoryCache? Seen { get; } = {|MEM051:new MemoryCache(""seen"")|};
    public bool Known(string id) => Seen?.Contains(id) == true;

    public void Dispose() => _buffer.Dispose();
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddScoped<PriceLookup>();
        services.AddTransient<Session>();
    }
}", @"
using System.Runtime.Caching;
using Microsoft.Extensions.DependencyInjection;

public sealed class PriceLookup : System.IDisposable
{
    private readonly MemoryCache _prices;
    private readonly MemoryCache _rates = new MemoryCache(""rates"");

    public PriceLookup()
    {
        // one per scope
        _prices = new MemoryCache(""prices"");
    }

    public object Get(string sku) => _prices.Get(sku) ?? this._rates.Get(sku);

    public void Dispose()
    {
        _rates.Dispose();
        _prices.Dispose();
    }
}

public sealed class Session : System.IDisposable
{
    private readonly System.IO.MemoryStream _buffer = new System.IO.MemoryStream();
    private MemoryCache? Seen { get; } = new MemoryCache(""seen"");
    public bool Known(string id) => Seen?.Contains(id) == true;

    public void Dispose()
    {
        _buffer.Dispose();
        Seen?.Dispose();
    }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddScoped<PriceLookup>();
        services.AddTransient<Session>();
    }
}", Frameworks);

        [Fact]
        public async Task NoFix_WhenTheCacheIsHandedOut_OrCreatedPerRun()
        {
            const string source = @"
using System.Threading;
using System.Threading.Tasks;
using System.Runtime.Caching;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

public sealed class Shared
{
    private readonly MemoryCache _cache = {|MEM051:new MemoryCache(""shared"")|};
    public ObjectCache Cache => _cache;                             // handed out: someone else may still use it
}

public sealed class RefreshJob : IJob
{
    private MemoryCache? _work;
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        _work = {|MEM051:new MemoryCache(""work"")|};                   // per run: Dispose would release only the last one
        return default;
    }
}

public static class Setup
{
    public static void Register(IServiceCollection services) => services.AddScoped<Shared>();
}";
            await VerifyMEM051.FixAsync(source, source, Frameworks);
        }

        [Fact]
        public Task PerInstanceCache_IncompleteCode_DoesNotCrash()
            => VerifyMEM051.NoCrashAsync(@"
using System.Runtime.Caching;
public sealed class Broken
{
    private readonly MemoryCache _a = new MemoryCache(;
    private MemoryCache _b;
    public Broken() { _b = new MemoryCache(""b"", ); Missing = new MemoryCache(""c""); }
    public void Dispose() { .Dispose(); _b?.; }
}", Frameworks);
    }
}
