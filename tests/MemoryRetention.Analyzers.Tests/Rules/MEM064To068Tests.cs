using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    public class MEM064To068Tests
    {
        private static readonly string[] DiHosting = Packages.Of(Packages.Hosting, Packages.DependencyInjection);
        private static readonly string[] Ef = Packages.Of(Packages.EntityFramework, Packages.Logging, Packages.Caching);

        // ---------------------------------------------------------------- MEM064: service providers

        [Fact]
        public Task MEM064_ProviderBuiltPerIterationAndPerMessage()
            => VerifyMEM064.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;

public sealed class Parser { }
public sealed class Msg { }

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var services = new ServiceCollection();
            services.AddSingleton<Parser>();
            var provider = {|MEM064:services.BuildServiceProvider()|};
            var parser = provider.GetRequiredService<Parser>();
            await Task.Delay(1000, stoppingToken);
        }
    }
}

public sealed class ImportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var parser = {|MEM064:new ServiceCollection().AddSingleton<Parser>().BuildServiceProvider()|}.GetRequiredService<Parser>();
        return default;
    }
}

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        var services = new ServiceCollection();
        {|MEM064:services.BuildServiceProvider(validateScopes: true)|};
        return Task.CompletedTask;
    }
}", Packages.Of(DiHosting, Packages.Quartz, Packages.MassTransit));

        [Fact]
        public Task MEM064_LookAlikes_AreNotFlagged()
            => VerifyMEM064.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Parser { }

public static class Program
{
    public static void Main()
    {
        var provider = new ServiceCollection().AddSingleton<Parser>().BuildServiceProvider();   // once, at startup
        provider.GetRequiredService<Parser>();
    }
}

public sealed class Poller : BackgroundService
{
    private ServiceProvider? _kept;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var once = new ServiceCollection().BuildServiceProvider();            // before the loop: once per process
        while (!stoppingToken.IsCancellationRequested)
        {
            using var disposed = new ServiceCollection().BuildServiceProvider();
            await using var asyncDisposed = new ServiceCollection().BuildServiceProvider();
            var explicitlyDisposed = new ServiceCollection().BuildServiceProvider();
            try { explicitlyDisposed.GetRequiredService<Parser>(); } finally { explicitlyDisposed.Dispose(); }
            _kept ??= new ServiceCollection().BuildServiceProvider();            // stored: its owner decides
            await Task.Delay(1000, stoppingToken);
        }
    }
}", DiHosting);

        [Fact]
        public Task MEM064_Fix_UsingDeclaration_AndFixAll()
            => VerifyMEM064.FixAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Parser { public void Parse() { } }

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // one container per batch
            var provider = {|MEM064:new ServiceCollection().AddSingleton<Parser>().BuildServiceProvider()|};
            provider.GetRequiredService<Parser>().Parse();
            var second = {|MEM064:new ServiceCollection().BuildServiceProvider()|}; // trailing
            await Task.Delay(1000, stoppingToken);
        }
    }
}", @"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Parser { public void Parse() { } }

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // one container per batch
            await using var provider = new ServiceCollection().AddSingleton<Parser>().BuildServiceProvider();
            provider.GetRequiredService<Parser>().Parse();
            await using var second = new ServiceCollection().BuildServiceProvider(); // trailing
            await Task.Delay(1000, stoppingToken);
        }
    }
}", DiHosting);

        [Fact]
        public Task MEM064_NoFix_WhenSomethingItResolvedLeavesTheMethod()
            => VerifyMEM064.FixAsync(@"
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.DependencyInjection;

public sealed class Parser { }
public sealed class Parse : IRequest<Parser> { }

public sealed class ParseHandler : IRequestHandler<Parse, Parser>
{
    public Task<Parser> Handle(Parse request, System.Threading.CancellationToken cancellationToken)
    {
        var provider = {|MEM064:new ServiceCollection().AddSingleton<Parser>().BuildServiceProvider()|};
        return Task.FromResult(provider.GetRequiredService<Parser>());   // disposing the provider here would dispose what it returns
    }
}", @"
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.DependencyInjection;

public sealed class Parser { }
public sealed class Parse : IRequest<Parser> { }

public sealed class ParseHandler : IRequestHandler<Parse, Parser>
{
    public Task<Parser> Handle(Parse request, System.Threading.CancellationToken cancellationToken)
    {
        var provider = {|MEM064:new ServiceCollection().AddSingleton<Parser>().BuildServiceProvider()|};
        return Task.FromResult(provider.GetRequiredService<Parser>());   // disposing the provider here would dispose what it returns
    }
}", Packages.Of(DiHosting, Packages.MediatR));

        // ---------------------------------------------------------------- MEM065: meters and activity sources

        [Fact]
        public Task MEM065_MetersAndSourcesPerMessage()
            => VerifyMEM065.DiagnosticsAsync(@"
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Rebus.Handlers;

public sealed class Msg { }

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var meter = {|MEM065:new Meter(""Orders"")|};
            meter.CreateCounter<int>(""orders.processed"").Add(1);
            using var activity = {|MEM065:new ActivitySource(""Orders"")|}.StartActivity(""poll"");
            await Task.Delay(1000, stoppingToken);
        }
    }
}

public sealed class Consumer : IConsumer<Msg>
{
    private readonly Meter _meter = {|MEM065:new Meter(""Orders.Consumer"")|};    // a new consumer (and meter) per message

    public Task Consume(ConsumeContext<Msg> context)
    {
        _meter.CreateCounter<long>(""consumed"").Add(1);
        return Task.CompletedTask;
    }
}

public sealed class RebusHandler : IHandleMessages<Msg>
{
    private readonly ActivitySource _source;

    public RebusHandler(string name) => _source = {|MEM065:new ActivitySource(name)|};

    public Task Handle(Msg message)
    {
        string tenant = message.ToString()!;
        var perTenant = {|MEM065:new Meter(""tenant-"" + tenant)|};
        perTenant.CreateCounter<int>(""handled"").Add(1);
        return Task.CompletedTask;
    }
}", Packages.Of(Packages.Hosting, Packages.MassTransit, Packages.Rebus));

        [Fact]
        public Task MEM065_LookAlikes_AreNotFlagged()
            => VerifyMEM065.DiagnosticsAsync(@"
using System;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Hosting;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>, IDisposable
{
    private static readonly ActivitySource Source = new ActivitySource(""Orders"");   // static: one per process
    private static readonly Meter SharedMeter = new Meter(""Orders"");
    private readonly Meter _fromFactory;
    private readonly Meter _owned = new Meter(""Orders.Owned"");                      // disposed with the consumer

    public Consumer(IMeterFactory factory) => _fromFactory = factory.Create(""Orders"");   // owned and cached by the factory

    public Task Consume(ConsumeContext<Msg> context)
    {
        using var activity = Source.StartActivity(""consume"");
        using var meter = new Meter(""Orders.PerCall"");                          // disposed
        return Task.CompletedTask;
    }

    public void Dispose() => _owned.Dispose();
}

public sealed class Poller : BackgroundService
{
    private readonly Meter _meter = new Meter(""Poller"");                        // a hosted service lives for the process

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var once = new ActivitySource(""Poller"");                                 // before the loop: once
        while (!stoppingToken.IsCancellationRequested)
        {
            using var activity = once.StartActivity(""poll"");
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Of(Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task MEM065_Fix_StaticReadonlyField_AndFixAll()
            => VerifyMEM065.FixAsync(@"
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        // count it
        var meter = {|MEM065:new Meter(""Orders"", ""1.0"")|};
        meter.CreateCounter<int>(""consumed"").Add(1);
        using var activity = {|MEM065:new ActivitySource(""Orders"")|}.StartActivity(""consume"");
        return Task.CompletedTask;
    }
}

public sealed class Other : IConsumer<string>
{
    public Task Consume(ConsumeContext<string> context)
    {
        {|MEM065:new Meter(""Orders"", ""1.0"")|}.CreateCounter<int>(""other"").Add(1);
        {|MEM065:new Meter(""Orders"", ""1.0"")|}.CreateCounter<int>(""again"").Add(1);
        return Task.CompletedTask;
    }
}", @"
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    private static readonly Meter SharedMeter = new Meter(""Orders"", ""1.0"");
    private static readonly ActivitySource SharedActivitySource = new ActivitySource(""Orders"");

    public Task Consume(ConsumeContext<Msg> context)
    {
        // count it
        var meter = SharedMeter;
        meter.CreateCounter<int>(""consumed"").Add(1);
        using var activity = SharedActivitySource.StartActivity(""consume"");
        return Task.CompletedTask;
    }
}

public sealed class Other : IConsumer<string>
{
    private static readonly Meter SharedMeter = new Meter(""Orders"", ""1.0"");

    public Task Consume(ConsumeContext<string> context)
    {
        SharedMeter.CreateCounter<int>(""other"").Add(1);
        SharedMeter.CreateCounter<int>(""again"").Add(1);
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public Task MEM065_Fix_PerMessageField_BecomesStatic_DependentCreation_UsesUsing()
            => VerifyMEM065.FixAsync(@"
using System.Diagnostics.Metrics;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { public string Tenant = """"; }

public sealed class Consumer : IConsumer<Msg>
{
    private readonly Meter _meter = {|MEM065:new Meter(""Orders"")|};

    public Task Consume(ConsumeContext<Msg> context)
    {
        _meter.CreateCounter<int>(""consumed"").Add(1);
        var tenant = {|MEM065:new Meter(context.Message.Tenant)|};
        tenant.CreateCounter<int>(""consumed"").Add(1);
        return Task.CompletedTask;
    }
}", @"
using System.Diagnostics.Metrics;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { public string Tenant = """"; }

public sealed class Consumer : IConsumer<Msg>
{
    private static readonly Meter _meter = new Meter(""Orders"");

    public Task Consume(ConsumeContext<Msg> context)
    {
        _meter.CreateCounter<int>(""consumed"").Add(1);
        using var tenant = new Meter(context.Message.Tenant);
        tenant.CreateCounter<int>(""consumed"").Add(1);
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public Task MEM020_DoesNotReportWhatMEM065AndMEM066Report()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Logging;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        var meter = new Meter(""Orders"");
        var source = new ActivitySource(""Orders"");
        var factory = new LoggerFactory();
        var listener = {|MEM020:new DiagnosticListener(""Orders"")|};
        return Task.CompletedTask;
    }
}", Packages.Of(Packages.MassTransit, Packages.Logging));

        // ---------------------------------------------------------------- MEM066: logger factories

        [Fact]
        public Task MEM066_LoggerFactoryPerMessage()
            => VerifyMEM066.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var logger = {|MEM066:LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug))|}.CreateLogger(""poll"");
            logger.LogInformation(""tick"");
            var factory = {|MEM066:new LoggerFactory()|};
            factory.CreateLogger<Poller>().LogInformation(""tick"");
            await Task.Delay(1000, stoppingToken);
        }
    }
}

public sealed class Report : IRequest<int> { }

public sealed class ReportHandler : IRequestHandler<Report, int>
{
    public Task<int> Handle(Report request, CancellationToken cancellationToken)
    {
        var factory = {|MEM066:LoggerFactory.Create(b => { })|};
        factory.CreateLogger(""report"").LogInformation(""run"");
        return Task.FromResult(1);
    }
}", Packages.Of(Packages.Hosting, Packages.Logging, Packages.MediatR));

        [Fact]
        public Task MEM066_LookAlikes_AreNotFlagged()
            => VerifyMEM066.DiagnosticsAsync(@"
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Logging;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    private readonly ILogger<Consumer> _logger;
    private readonly ILoggerFactory _factory;

    public Consumer(ILogger<Consumer> logger, ILoggerFactory factory)
    {
        _logger = logger;
        _factory = factory;
    }

    public Task Consume(ConsumeContext<Msg> context)
    {
        _factory.CreateLogger(""consume"").LogInformation(""injected factory"");
        using var owned = LoggerFactory.Create(b => { });
        owned.CreateLogger(""x"").LogInformation(""disposed"");
        return Task.CompletedTask;
    }
}

public static class Program
{
    public static readonly ILoggerFactory Shared = LoggerFactory.Create(b => { });
    public static void Main() => LoggerFactory.Create(b => { }).CreateLogger(""main"").LogInformation(""once"");
}", Packages.Of(Packages.MassTransit, Packages.Logging));

        [Fact]
        public Task MEM066_Fix_Using_AndFixAll()
            => VerifyMEM066.FixAsync(@"
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Logging;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    public async Task Consume(ConsumeContext<Msg> context)
    {
        var factory = {|MEM066:LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning))|};
        factory.CreateLogger(""consume"").LogWarning(""slow"");
        var second = {|MEM066:new LoggerFactory()|};
        second.CreateLogger(""x"").LogWarning(""again"");
        await Task.Yield();
    }
}", @"
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Logging;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    public async Task Consume(ConsumeContext<Msg> context)
    {
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        factory.CreateLogger(""consume"").LogWarning(""slow"");
        using var second = new LoggerFactory();
        second.CreateLogger(""x"").LogWarning(""again"");
        await Task.Yield();
    }
}", Packages.Of(Packages.MassTransit, Packages.Logging));

        // ---------------------------------------------------------------- MEM067: reloading configuration files

        [Fact]
        public Task MEM067_ReloadOnChangePerMessage_AndFix()
            => VerifyMEM067.FixAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Quartz;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var config = new ConfigurationBuilder()
                .AddJsonFile(""settings.json"", optional: true, {|MEM067:reloadOnChange: true|})
                .Build();
            await Task.Delay(int.Parse(config[""delay""] ?? ""1000""), stoppingToken);
        }
    }
}

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var config = new ConfigurationBuilder().AddJsonFile(""report.json"", true, {|MEM067:true|}).Build();
        return default;
    }
}", @"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Quartz;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var config = new ConfigurationBuilder()
                .AddJsonFile(""settings.json"", optional: true, reloadOnChange: false)
                .Build();
            await Task.Delay(int.Parse(config[""delay""] ?? ""1000""), stoppingToken);
        }
    }
}

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var config = new ConfigurationBuilder().AddJsonFile(""report.json"", true, false).Build();
        return default;
    }
}", Packages.Of(Packages.Hosting, Packages.Configuration, Packages.Quartz));

        [Fact]
        public Task MEM067_LookAlikes_AreNotFlagged()
            => VerifyMEM067.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

public static class Program
{
    public static void Main()
    {
        var config = new ConfigurationBuilder().AddJsonFile(""appsettings.json"", optional: false, reloadOnChange: true).Build();
    }
}

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var once = new ConfigurationBuilder().AddJsonFile(""a.json"", true, reloadOnChange: true).Build();   // before the loop
        while (!stoppingToken.IsCancellationRequested)
        {
            var config = new ConfigurationBuilder()
                .AddJsonFile(""settings.json"", optional: true, reloadOnChange: false)
                .AddJsonFile(""other.json"")
                .AddJsonFile(""third.json"", optional: true)
                .Build();
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Of(Packages.Hosting, Packages.Configuration));

        // ---------------------------------------------------------------- MEM068: EF Core internal service providers

        [Fact]
        public Task MEM068_OnConfiguringCreatesSingletonObjects()
            => VerifyMEM068.DiagnosticsAsync(@"
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

public sealed class Materializer : IMaterializationInterceptor { }
public sealed class CommandLogger : SaveChangesInterceptor { }

public sealed class OrdersContext : DbContext
{
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
    {
        var factory = {|MEM068:LoggerFactory.Create(b => { })|};
        optionsBuilder
            .UseLoggerFactory(factory)
            .UseMemoryCache({|MEM068:new MemoryCache(new MemoryCacheOptions())|})
            .AddInterceptors({|MEM068:new Materializer()|}, new CommandLogger())
            .UseInternalServiceProvider({|MEM068:new ServiceCollection().BuildServiceProvider()|});
    }
}

public static class Registration
{
    public static void Register(IServiceCollection services)
        => services.AddDbContext<OrdersContext>(o => o.UseLoggerFactory({|MEM068:LoggerFactory.Create(b => { })|}));
}", Ef);

        [Fact]
        public Task MEM068_LookAlikes_AreNotFlagged()
            => VerifyMEM068.DiagnosticsAsync(@"
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

public sealed class Materializer : IMaterializationInterceptor { }
public sealed class CommandLogger : SaveChangesInterceptor { }

public sealed class OrdersContext : DbContext
{
    private static readonly ILoggerFactory Factory = LoggerFactory.Create(b => { });
    private static readonly Materializer Interceptor = new Materializer();
    private readonly ILoggerFactory _injected;

    public OrdersContext(ILoggerFactory injected) => _injected = injected;

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
        => optionsBuilder
            .UseLoggerFactory(Factory)
            .UseLoggerFactory(_injected)
            .AddInterceptors(Interceptor, new CommandLogger());    // an ordinary interceptor is per context, not part of the key
}

public static class Registration
{
    public static void Register(IServiceCollection services)
    {
        services.AddDbContextPool<OrdersContext>(o => o.UseLoggerFactory(LoggerFactory.Create(b => { })));   // options built once
        services.AddDbContext<OrdersContext>(o => o.UseLoggerFactory(LoggerFactory.Create(b => { })), optionsLifetime: ServiceLifetime.Singleton);
    }
}", Ef);

        [Fact]
        public Task MEM068_Fix_StaticReadonlyField_AndFixAll()
            => VerifyMEM068.FixAsync(@"
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

public sealed class OrdersContext : DbContext
{
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
    {
        // log to the console
        optionsBuilder.UseLoggerFactory({|MEM068:LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Warning))|});
    }
}", @"
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

public sealed class OrdersContext : DbContext
{
    private static readonly ILoggerFactory SharedLoggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Warning));

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
    {
        // log to the console
        optionsBuilder.UseLoggerFactory(SharedLoggerFactory);
    }
}", Ef);

        // ---------------------------------------------------------------- half-typed code

        [Fact]
        public Task IncompleteCode_DoesNotCrash()
            => VerifyMEM065.NoCrashAsync(@"
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

public sealed class Poller : BackgroundService
{
    private readonly Meter _meter = new Meter(
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var m = new Meter(
            var s = new ActivitySource().StartActivity(
            var p = new ServiceCollection().BuildServiceProvider(
            var f = LoggerFactory.Create(b =>
            new ConfigurationBuilder().AddJsonFile(""x"", true, reloadOnChange: 
", Packages.Of(Packages.Hosting, Packages.DependencyInjection, Packages.Logging, Packages.Configuration));

        [Fact]
        public Task IncompleteDbContext_DoesNotCrash()
            => VerifyMEM068.NoCrashAsync(@"
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

public sealed class OrdersContext : DbContext
{
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
    {
        optionsBuilder.UseLoggerFactory(LoggerFactory.Create(
        optionsBuilder.AddInterceptors(new 
", Ef);
    }
}
