using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>Rules asking the one lifetime service: registered singletons, Orleans activations, Akka extensions.</summary>
    public class LifetimeRulesTests
    {
        private static readonly string[] Ef = Packages.Of(Packages.EntityFramework, Packages.Hosting);

        private const string Model = Sources.EfOrders;

        [Fact]
        public Task MEM040_RegisteredSingletonThatIsNoHandler_KeepsADbContext()
            => VerifyMEM040.DiagnosticsAsync(@"
using System.Linq;
using Microsoft.Extensions.DependencyInjection;

public interface IPriceCache { int Count(); }
public sealed class PriceCache : IPriceCache
{
    private readonly AppDbContext _db;
    public PriceCache(AppDbContext db) { {|MEM040:_db = db|}; }
    public int Count() => _db.Orders.Count();
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddDbContext<AppDbContext>();
        services.AddSingleton<IPriceCache, PriceCache>();
    }
}" + Model, Ef);

        [Fact]
        public Task MEM040_ScopedServiceKeepingADbContext_IsFine()
            => VerifyMEM040.DiagnosticsAsync(@"
using System.Linq;
using Microsoft.Extensions.DependencyInjection;

public sealed class OrderReader
{
    private readonly AppDbContext _db;
    public OrderReader(AppDbContext db) { _db = db; }
    public int Count() => _db.Orders.Count();
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddDbContext<AppDbContext>();
        services.AddScoped<OrderReader>();
    }
}" + Model, Ef);

        [Fact]
        public Task MEM002_OrleansGrainState_KeyedByItsOwnEntity_IsSilent()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using Orleans;

public interface ICartGrain : IGrainWithStringKey { Task Add(string sku, int quantity); }
public sealed class CartGrain : Grain, ICartGrain
{
    private readonly Dictionary<string, int> _items = new Dictionary<string, int>();
    public Task Add(string sku, int quantity) { _items[sku] = quantity; return Task.CompletedTask; }
}

public sealed class Shop
{
    private readonly IGrainFactory _grains;
    public Shop(IGrainFactory grains) => _grains = grains;
    public Task Buy(string user, string sku) => _grains.GetGrain<ICartGrain>(user).Add(sku, 1);
}", Packages.Orleans);

        [Fact]
        public Task MEM002_OrleansAggregators_StatelessWorkerAndOneConstantKey()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using Orleans;
using Orleans.Concurrency;

public interface IStatsGrain : IGrainWithIntegerKey { Task Record(string user); }
public sealed class StatsGrain : Grain, IStatsGrain
{
    private readonly HashSet<string> _users = new HashSet<string>();
    public Task Record(string user) { {|MEM002:_users.Add(user)|}; return Task.CompletedTask; }
}

public interface IAuditGrain : IGrainWithIntegerKey { Task Write(string line); }
[StatelessWorker]
public sealed class AuditGrain : Grain, IAuditGrain
{
    private readonly List<string> _lines = new List<string>();
    public Task Write(string line) { {|MEM002:_lines.Add(line)|}; return Task.CompletedTask; }
}

public sealed class Api
{
    private readonly IGrainFactory _grains;
    public Api(IGrainFactory grains) => _grains = grains;
    public Task Visit(string user) => _grains.GetGrain<IStatsGrain>(0).Record(user);
}", Packages.Orleans);

        [Fact]
        public Task MEM002_SingletonServiceCollection_AddedToByPerMessageAndScopedCode()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

public sealed class OrderPlaced { public string Name { get; set; } public int Id { get; set; } }

public interface IMetrics { void Record(string name); }
public sealed class Metrics : IMetrics
{
    private readonly List<string> _names = new List<string>();
    public void Record(string name) { {|MEM002:_names.Add(name)|}; }
}

public sealed class SeenOrders
{
    private readonly HashSet<int> _ids = new HashSet<int>();
    public void Track(int id) => Remember(id);
    private void Remember(int id) { {|MEM002:_ids.Add(id)|}; }
}

public sealed class OrderConsumer : IConsumer<OrderPlaced>
{
    private readonly IMetrics _metrics;
    private readonly OrderService _orders;
    public OrderConsumer(IMetrics metrics, OrderService orders) { _metrics = metrics; _orders = orders; }
    public Task Consume(ConsumeContext<OrderPlaced> context) { _metrics.Record(context.Message.Name); _orders.Place(context.Message.Id); return Task.CompletedTask; }
}

// A scoped service between the consumer and the singleton: the add is reached per message through it.
public sealed class OrderService
{
    private readonly SeenOrders _seen;
    public OrderService(SeenOrders seen) { _seen = seen; }
    public void Place(int id) => _seen.Track(id);
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<IMetrics, Metrics>();
        services.AddSingleton<SeenOrders>();
        services.AddScoped<OrderService>();
    }
}", Packages.Of(Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task MEM002_SingletonServiceCollection_LookAlikes_StartupOnly_Removed_ScopedOwner()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

public sealed class OrderPlaced { public int Id { get; set; } }

public sealed class Routes
{
    private readonly List<string> _routes = new List<string>();
    public void Register(string route) { _routes.Add(route); }
}

public sealed class InFlight
{
    private readonly HashSet<int> _ids = new HashSet<int>();
    public void Start(int id) { _ids.Add(id); }
    public void Stop(int id) { _ids.Remove(id); }
}

public sealed class Basket
{
    private readonly List<int> _items = new List<int>();
    public void Add(int id) { _items.Add(id); }
}

public sealed class OrderConsumer : IConsumer<OrderPlaced>
{
    private readonly InFlight _inFlight;
    private readonly Basket _basket;
    public OrderConsumer(InFlight inFlight, Basket basket) { _inFlight = inFlight; _basket = basket; }
    public Task Consume(ConsumeContext<OrderPlaced> context)
    {
        _inFlight.Start(context.Message.Id);
        _basket.Add(context.Message.Id);
        _inFlight.Stop(context.Message.Id);
        return Task.CompletedTask;
    }
}

public static class Setup
{
    public static void Register(IServiceCollection services, Routes routes)
    {
        services.AddSingleton(routes);
        routes.Register(""/orders"");
        services.AddSingleton<InFlight>();
        services.AddScoped<Basket>();
    }
}", Packages.Of(Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task MEM002_AkkaExtensionAndObjectCreatedOnceInExecuteAsync_AddedToPerMessage()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Akka.Actor;
using Microsoft.Extensions.Hosting;

public sealed class SessionRegistry : IExtension
{
    private readonly Dictionary<string, IActorRef> _sessions = new Dictionary<string, IActorRef>();
    public void Register(string id, IActorRef actor) { {|MEM002:_sessions[id] = actor|}; }
}

public sealed class SessionActor : UntypedActor
{
    private readonly SessionRegistry _registry;
    public SessionActor(SessionRegistry registry) { _registry = registry; }
    protected override void OnReceive(object message) { _registry.Register(message.ToString(), Sender); }
}

public sealed class Totals
{
    private readonly List<int> _values = new List<int>();
    public void Add(int value) { {|MEM002:_values.Add(value)|}; }
}

public sealed class TotalsWorker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var totals = new Totals();
        var i = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            totals.Add(i++);
            await Task.Delay(10, stoppingToken);
        }
    }
}", Packages.Of(Packages.Akka, Packages.Hosting));
    }
}
