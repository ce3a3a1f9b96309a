using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>
    /// MEM065's static and using variants (issue 13): the forms a careful engineer writes — one meter for the process,
    /// a meter disposed on every path, a meter owned by IMeterFactory — stay silent in every framework; the per-message
    /// forms are flagged in each framework the handler catalog knows, with the rewrite each one allows.
    /// </summary>
    public class MEM065VariantsTests
    {
        [Fact]
        public Task StaticAndOwnedForms_AreNotFlagged()
            => VerifyMEM065.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Msg { public string Tenant = """"; }

public sealed class StaticConstructor : IConsumer<Msg>
{
    private static readonly Meter Meter;
    private static readonly ActivitySource Source;

    static StaticConstructor()                                               // runs once per process
    {
        Meter = new Meter(""Orders"");
        Source = new ActivitySource(""Orders"");
    }

    public Task Consume(ConsumeContext<Msg> context)
    {
        Meter.CreateCounter<int>(""consumed"").Add(1);
        using var activity = Source.StartActivity(""consume"");
        return Task.CompletedTask;
    }
}

public sealed class LazyAndCached : IConsumer<Msg>
{
    private static readonly Lazy<Meter> LazyMeter = new Lazy<Meter>(() => new Meter(""Orders.Lazy""));
    private static readonly ConcurrentDictionary<string, Meter> PerTenant = new ConcurrentDictionary<string, Meter>();
    private static Meter? _first;

    public Task Consume(ConsumeContext<Msg> context)
    {
        LazyMeter.Value.CreateCounter<int>(""consumed"").Add(1);
        PerTenant.GetOrAdd(context.Message.Tenant, t => new Meter(""Orders."" + t)).CreateCounter<int>(""consumed"").Add(1);   // one per tenant, cached
        _first ??= new Meter(""Orders.First"");                               // created once, kept in a static field
        _first.CreateCounter<int>(""consumed"").Add(1);
        return Task.CompletedTask;
    }
}

public sealed class Disposed : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        using (var meter = new Meter(""Orders.Statement""))
        {
            meter.CreateCounter<int>(""consumed"").Add(1);
        }

        var tenant = new Meter(""Orders."" + context.Message.Tenant);
        try
        {
            tenant.CreateCounter<int>(""consumed"").Add(1);
        }
        finally
        {
            tenant.Dispose();
        }

        using var source = new ActivitySource(""Orders.PerCall"");
        using var activity = source.StartActivity(""consume"");
        return Task.CompletedTask;
    }
}

public sealed class FromTheFactory : IConsumer<Msg>
{
    private readonly IMeterFactory _factory;

    public FromTheFactory(IMeterFactory factory) => _factory = factory;

    public Task Consume(ConsumeContext<Msg> context)
    {
        var meter = _factory.Create(""Orders"");                                 // the factory caches and disposes its meters
        meter.CreateCounter<int>(""consumed"").Add(1);
        _factory.Create(new MeterOptions(""Orders.Tenant."" + context.Message.Tenant)).CreateCounter<int>(""consumed"").Add(1);
        return Task.CompletedTask;
    }
}

public sealed class Metrics                                                  // a singleton: one meter for the process
{
    private readonly Meter _meter = new Meter(""Orders.Metrics"");

    public void Consumed() => _meter.CreateCounter<int>(""consumed"").Add(1);
}

public static class Startup
{
    public static void Configure(IServiceCollection services)
    {
        services.AddSingleton<Metrics>();
        services.AddSingleton(new Meter(""Orders.Registered""));
        services.AddSingleton(_ => new ActivitySource(""Orders.Registered""));
    }
}

public sealed class Poller : BackgroundService
{
    private static readonly Meter PollMeter = new Meter(""Poller"");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var meter = new Meter(""Poller.Run"");                           // once per run, disposed
        while (!stoppingToken.IsCancellationRequested)
        {
            using var perPoll = new Meter(""Poller.Poll"");                    // per poll, disposed
            PollMeter.CreateCounter<int>(""polls"").Add(1);
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Of(Packages.Hosting, Packages.DependencyInjection, Packages.MassTransit));

        [Fact]
        public Task PerMessageMetersAndSources_AreFlagged_InEveryFramework()
            => VerifyMEM065.DiagnosticsAsync(@"
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using Coravel.Invocable;
using Hangfire;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

public sealed record Ping(string Tenant) : IRequest<int>;

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var meter = {|MEM065:new Meter(""Reports"")|};
        meter.CreateCounter<int>(""runs"").Add(1);
        return default;
    }
}

public sealed class PingHandler : IRequestHandler<Ping, int>
{
    public Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        var tenant = {|MEM065:new Meter(""Ping."" + request.Tenant)|};
        tenant.CreateCounter<int>(""pings"").Add(1);
        using var activity = {|MEM065:new ActivitySource(""Ping"")|}.StartActivity(""handle"");
        return Task.FromResult(1);
    }
}

public sealed class Cleanup
{
    public void Run()
    {
        {|MEM065:new Meter(""Cleanup"")|}.CreateCounter<int>(""runs"").Add(1);
    }
}

public sealed class Scheduler
{
    public void Schedule() => RecurringJob.AddOrUpdate<Cleanup>(""cleanup"", job => job.Run(), Cron.Hourly());
}

public sealed class Heartbeat : IInvocable
{
    private readonly ActivitySource _source = {|MEM065:new ActivitySource(""Heartbeat"")|};   // a new invocable per run

    public Task Invoke()
    {
        using var activity = _source.StartActivity(""beat"");
        return Task.CompletedTask;
    }
}

public sealed class TenantMetrics                                              // scoped: one per request or message scope
{
    private readonly Meter _meter = {|MEM065:new Meter(""Tenant"")|};

    public void Handled() => _meter.CreateCounter<int>(""handled"").Add(1);
}

public static class Startup
{
    public static void Configure(IServiceCollection services) => services.AddScoped<TenantMetrics>();
}", Packages.Of(Packages.Quartz, Packages.MediatR, Packages.Hangfire, Packages.Coravel, Packages.DependencyInjection));

        [Fact]
        public Task HalfTypedStaticAndUsingForms_DoNotCrash()
            => VerifyMEM065.NoCrashAsync(@"
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    private static readonly Meter Shared = new Meter(
    private static Meter? _lazy;

    public Task Consume(ConsumeContext<Msg> context)
    {
        using var meter = new Meter(
        using (var source = new ActivitySource(""x"")
        _lazy ??= new Meter(context.
        var factoryMeter = _factory.Create(
", Packages.MassTransit);

        [Fact]
        public Task Fix_PerFramework_StaticUsingAndStaticField()
            => VerifyMEM065.FixAsync(@"
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Quartz;

public sealed record Ping(string Tenant) : IRequest<int>;

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var meter = {|MEM065:new Meter(""Reports"")|};
        meter.CreateCounter<int>(""runs"").Add(1);
        return default;
    }
}

public sealed class PingHandler : IRequestHandler<Ping, int>
{
    private readonly Meter _meter = {|MEM065:new Meter(""Ping"")|};

    public Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        var tenant = {|MEM065:new Meter(""Ping."" + request.Tenant)|};
        tenant.CreateCounter<int>(""pings"").Add(1);
        _meter.CreateCounter<int>(""pings"").Add(1);
        return Task.FromResult(1);
    }
}", @"
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Quartz;

public sealed record Ping(string Tenant) : IRequest<int>;

public sealed class ReportJob : IJob
{
    private static readonly Meter SharedMeter = new Meter(""Reports"");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var meter = SharedMeter;
        meter.CreateCounter<int>(""runs"").Add(1);
        return default;
    }
}

public sealed class PingHandler : IRequestHandler<Ping, int>
{
    private static readonly Meter _meter = new Meter(""Ping"");

    public Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        using var tenant = new Meter(""Ping."" + request.Tenant);
        tenant.CreateCounter<int>(""pings"").Add(1);
        _meter.CreateCounter<int>(""pings"").Add(1);
        return Task.FromResult(1);
    }
}", Packages.Of(Packages.Quartz, Packages.MediatR));
    }
}
