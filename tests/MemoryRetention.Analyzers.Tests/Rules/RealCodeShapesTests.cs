using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>
    /// Shapes found on real code (docs/real-code.md) that a rule reported and a reviewer would not defend, each
    /// reduced to the smallest code that reproduces it, next to the look-alike that must still be reported.
    /// </summary>
    public class RealCodeShapesTests
    {
        // Quartz.NET, Quartz.Jobs DirectoryScanJobModel.GetListener: a static name -> Type lookup memo filled per job.
        // Its entries are bounded by the program's types (the same reason a Type-keyed cache is silent).
        [Fact]
        public Task MEM001_StaticNameToTypeMemo_FilledPerJob_IsSilent()
            => VerifyCollections.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public interface IListener { }

public sealed class ScanJob : IJob
{
    private static readonly ConcurrentDictionary<string, Type?> TypeCache = new();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var listener = Resolve(context.MergedJobDataMap.GetString(""listener"") ?? ""none"");
        return default;
    }

    private static Type? Resolve(string listenerName)
        => TypeCache.GetOrAdd(listenerName, name => AppDomain.CurrentDomain.GetAssemblies()
            .SelectMany(a => a.GetTypes())
            .FirstOrDefault(t => typeof(IListener).IsAssignableFrom(t) && t.Name == name));
}", Packages.Quartz);

        [Fact]
        public Task MEM001_StaticNameToPayloadCache_FilledPerJob_IsStillReported()
            => VerifyCollections.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ScanJob : IJob
{
    private static readonly ConcurrentDictionary<string, byte[]> Payloads = new();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        Remember(context.FireInstanceId);
        return default;
    }

    private static byte[] Remember(string id)
        => {|MEM001:Payloads.GetOrAdd(id, _ => new byte[1024])|};
}", Packages.Quartz);
        // MassTransit, Logging/Monitoring: a label cache keyed by `TypeCache<TConsumer>.ShortName` (one value per type).
        [Fact]
        public Task MEM001_StaticCacheKeyedByAPerTypeValue_FilledPerMessage_IsSilent()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Concurrent;
using System.Threading.Tasks;
using MassTransit;

public static class NameOf<T> { public static string ShortName { get; } = typeof(T).Name; }
public sealed class OrderSubmitted { public string Id { get; set; } = """"; }

public sealed class OrderConsumer : IConsumer<OrderSubmitted>
{
    private static readonly ConcurrentDictionary<string, string> Labels = new();

    public Task Consume(ConsumeContext<OrderSubmitted> context)
    {
        Label<OrderConsumer>();
        Labels.TryAdd(typeof(OrderSubmitted).FullName ?? """", ""message"");
        return Task.CompletedTask;
    }

    private static string Label<TConsumer>() => Labels.GetOrAdd(NameOf<TConsumer>.ShortName, n => n.ToLowerInvariant());
}", Packages.MassTransit);

        [Fact]
        public Task MEM001_StaticCacheKeyedByMessageData_FilledPerMessage_IsStillReported()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Concurrent;
using System.Threading.Tasks;
using MassTransit;

public sealed class OrderSubmitted { public string Id { get; set; } = """"; }

public sealed class OrderConsumer : IConsumer<OrderSubmitted>
{
    private static readonly ConcurrentDictionary<string, string> Labels = new();

    public Task Consume(ConsumeContext<OrderSubmitted> context)
    {
        {|MEM001:Labels.GetOrAdd(context.Message.Id, n => n.ToLowerInvariant())|};
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        // MassTransit, Middleware/TransportReadyFilter<T> where T : PipeContext: a filter on a connection-level context
        // runs per connection or transport start, not per message.
        [Fact]
        public Task MEM001_FilterOnAPipeContextTypeParameter_IsNotPerMessage()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using MassTransit;

public sealed class ReadyFilter<T> : IFilter<T> where T : class, PipeContext
{
    private static readonly List<string> Started = new List<string>();

    public async Task Send(T context, IPipe<T> next)
    {
        lock (Started) { Started.Add(""ready""); }
        await next.Send(context);
    }

    public void Probe(ProbeContext context) { }
}", Packages.MassTransit);

        [Fact]
        public Task MEM001_FilterOnConsumeContext_IsPerMessage()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using MassTransit;

public sealed class AuditFilter<T> : IFilter<ConsumeContext<T>> where T : class
{
    private static readonly List<System.Guid?> Seen = new List<System.Guid?>();

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        lock (Seen) { {|MEM001:Seen.Add(context.MessageId)|}; }
        await next.Send(context);
    }

    public void Probe(ProbeContext context) { }
}", Packages.MassTransit);

        // MassTransit, DependencyInjection/Configuration: one generic wrapper `Bind<TKey, TValue>` registered as scoped for
        // some value types and as singleton for others. A singleton factory resolving a singleton construction is fine.
        private const string BindModel = @"
using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

public interface IBus { }
public interface IRider { }
public sealed class KafkaRider : IRider { }
public interface IBusInstance { }
public sealed class BusInstance : IBusInstance { }
public interface ISendEndpoint { }
public sealed class ScopedSendEndpoint : ISendEndpoint { }
public sealed class Bind<TKey, TValue> { public Bind(TValue value) { Value = value; } public TValue Value { get; } }
public static class Bind<TKey> { public static Bind<TKey, T> Create<T>(T value) => new Bind<TKey, T>(value); }
";

        [Fact]
        public Task MEM040_SingletonFactoryResolvesASingletonConstructionOfAGenericAlsoRegisteredScoped_IsSilent()
            => VerifyMEM040.DiagnosticsAsync(BindModel + @"
public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.TryAddScoped(_ => Bind<IBus>.Create<ISendEndpoint>(new ScopedSendEndpoint()));
        services.AddSingleton(_ => Bind<IBus>.Create<IBusInstance>(new BusInstance()));
        services.AddSingleton(provider => provider.GetRequiredService<Bind<IBus, IBusInstance>>().Value);
    }

    public static void RegisterRider<TRider>(IServiceCollection services) where TRider : class, IRider
    {
        services.AddSingleton(provider => Bind<IBus>.Create(provider.GetRequiredService<Bind<IBus, TRider>>().Value));
    }
}", Packages.Of(Packages.DependencyInjection, Packages.Hosting));

        [Fact]
        public Task MEM040_SingletonFactoryResolvesTheScopedConstruction_IsStillReported()
            => VerifyMEM040.DiagnosticsAsync(BindModel + @"
public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.TryAddScoped(_ => Bind<IBus>.Create<ISendEndpoint>(new ScopedSendEndpoint()));
        services.AddSingleton(_ => Bind<IBus>.Create<IBusInstance>(new BusInstance()));
        services.AddSingleton(provider => {|MEM040:provider.GetRequiredService<Bind<IBus, ISendEndpoint>>()|}.Value);
    }
}", Packages.Of(Packages.DependencyInjection, Packages.Hosting));
    }
}
