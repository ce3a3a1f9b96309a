using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM041 look-alikes from issue 16 (a peer's "scope created outside the loop" no-diagnostic cases): each stays silent.</summary>
    public class MEM041PrecisionTests
    {
        private static readonly string[] Ef = Packages.Of(Packages.EntityFramework, Packages.Hosting, Packages.Caching);

        private const string Model = Sources.EfOrders + @"public interface IClock { System.DateTime Now { get; } }
public sealed class Clock : IClock { public System.DateTime Now => System.DateTime.UtcNow; }
public interface ITicker { System.DateTime Now { get; } }
public sealed class Ticker : ITicker { public System.DateTime Now => System.DateTime.UtcNow; }
public static class Setup
{
    public static void Register(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
    {
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<Clock>(services);
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<IClock>(services, new Clock());
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<ITicker, Ticker>(services);
    }
}
";

        private const string Head = @"
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
";

        [Fact]
        public Task LoopAlsoBoundedByACounter_IsNotFlagged()
            => VerifyMEM041.DiagnosticsAsync(Head + @"
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var processed = 0;
        while (!stoppingToken.IsCancellationRequested && processed < 500)   // a batch that ends
        {
            processed += db.Orders.Count();
            await Task.Delay(10, stoppingToken);
        }

        var context = _factory.CreateDbContext();
        for (var i = 0; i < 100 && !stoppingToken.IsCancellationRequested; i++)
        {
            context.Orders.Add(new Order { Id = i });
        }
    }
}" + Model, Ef);

        [Fact]
        public Task CounterThatTheLoopDoesNotMove_IsStillFlagged()
            => VerifyMEM041.DiagnosticsAsync(Head + @"
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var scope = {|MEM041:_scopes.CreateScope()|};
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var limit = 500;
        var seen = 0;
        while (!stoppingToken.IsCancellationRequested && seen < limit)   // 'seen' never moves: endless
        {
            db.Orders.Count();
            await Task.Delay(10, stoppingToken);
        }
    }
}" + Model, Ef);

        [Fact]
        public Task ScopeThatOnlyResolvesSingletons_IsNotFlagged()
            => VerifyMEM041.DiagnosticsAsync(Head + @"
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var scope = _scopes.CreateScope();
        var clock = scope.ServiceProvider.GetRequiredService<Clock>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.Now;
            var instance = scope.ServiceProvider.GetRequiredService<IClock>().Now;
            var ticker = scope.ServiceProvider.GetRequiredService<ITicker>().Now;
            var again = scope.ServiceProvider.GetRequiredService<Clock>().Now;
            await Task.Delay(1000, stoppingToken);
        }
    }
}" + Model, Ef);

        [Fact]
        public Task ScopeThatAlsoResolvesAScopedService_IsFlagged()
            => VerifyMEM041.DiagnosticsAsync(Head + @"
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var scope = {|MEM041:_scopes.CreateScope()|};
        var clock = scope.ServiceProvider.GetRequiredService<Clock>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.Now;
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await Task.Delay(1000, stoppingToken);
        }
    }
}" + Model, Ef);

        [Fact]
        public Task ScopeOrContextRecreatedOrClearedEachIteration_IsNotFlagged()
            => VerifyMEM041.DiagnosticsAsync(Head + @"
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var scope = _scopes.CreateScope();
        while (!stoppingToken.IsCancellationRequested)
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.Orders.Count();
            scope.Dispose();
            scope = _scopes.CreateScope();                   // recreated each iteration
            await Task.Delay(1000, stoppingToken);
        }

        var context = _factory.CreateDbContext();
        while (!stoppingToken.IsCancellationRequested)
        {
            context.Orders.Count();
            context.Dispose();
            context = _factory.CreateDbContext();
        }

        using var other = _scopes.CreateScope();
        var resolved = other.ServiceProvider.GetRequiredService<AppDbContext>();
        while (!stoppingToken.IsCancellationRequested)
        {
            resolved.Orders.Add(new Order());
            await resolved.SaveChangesAsync(stoppingToken);
            resolved.ChangeTracker.Clear();                  // cleared through the resolved context
        }
    }
}" + Model, Ef);

        [Fact]
        public Task LoopsInHelpersNeverCalledOrOnlyFromADeferredLambda_AreNotFlagged()
            => VerifyMEM041.DiagnosticsAsync(@"
using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

public sealed class Maintenance
{
    private readonly IServiceScopeFactory _scopes;
    private readonly Lazy<Task> _later;

    public Maintenance(IServiceScopeFactory scopes)
    {
        _scopes = scopes;
        _later = new Lazy<Task>(() => Deferred(CancellationToken.None));
    }

    private async Task Unused(CancellationToken token)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        while (!token.IsCancellationRequested)
        {
            db.Orders.Count();
            await Task.Delay(1000, token);
        }
    }

    private async Task Deferred(CancellationToken token)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        while (!token.IsCancellationRequested)
        {
            db.Orders.Count();
            await Task.Delay(1000, token);
        }
    }
}" + Model, Ef);

        [Fact]
        public Task LoopInAHelperCalledByTheWorker_IsFlagged()
            => VerifyMEM041.DiagnosticsAsync(Head + @"
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Pump(stoppingToken);

    private async Task Pump(CancellationToken token)
    {
        using var scope = {|MEM041:_scopes.CreateScope()|};
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        while (!token.IsCancellationRequested)
        {
            db.Orders.Count();
            await Task.Delay(1000, token);
        }
    }
}" + Model, Ef);

        [Fact]
        public Task LoopInAHelperTwoCallsFromTheWorker_OrStartedWithTaskRunAtStartup_IsFlagged()
            => VerifyMEM041.DiagnosticsAsync(Head + @"
    private Task _pump = Task.CompletedTask;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _pump = Task.Run(() => Drain(cancellationToken));   // started at once: the helper is the worker
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Outer(stoppingToken);

    private Task Outer(CancellationToken token) => Pump(token);

    private async Task Pump(CancellationToken token)
    {
        using var scope = {|MEM041:_scopes.CreateScope()|};
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        while (!token.IsCancellationRequested)
        {
            db.Orders.Count();
            await Task.Delay(1000, token);
        }
    }

    private async Task Drain(CancellationToken token)
    {
        var context = {|MEM041:_factory.CreateDbContext()|};
        while (!token.IsCancellationRequested)
        {
            context.Orders.Add(new Order());
            await context.SaveChangesAsync(token);
        }
    }
}" + Model, Ef);

        [Fact]
        public Task LoopInAHelperReachedPerMessage_IsHandledLikeTheHandler()
            => VerifyMEM041.DiagnosticsAsync(@"
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

public sealed class PollJob : IJob
{
    private readonly IServiceScopeFactory _scopes;
    public PollJob(IServiceScopeFactory scopes) { _scopes = scopes; }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await Poll(cancellationToken);

    private async Task Poll(CancellationToken token)
    {
        using var scope = {|MEM041:_scopes.CreateScope()|};
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        while (!token.IsCancellationRequested)
        {
            db.Orders.Count();
            await Task.Delay(1000, token);
        }
    }
}" + Model, Packages.Of(Packages.EntityFramework, Packages.Hosting, Packages.Quartz));

        [Fact]
        public Task LoopsInHelpersCalledOnlyByUncalledCodeOrADeferredCallback_AreNotFlagged()
            => VerifyMEM041.DiagnosticsAsync(Head + @"
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        stoppingToken.Register(() => _ = Pump(CancellationToken.None));   // runs at shutdown, if ever
        return Task.CompletedTask;
    }

    private Task NeverCalled(CancellationToken token) => Helper(token);

    private async Task Helper(CancellationToken token)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        while (!token.IsCancellationRequested)
        {
            db.Orders.Count();
            await Task.Delay(1000, token);
        }
    }

    private async Task Pump(CancellationToken token)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        while (!token.IsCancellationRequested)
        {
            db.Orders.Count();
            await Task.Delay(1000, token);
        }
    }
}" + Model, Ef);
    }
}
