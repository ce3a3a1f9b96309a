using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM030 with lifetimes from registrations: scoped/transient subscribers of singleton publishers.</summary>
    public class MEM030LifetimeTests
    {
        private const string Clock = @"
public sealed class Clock
{
    public event System.EventHandler Tick;
    public void Raise() => Tick?.Invoke(this, System.EventArgs.Empty);
}
public sealed class Settings { public int Limit { get; set; } }
";

        [Fact]
        public Task ScopedServiceSubscribesToARegisteredSingletonInItsConstructor()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using Microsoft.Extensions.DependencyInjection;

public sealed class PriceView
{
    private readonly Clock _clock;
    public PriceView(Clock clock)
    {
        _clock = clock;
        {|MEM030:_clock.Tick += OnTick|};
    }
    private void OnTick(object sender, EventArgs e) { }
}

public sealed class TickCounter
{
    public TickCounter(Clock clock) { {|MEM030:clock.Tick += (s, e) => { }|}; }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<Clock>();
        services.AddScoped<PriceView>();
        services.AddTransient<TickCounter>();
    }
}" + Clock, Packages.Hosting);

        [Fact]
        public Task LookAlikes_UnsubscribedInDispose_UnregisteredPublisher_SingletonSubscriber()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using Microsoft.Extensions.DependencyInjection;

public sealed class Notifier { public event EventHandler Changed; }

public sealed class PriceView : IDisposable
{
    private readonly Clock _clock;
    public PriceView(Clock clock) { _clock = clock; _clock.Tick += OnTick; }
    private void OnTick(object sender, EventArgs e) { }
    public void Dispose() => _clock.Tick -= OnTick;
}

public sealed class Listener
{
    private readonly Notifier _notifier;
    public Listener(Notifier notifier) { _notifier = notifier; _notifier.Changed += OnChanged; }
    private void OnChanged(object sender, EventArgs e) { }
}

public sealed class Dashboard
{
    public Dashboard(Clock clock) { clock.Tick += (s, e) => { }; }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<Clock>();
        services.AddScoped<PriceView>();
        services.AddScoped<Listener>();
        services.AddSingleton<Dashboard>();
    }
}" + Clock, Packages.Hosting);

        [Fact]
        public Task OptionsMonitorOnChangeInAScopedConstructor_HandleDropped()
            => VerifyMEM030.DiagnosticsAsync(@"
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

public sealed class LimitReader
{
    private int _limit;
    public LimitReader(IOptionsMonitor<Settings> settings)
    {
        {|MEM030:settings.OnChange(s => _limit = s.Limit)|};
    }
}

public static class Setup
{
    public static void Register(IServiceCollection services) => services.AddScoped<LimitReader>();
}" + Clock, Packages.Hosting);

        [Fact]
        public Task OptionsMonitorOnChangeInAScopedConstructor_HandleDisposedInDispose_IsFine()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

public sealed class LimitReader : IDisposable
{
    private readonly IDisposable _subscription;
    private int _limit;
    public LimitReader(IOptionsMonitor<Settings> settings)
    {
        _subscription = settings.OnChange(s => _limit = s.Limit);
    }
    public void Dispose() => _subscription?.Dispose();
}

public sealed class SingletonReader
{
    private int _limit;
    public SingletonReader(IOptionsMonitor<Settings> settings) { settings.OnChange(s => _limit = s.Limit); }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddScoped<LimitReader>();
        services.AddSingleton<SingletonReader>();
    }
}" + Clock, Packages.Hosting);

        [Fact]
        public Task PerMessageHandlerSubscribesToAnInjectedRegisteredSingleton_NoOptionNeeded()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

public sealed class OrderPlaced { }

public sealed class OrderConsumer : IConsumer<OrderPlaced>
{
    private readonly Clock _clock;
    public OrderConsumer(Clock clock) { _clock = clock; }

    public Task Consume(ConsumeContext<OrderPlaced> context)
    {
        {|MEM030:_clock.Tick += OnTick|};
        return Task.CompletedTask;
    }

    private void OnTick(object sender, EventArgs e) { }
}

public static class Setup
{
    public static void Register(IServiceCollection services) => services.AddSingleton<Clock>();
}" + Clock, Packages.Of(Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task ChangeTokenOnChange_InAScopedConstructorOrPerMessage_HandleDropped()
            => VerifyMEM030.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

public sealed class Ping : IRequest<int> { }

public sealed class RegionReader
{
    private string _region;
    public RegionReader(IConfiguration configuration)
    {
        {|MEM030:ChangeToken.OnChange(() => configuration.GetReloadToken(), () => _region = configuration[""Region""])|};
    }
}

public sealed class PingHandler : IRequestHandler<Ping, int>
{
    private readonly IConfiguration _configuration;
    public PingHandler(IConfiguration configuration) => _configuration = configuration;

    public Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        var reloads = 0;
        {|MEM030:ChangeToken.OnChange(_configuration.GetReloadToken, () => reloads++)|};
        return Task.FromResult(reloads);
    }
}

public static class Setup
{
    public static void Register(IServiceCollection services) => services.AddScoped<RegionReader>();
}", Packages.Of(Packages.MediatR, Packages.Hosting));

        [Fact]
        public Task ChangeTokenOnChange_PerMessage_IsFixedWithUsing()
            => VerifyMEM030.FixAsync(@"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

public sealed class Ping : IRequest<int> { }

public sealed class PingHandler : IRequestHandler<Ping, int>
{
    private readonly IConfiguration _configuration;
    public PingHandler(IConfiguration configuration) => _configuration = configuration;

    public async Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        var reloads = 0;
        {|MEM030:ChangeToken.OnChange(_configuration.GetReloadToken, () => reloads++)|};
        await Task.Delay(10, cancellationToken);
        return reloads;
    }
}", @"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

public sealed class Ping : IRequest<int> { }

public sealed class PingHandler : IRequestHandler<Ping, int>
{
    private readonly IConfiguration _configuration;
    public PingHandler(IConfiguration configuration) => _configuration = configuration;

    public async Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        var reloads = 0;
        using var disposable = ChangeToken.OnChange(_configuration.GetReloadToken, () => reloads++);
        await Task.Delay(10, cancellationToken);
        return reloads;
    }
}", Packages.Of(Packages.MediatR, Packages.Hosting));

        [Fact]
        public Task ChangeTokenOnChange_LookAlikes_AreNotFlagged()
            => VerifyMEM030.DiagnosticsAsync(@"
using System;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

public sealed class RegionReader : IDisposable
{
    private readonly IDisposable _reload;
    private string _region;
    public RegionReader(IConfiguration configuration)
    {
        _reload = ChangeToken.OnChange(() => configuration.GetReloadToken(), () => _region = configuration[""Region""]);
    }
    public void Dispose() => _reload.Dispose();                              // the scope ends the subscription
}

public sealed class RegionCache
{
    private string _region;
    public RegionCache(IConfiguration configuration)
    {
        ChangeToken.OnChange(() => configuration.GetReloadToken(), () => _region = configuration[""Region""]);   // a singleton: once
    }
}

public sealed class Unregistered
{
    public Unregistered(IConfiguration configuration)
    {
        ChangeToken.OnChange(() => configuration.GetReloadToken(), () => { });  // lifetime unknown: silent
    }
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddScoped<RegionReader>();
        services.AddSingleton<RegionCache>();
    }
}", Packages.Hosting);
    }
}
