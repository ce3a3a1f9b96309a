using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM040 through the registration graph, factory registrations, mediators, parallel loops and registries.</summary>
    public class MEM040RegistrationGraphTests
    {
        private static readonly string[] Ef = Packages.Of(Packages.EntityFramework, Packages.Hosting);

        private const string Model = Sources.EfOrders;

        [Fact]
        public Task MEM040_SingletonThroughTransientToScoped_ReportedOnTheConstructorParameter()
            => VerifyMEM040.DiagnosticsAsync(@"
using System.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

public interface IOrderRepository { int Count(); }
public sealed class OrderRepository : IOrderRepository
{
    private readonly AppDbContext _db;
    public OrderRepository(AppDbContext db) { _db = db; }
    public int Count() => _db.Orders.Count();
}
public interface IOrderService { int Pending(); }
public sealed class OrderService : IOrderService
{
    private readonly IOrderRepository _orders;
    public OrderService(IOrderRepository orders) { _orders = orders; }
    public int Pending() => _orders.Count();
}
public interface IAudit { }
public sealed class Audit : IAudit { public Audit(IOrderService orders) { } }
public sealed class ReportService
{
    private readonly IAudit _audit;
    public ReportService(IAudit {|MEM040:audit|}) { _audit = audit; }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddDbContext<AppDbContext>();
        services.AddScoped<IOrderRepository, OrderRepository>();
        services.AddTransient<IOrderService, OrderService>();
        services.TryAddTransient<IAudit, Audit>();
        services.AddSingleton<ReportService>();
    }
}" + Model, Ef);

        [Fact]
        public Task MEM040_ScopedFactoryRegistrationThatDoesNotNameItsService_StillFound()
            // The service type is what the factory's call returns: no registration writes 'IOrderService', so the
            // syntax-only "no registration names it" shortcut must not rule it out.
            => VerifyMEM040.DiagnosticsAsync(@"
using Microsoft.Extensions.DependencyInjection;

public interface IOrderService { int Pending(); }
public sealed class OrderService : IOrderService { public int Pending() => 0; }
public sealed class ReportService
{
    private readonly IOrderService _orders;
    public ReportService(IOrderService orders) { {|MEM040:_orders = orders|}; }
}

public static class Setup
{
    private static IOrderService Create() => new OrderService();

    public static void Register(IServiceCollection services)
    {
        services.AddScoped(sp => Create());
        services.AddSingleton<ReportService>();
    }
}", Ef);

        [Fact]
        public Task MEM040_ScopedRegistrationThroughAnAlias_StillFound()
            => VerifyMEM040.DiagnosticsAsync(@"
using Microsoft.Extensions.DependencyInjection;
using Orders = IOrderService;

public interface IOrderService { int Pending(); }
public sealed class OrderService : IOrderService { public int Pending() => 0; }
public sealed class ReportService
{
    private readonly IOrderService _orders;
    public ReportService(IOrderService orders) { {|MEM040:_orders = orders|}; }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddScoped<Orders, OrderService>();
        services.AddSingleton<ReportService>();
    }
}", Ef);

        [Fact]
        public Task MEM040_OpenGenerics_ScopedDirectlyAndThroughATransient_AndAParameterNotStored()
            => VerifyMEM040.DiagnosticsAsync(@"
using System.Linq;
using Microsoft.Extensions.DependencyInjection;

public interface IRepository<T> { int Count(); }
public sealed class Repository<T> : IRepository<T> { public int Count() => 0; }
public interface IReader<T> { }
public sealed class Reader<T> : IReader<T> { public Reader(AppDbContext db) { } }

public sealed class Exporter
{
    private readonly IRepository<Order> _orders;
    public Exporter(IRepository<Order> orders) { {|MEM040:_orders = orders|}; }
}
public sealed class Importer
{
    public Importer(IReader<Order> {|MEM040:reader|}) { }
}
public sealed class Warmup
{
    private readonly int _count;
    public Warmup(AppDbContext {|MEM040:db|}) { _count = db.Orders.Count(); }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddDbContext<AppDbContext>();
        services.AddScoped(typeof(IRepository<>), typeof(Repository<>));
        services.AddTransient(typeof(IReader<>), typeof(Reader<>));
        services.AddSingleton<Exporter>();
        services.AddKeyedSingleton<Importer>(""orders"");
        services.AddSingleton<Warmup>();
    }
}" + Model, Ef);

        [Fact]
        public Task MEM040_SingletonFactoryResolvesScopedFromTheRoot_ReportedOnceInTheRegistration()
            => VerifyMEM040.DiagnosticsAsync(@"
using System.Linq;
using Microsoft.Extensions.DependencyInjection;

public interface IPriceCache { int Count(); }
public sealed class PriceCache : IPriceCache
{
    private readonly AppDbContext _db;
    public PriceCache(AppDbContext db) { _db = db; }
    public int Count() => _db.Orders.Count();
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddDbContext<AppDbContext>();
        services.AddSingleton<IPriceCache>(sp => new PriceCache({|MEM040:sp.GetRequiredService<AppDbContext>()|}));
    }
}" + Model, Ef);

        [Fact]
        public Task MEM040_LookAlikes_SingletonToSingleton_ScopedConsumerOfScopedOpenGeneric_ScopeFactory_TransientToSingleton()
            => VerifyMEM040.DiagnosticsAsync(@"
using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Clock { }
public sealed class Scheduler { private readonly Clock _clock; public Scheduler(Clock clock) { _clock = clock; } }

public interface IRepository<T> { }
public sealed class Repository<T> : IRepository<T> { public Repository(AppDbContext db) { } }
public sealed class OrderQueries { private readonly IRepository<Order> _orders; public OrderQueries(IRepository<Order> orders) { _orders = orders; } }

public interface IFormatter { }
public sealed class Formatter : IFormatter { public Formatter(Clock clock) { } }
public sealed class Printer { public Printer(IFormatter formatter) { } }

public sealed class PriceCache
{
    public PriceCache(IServiceScopeFactory scopes) { }
}

public sealed class OrderWorker : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    public OrderWorker(IServiceScopeFactory scopes) { _scopes = scopes; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using (var scope = _scopes.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                var count = db.Orders.Count();
            }

            await Task.Delay(1000, stoppingToken);
        }
    }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddDbContext<AppDbContext>();
        services.AddSingleton<Clock>();
        services.AddSingleton<Scheduler>();
        services.AddScoped(typeof(IRepository<>), typeof(Repository<>));
        services.AddScoped<OrderQueries>();
        services.AddTransient<IFormatter, Formatter>();
        services.AddSingleton<Printer>();
        services.AddSingleton(sp => new PriceCache(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHostedService<OrderWorker>();
    }
}" + Model, Ef);

        [Fact]
        public Task MEM040_HostedServiceHoldsMediatR_AndResolvesDisposablesInParallelForEach()
            => VerifyMEM040.DiagnosticsAsync(@"
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class ReportWriter : IDisposable { public void Dispose() { } }
public sealed class Ping : IRequest<int> { }

public sealed class Dispatcher : BackgroundService
{
    private readonly IMediator _mediator;
    private readonly IServiceProvider _provider;
    public Dispatcher(IMediator mediator, IServiceProvider provider)
    {
        {|MEM040:_mediator = mediator|};
        _provider = provider;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var items = new List<int> { 1, 2, 3 };
        await Parallel.ForEachAsync(items, stoppingToken, async (item, ct) =>
        {
            var writer = {|MEM040:_provider.GetRequiredService<ReportWriter>()|};
            await _mediator.Send(new Ping(), ct);
        });
    }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddTransient<ReportWriter>();
        services.AddHostedService<Dispatcher>();
    }
}", Packages.Of(Packages.Hosting, Packages.MediatR));

        [Fact]
        public Task MEM040_RegisteredSingletonHoldsISenderOrIPublisher_AndAScopedServiceHoldingThem_IsFine()
            => VerifyMEM040.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.DependencyInjection;

public sealed class Ping : IRequest<int> { }
public sealed class Pinged : INotification { }

public sealed class Notifier                               // a singleton: each Send resolves handlers from the root
{
    private readonly ISender _sender;
    private readonly IPublisher _publisher;
    public Notifier(ISender sender, IPublisher publisher)
    {
        {|MEM040:_sender = sender|};
        {|MEM040:_publisher = publisher|};
    }

    public async Task NotifyAsync(CancellationToken token)
    {
        await _sender.Send(new Ping(), token);
        await _publisher.Publish(new Pinged(), token);
    }
}

public sealed class PerRequest                             // scoped: resolved with the scope it belongs to
{
    private readonly ISender _sender;
    public PerRequest(ISender sender) { _sender = sender; }
    public Task<int> PingAsync(CancellationToken token) => _sender.Send(new Ping(), token);
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<Notifier>();
        services.AddScoped<PerRequest>();
    }
}

// MediatR 8+ splits IMediator into ISender and IPublisher; the registry serves only MediatR 5.1.0, so these two are
// declared here with their exact metadata names (tests/…/Verifiers/Stubs.cs does the same for unserved frameworks).
namespace MediatR
{
    public interface ISender { Task<TResponse> Send<TResponse>(IRequest<TResponse> request, CancellationToken cancellationToken = default); }
    public interface IPublisher { Task Publish(object notification, CancellationToken cancellationToken = default); }
}", Packages.Of(Packages.Hosting, Packages.MediatR));

        [Fact]
        public Task MEM040_HostedServiceResolvesMediatorFromAScopePerMessage_IsFine()
            => VerifyMEM040.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Ping : IRequest<int> { }

public sealed class Dispatcher : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    public Dispatcher(IServiceScopeFactory scopes) { _scopes = scopes; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using var scope = _scopes.CreateScope();
            var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
            await mediator.Send(new Ping(), stoppingToken);
        }
    }
}", Packages.Of(Packages.Hosting, Packages.MediatR));

        [Fact]
        public Task MEM040_PerMessageConsumerStoresItsContextOrItselfInAStaticOrSingletonRegistry()
            => VerifyMEM040.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

public sealed class OrderPlaced { public int Id { get; set; } }

public static class Active
{
    public static readonly List<object> Consumers = new List<object>();
}

public sealed class ContextRegistry
{
    private readonly List<AppDbContext> _contexts = new List<AppDbContext>();
    private readonly HashSet<int> _seen = new HashSet<int>();
    public void Track(AppDbContext context) => _contexts.Add(context);
    public void Seen(int id) => _seen.Add(id);
}

public sealed class OrderConsumer : IConsumer<OrderPlaced>
{
    private readonly AppDbContext _db;
    private readonly ContextRegistry _registry;
    public OrderConsumer(AppDbContext db, ContextRegistry registry) { _db = db; _registry = registry; }

    public Task Consume(ConsumeContext<OrderPlaced> context)
    {
        {|MEM040:Active.Consumers.Add(this)|};
        {|MEM040:_registry.Track(_db)|};
        _registry.Seen(context.Message.Id);
        return Task.CompletedTask;
    }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddDbContext<AppDbContext>();
        services.AddSingleton<ContextRegistry>();
    }
}" + Model, Packages.Of(Packages.EntityFramework, Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task MEM040_Fix_MediatorHeldByAWorker_ResolvedFromAScopePerIteration()
            => VerifyMEM040.FixAsync(@"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.Hosting;

public sealed class Ping : IRequest<int> { }

public sealed class Dispatcher : BackgroundService
{
    private readonly IMediator _mediator;
    public Dispatcher(IMediator mediator) { {|MEM040:_mediator = mediator|}; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await _mediator.Send(new Ping(), stoppingToken);
        }
    }
}", @"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Ping : IRequest<int> { }

public sealed class Dispatcher : BackgroundService
{
    private readonly IServiceScopeFactory _scopeFactory;
    public Dispatcher(IServiceScopeFactory scopeFactory) { _scopeFactory = scopeFactory; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await using var scope = _scopeFactory.CreateAsyncScope();
            var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
            await mediator.Send(new Ping(), stoppingToken);
        }
    }
}", Packages.Of(Packages.Hosting, Packages.MediatR));

        [Fact]
        public Task MEM040_RegistrationGraph_IncompleteCode_DoesNotCrash()
            => VerifyMEM040.NoCrashAsync(@"
using Microsoft.Extensions.DependencyInjection;
public interface IOrderService { }
public sealed class OrderService : IOrderService { public OrderService(AppDbContext db, ) { } }
public sealed class Report { public Report(IOrderService orders, Missing m) { } }
public static class Active { public static System.Collections.Generic.List<object> All = new(); }
public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddTransient<IOrderService, OrderService>();
        services.AddSingleton<Report>();
        services.AddSingleton<IOrderService>(sp => new OrderService(sp.GetRequiredService<
        services.AddSingleton<
        services.AddTransient(typeof(), typeof(OrderService));
        Active.All.Add(
    }
}" + Model, Ef);
    }
}
