using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Handlers
{
    /// <summary>The one lifetime answer (<see cref="LifetimeService"/>) over every shape it claims.</summary>
    public class LifetimeServiceTests
    {
        private static InstanceLifetime Kind(RecognitionHarness harness, string type)
            => LifetimeService.For(harness.Recognizer).Of(harness.Type(type)).Kind;

        [Fact]
        public void Registrations_SingletonShapesLiveForTheProcess_ScopedAndTransientPerUnitOfWork()
        {
            var harness = RecognitionHarness.Create(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

public interface IClock { }
public sealed class Clock : IClock { }
public sealed class PlainSingleton { }
public interface IFactoryMade { }
public sealed class FactoryMade : IFactoryMade { public FactoryMade(int size) { } }
public sealed class TryAdded { }
public sealed class Keyed { }
public sealed class Instance { }
public sealed class Hosted : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
public interface IRepository<T> { }
public sealed class Repository<T> : IRepository<T> { }
public sealed class Cache<T> { }
public sealed class PerRequest { }
public sealed class PerResolution { }
public sealed class NeverRegistered { }

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<IClock, Clock>();
        services.AddSingleton<PlainSingleton>();
        services.AddSingleton<IFactoryMade>(sp => new FactoryMade(10));
        services.TryAddSingleton<TryAdded>();
        services.AddKeyedSingleton<Keyed>(""primary"");
        services.AddSingleton(new Instance());
        services.AddHostedService<Hosted>();
        services.AddScoped(typeof(IRepository<>), typeof(Repository<>));
        services.AddSingleton(typeof(Cache<>));
        services.AddScoped<PerRequest>();
        services.AddTransient<PerResolution>();
    }
}", Packages.Hosting);

            foreach (var singleton in new[] { "Clock", "PlainSingleton", "FactoryMade", "TryAdded", "Keyed", "Instance", "Hosted", "Cache" })
            {
                Assert.True(InstanceLifetime.Process == Kind(harness, singleton), singleton);
            }

            Assert.Equal(InstanceLifetime.PerUnitOfWork, Kind(harness, "Repository"));
            Assert.Equal(InstanceLifetime.PerUnitOfWork, Kind(harness, "PerRequest"));
            Assert.Equal(InstanceLifetime.PerUnitOfWork, Kind(harness, "PerResolution"));
            Assert.Equal(InstanceLifetime.Unknown, Kind(harness, "NeverRegistered"));

            var lifetimes = LifetimeService.For(harness.Recognizer);
            Assert.Equal(ServiceLifetimeKind.Scoped, lifetimes.RegisteredLifetime(harness.Type("IRepository")));
            Assert.Equal(ServiceLifetimeKind.Singleton, lifetimes.RegisteredLifetime(harness.Type("IClock")));
            Assert.Null(lifetimes.RegisteredLifetime(harness.Type("NeverRegistered")));
            Assert.Same(lifetimes, LifetimeService.For(harness.Recognizer));
        }

        [Fact]
        public void HeldInAStaticOrCreatedOnceInExecuteAsync_LivesForTheProcess()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Registry { private Registry() { } public static readonly Registry Instance = new Registry(); }
public sealed class Tracker { private Tracker() { } public static Tracker Create() => new Tracker(); }
public static class Globals { public static Tracker Tracker { get; } = Tracker.Create(); }
public sealed class Order { public static readonly Order Empty = new Order(); }
public sealed class PerMessage { }
public sealed class Aggregator { }
public sealed class Formatter { }
public sealed class Elsewhere { public Formatter Make() => new Formatter(); }

public sealed class Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var aggregator = new Aggregator();
        var formatter = new Formatter();
        while (!stoppingToken.IsCancellationRequested)
        {
            var message = new PerMessage();
            await Task.Delay(10, stoppingToken);
        }
    }
}", Packages.Hosting);

            Assert.Equal(InstanceLifetime.Process, Kind(harness, "Registry"));
            Assert.Equal(InstanceLifetime.Process, Kind(harness, "Tracker"));
            Assert.Equal(InstanceLifetime.Process, Kind(harness, "Aggregator"));
            Assert.Equal(InstanceLifetime.Unknown, Kind(harness, "PerMessage"));
            Assert.Equal(InstanceLifetime.Unknown, Kind(harness, "Order"));      // a public class with a static sentinel
            Assert.Equal(InstanceLifetime.Unknown, Kind(harness, "Formatter"));  // created once in ExecuteAsync, but also elsewhere
            Assert.Equal(InstanceLifetime.Process, Kind(harness, "Worker"));
        }

        [Fact]
        public void AkkaActorsAndExtensions_LiveForTheProcess()
        {
            var harness = RecognitionHarness.Create(@"
using Akka.Actor;

public sealed class Counter : UntypedActor { protected override void OnReceive(object message) { } }
public sealed class SessionRegistry : IExtension { }
", Packages.Akka);

            Assert.Equal(InstanceLifetime.Process, Kind(harness, "Counter"));
            Assert.Equal(InstanceLifetime.Process, Kind(harness, "SessionRegistry"));
        }

        [Fact]
        public void OrleansGrains_LivePerActivation_UnlessStatelessWorkerOrOneConstantKey()
        {
            var harness = RecognitionHarness.Create(@"
using System.Threading.Tasks;
using Orleans;
using Orleans.Concurrency;

public interface ICartGrain : IGrainWithStringKey { Task Add(string item); }
public sealed class CartGrain : Grain, ICartGrain { public Task Add(string item) => Task.CompletedTask; }

public interface IStatsGrain : IGrainWithIntegerKey { Task Record(string name); }
public sealed class StatsGrain : Grain, IStatsGrain { public Task Record(string name) => Task.CompletedTask; }

public interface IAuditGrain : IGrainWithIntegerKey { Task Write(string line); }
[StatelessWorker]
public sealed class AuditGrain : Grain, IAuditGrain { public Task Write(string line) => Task.CompletedTask; }

public sealed class Callers
{
    private readonly IGrainFactory _grains;
    public Callers(IGrainFactory grains) => _grains = grains;
    public Task AddToCart(string user, string item) => _grains.GetGrain<ICartGrain>(user).Add(item);
    public Task Record(string name) => _grains.GetGrain<IStatsGrain>(0).Record(name);
    public Task RecordAgain(string name) => _grains.GetGrain<IStatsGrain>(0).Record(name);
}", Packages.Orleans);

            Assert.Equal(InstanceLifetime.PerActivation, Kind(harness, "CartGrain"));
            Assert.Equal(InstanceLifetime.Process, Kind(harness, "StatsGrain"));
            Assert.Equal(InstanceLifetime.Process, Kind(harness, "AuditGrain"));
        }
    }
}
