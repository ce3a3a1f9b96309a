using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;
using VerifyCollections = MemoryRetention.Analyzers.Tests.Verifiers.Verify<
    MemoryRetention.Analyzers.Rules.GrowingCollectionAnalyzer,
    MemoryRetention.CodeFixes.GrowingCollectionCodeFix>;
using VerifyMEM040 = MemoryRetention.Analyzers.Tests.Verifiers.Verify<
    MemoryRetention.Analyzers.Rules.CaptiveScopedServiceAnalyzer,
    MemoryRetention.CodeFixes.CaptiveScopedServiceCodeFix>;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>Rules asking the one lifetime service: registered singletons, Orleans activations, Akka extensions.</summary>
    public class LifetimeRulesTests
    {
        private static readonly string[] Ef = Packages.Of(Packages.EntityFramework, Packages.Hosting);

        private const string Model = @"
public sealed class Order { public int Id { get; set; } }
public sealed class AppDbContext : Microsoft.EntityFrameworkCore.DbContext
{
    public AppDbContext(Microsoft.EntityFrameworkCore.DbContextOptions<AppDbContext> options) : base(options) { }
    public Microsoft.EntityFrameworkCore.DbSet<Order> Orders => Set<Order>();
}
";

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
    }
}
