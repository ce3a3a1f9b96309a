using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    public class MEM040And041Tests
    {
        private static readonly string[] Ef = Packages.Of(Packages.EntityFramework, Packages.Hosting, Packages.Caching);

        private const string Model = Sources.EfOrders;

        // ---------------------------------------------------------------- MEM040

        [Fact]
        public Task MEM040_BackgroundServiceKeepsADbContext()
            => VerifyMEM040.DiagnosticsAsync(@"
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class OrderWorker : BackgroundService
{
    private readonly AppDbContext _db;
    public OrderWorker(AppDbContext db) { {|MEM040:_db = db|}; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var count = _db.Orders.Count();
            await Task.Delay(1000, stoppingToken);
        }
    }
}" + Model, Ef);

        [Fact]
        public Task MEM040_PrimaryConstructorCapture_AndFactoryContextInAField()
            => VerifyMEM040.DiagnosticsAsync(@"
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;

public sealed class Poller(AppDbContext {|MEM040:db|}) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.FromResult(db.Orders.Count());
}

public sealed class Importer : BackgroundService
{
    private readonly IDbContextFactory<AppDbContext> _factory;
    private AppDbContext _context;
    public Importer(IDbContextFactory<AppDbContext> factory) => _factory = factory;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        {|MEM040:_context = _factory.CreateDbContext()|};
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
}" + Model, Ef);

        [Fact]
        public Task MEM040_SingletonRegisteredQuartzJob_AndScopedRegistration()
            => VerifyMEM040.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

public interface IOrderRepository { int Count(); }
public sealed class OrderRepository : IOrderRepository { public int Count() => 0; }

public sealed class ReportJob : IJob
{
    private readonly IOrderRepository _orders;
    public ReportJob(IOrderRepository orders) { {|MEM040:_orders = orders|}; }
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) { _orders.Count(); return default; }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddScoped<IOrderRepository, OrderRepository>();
        services.AddSingleton<ReportJob>();
    }
}", Packages.Of(Packages.Hosting, Packages.Quartz));

        [Fact]
        public Task MEM040_RootProviderResolvesScopedServices()
            => VerifyMEM040.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Worker : BackgroundService
{
    private readonly IServiceProvider _provider;
    public Worker(IServiceProvider provider) => _provider = provider;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var db = {|MEM040:_provider.GetRequiredService<AppDbContext>()|};
            using var scope = _provider.CreateScope();
            var fine = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await Task.Delay(1000, stoppingToken);
        }
    }
}" + Model, Ef);

        [Fact]
        public Task MEM040_LookAlikes_AreNotFlagged()
            => VerifyMEM040.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Msg { }

public sealed class OrderConsumer : IConsumer<Msg>                // per message: a scoped context is right here
{
    private readonly AppDbContext _db;
    public OrderConsumer(AppDbContext db) => _db = db;
    public Task Consume(ConsumeContext<Msg> context) => Task.CompletedTask;
}

public sealed class ScopedWorker : BackgroundService              // the scoped form
{
    private readonly IServiceScopeFactory _scopes;
    private readonly IDbContextFactory<AppDbContext> _factory;    // the factory itself is a singleton
    public ScopedWorker(IServiceScopeFactory scopes, IDbContextFactory<AppDbContext> factory) { _scopes = scopes; _factory = factory; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await using var other = _factory.CreateDbContext();
        }
    }
}

public sealed class PlainClass
{
    private readonly AppDbContext _db;
    public PlainClass(AppDbContext db) => _db = db;                 // not a handler
}" + Model, Packages.Of(Ef, Packages.MassTransit));

        [Fact]
        public Task MEM040_Fix_ScopePerIteration_KeepsOtherParametersAndComments()
            => VerifyMEM040.FixAsync(@"
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

public sealed class OrderWorker : BackgroundService
{
    // the orders database
    private readonly AppDbContext _db;
    private readonly ILogger<OrderWorker> _logger;

    public OrderWorker(AppDbContext db, ILogger<OrderWorker> logger)
    {
        {|MEM040:_db = db|}; // kept for the process
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var count = _db.Orders.Count();
            _logger.LogInformation(""{Count} orders"", count);
            await Task.Delay(1000, stoppingToken);
        }
    }
}" + Model, @"
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

public sealed class OrderWorker : BackgroundService
{
    // the orders database
    private readonly IServiceScopeFactory _scopeFactory;
    private readonly ILogger<OrderWorker> _logger;

    public OrderWorker(IServiceScopeFactory scopeFactory, ILogger<OrderWorker> logger)
    {
        _scopeFactory = scopeFactory; // kept for the process
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await using var scope = _scopeFactory.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var count = db.Orders.Count();
            _logger.LogInformation(""{Count} orders"", count);
            await Task.Delay(1000, stoppingToken);
        }
    }
}" + Model, Ef);

        [Fact]
        public Task MEM040_IncompleteCode_DoesNotCrash()
            => VerifyMEM040.NoCrashAsync(@"
using Microsoft.Extensions.Hosting;
public sealed class OrderWorker : BackgroundService
{
    private readonly AppDbContext _db;
    public OrderWorker(AppDbContext db) { _db = 
    protected override async System.Threading.Tasks.Task ExecuteAsync(System.Threading.CancellationToken t) { while (!t.IsCancellationRequested) { _db. } }
" + Model, Ef);

        // ---------------------------------------------------------------- MEM041

        [Fact]
        public Task MEM041_ScopeAndContextCreatedBeforeTheLoop()
            => VerifyMEM041.DiagnosticsAsync(@"
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Worker : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    private readonly IDbContextFactory<AppDbContext> _factory;
    public Worker(IServiceScopeFactory scopes, IDbContextFactory<AppDbContext> factory) { _scopes = scopes; _factory = factory; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var scope = {|MEM041:_scopes.CreateScope()|};
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var context = {|MEM041:_factory.CreateDbContext()|};
        while (!stoppingToken.IsCancellationRequested)
        {
            var pending = db.Orders.Count() + context.Orders.Count();
            await Task.Delay(1000, stoppingToken);
        }
    }
}" + Model, Ef);

        [Fact]
        public Task MEM041_LookAlikes_AreNotFlagged()
            => VerifyMEM041.DiagnosticsAsync(@"
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Worker : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    public Worker(IServiceScopeFactory scopes) => _scopes = scopes;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using (var startup = _scopes.CreateScope())                       // used before the loop only
        {
            startup.ServiceProvider.GetRequiredService<AppDbContext>().Database.EnsureCreated();
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            using var scope = _scopes.CreateScope();                      // a scope per iteration
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await Task.Delay(1000, stoppingToken);
        }
    }

    public int Batch()
    {
        using var scope = _scopes.CreateScope();                          // not a worker loop
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var total = 0;
        for (var i = 0; i < 3; i++) { total += db.Orders.Count(); }
        return total;
    }
}" + Model, Ef);

        [Fact]
        public Task MEM041_Fix_MovesTheScopeAndItsServicesIntoTheLoop()
            => VerifyMEM041.FixAsync(@"
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Worker : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    public Worker(IServiceScopeFactory scopes) => _scopes = scopes;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var scope = {|MEM041:_scopes.CreateAsyncScope()|};
        // the orders context
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var pending = db.Orders.Count();
            await Task.Delay(1000, stoppingToken);
        }
    }
}" + Model, @"
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Worker : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    public Worker(IServiceScopeFactory scopes) => _scopes = scopes;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await using var scope = _scopes.CreateAsyncScope();
            // the orders context
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var pending = db.Orders.Count();
            await Task.Delay(1000, stoppingToken);
        }
    }
}" + Model, Ef);

        [Fact]
        public Task MEM041_Fix_ClearsTheChangeTrackerWhenTheContextIsUsedAfterTheLoop()
            => VerifyMEM041.FixAsync(@"
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;

public sealed class Worker : BackgroundService
{
    private readonly IDbContextFactory<AppDbContext> _factory;
    public Worker(IDbContextFactory<AppDbContext> factory) => _factory = factory;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var db = {|MEM041:_factory.CreateDbContext()|};
        while (!stoppingToken.IsCancellationRequested)
        {
            var pending = db.Orders.ToList();
            await Task.Delay(1000, stoppingToken);
        }

        db.Database.EnsureDeleted();
    }
}" + Model, @"
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;

public sealed class Worker : BackgroundService
{
    private readonly IDbContextFactory<AppDbContext> _factory;
    public Worker(IDbContextFactory<AppDbContext> factory) => _factory = factory;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var db = _factory.CreateDbContext();
        while (!stoppingToken.IsCancellationRequested)
        {
            var pending = db.Orders.ToList();
            await Task.Delay(1000, stoppingToken);
            db.ChangeTracker.Clear();
        }

        db.Database.EnsureDeleted();
    }
}" + Model, Ef);

        [Fact]
        public Task MEM041_IncompleteCode_DoesNotCrash()
            => VerifyMEM041.NoCrashAsync(@"
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
public sealed class Worker : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    protected override async System.Threading.Tasks.Task ExecuteAsync(System.Threading.CancellationToken t)
    {
        var scope = _scopes.CreateScope(
        while (!t.IsCancellationRequested) { scope.
" + Model, Ef);
    }
}
