using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    public class MEM001And002Tests
    {
        // ---------------------------------------------------------------- MEM001, flagged over several frameworks

        [Fact]
        public Task MEM001_QuartzJob_StaticDictionaryGrowsPerExecution()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    private static readonly ConcurrentDictionary<string, byte[]> Reports = new();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        {|MEM001:Reports.TryAdd(context.FireInstanceId, new byte[1024])|};
        return default;
    }
}", Packages.Quartz);

        [Fact]
        public Task MEM001_MassTransitConsumer_IndexerSetWithPerMessageKey()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using MassTransit;

public sealed class OrderSubmitted { public string Id { get; set; } }

public sealed class OrderConsumer : IConsumer<OrderSubmitted>
{
    private static readonly Dictionary<string, OrderSubmitted> Seen = new Dictionary<string, OrderSubmitted>();

    public Task Consume(ConsumeContext<OrderSubmitted> context)
    {
        lock (Seen) { {|MEM001:Seen[context.Message.Id] = context.Message|}; }
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public Task MEM001_RebusHandler_AddInAHelperTheHandlerCalls()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Ping { public int Id { get; set; } }

public sealed class PingHandler : IHandleMessages<Ping>
{
    private static readonly List<int> History = new List<int>();

    public Task Handle(Ping message)
    {
        Remember(message.Id);
        return Task.CompletedTask;
    }

    private static void Remember(int id) => {|MEM001:History.Add(id)|};
}", Packages.Rebus);

        [Fact]
        public Task MEM001_MediatRHandler_StringBuilderLog_AndHangfireJob()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Hangfire;
using MediatR;

public sealed class Ping : IRequest<string> { public string Name { get; set; } }

public sealed class PingHandler : IRequestHandler<Ping, string>
{
    private static readonly StringBuilder Log = new StringBuilder();

    public Task<string> Handle(Ping request, CancellationToken cancellationToken)
    {
        {|MEM001:Log.AppendLine(request.Name)|};
        return Task.FromResult(""pong"");
    }
}

public class CleanupJob
{
    private static readonly HashSet<string> Done = new HashSet<string>();
    public void Run(string id) { {|MEM001:Done.Add(id)|}; }
}

public static class Setup
{
    public static void Schedule() => BackgroundJob.Enqueue<CleanupJob>(job => job.Run(""x""));
}", Packages.Of(Packages.MediatR, Packages.Hangfire));

        [Fact]
        public Task MEM001_BackgroundServiceLoop_ImmutableReassignedWithAdd()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Collector : BackgroundService
{
    private static ImmutableList<string> _seen = ImmutableList<string>.Empty;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            {|MEM001:_seen = _seen.Add(System.DateTime.UtcNow.ToString())|};
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Hosting);

        // ---------------------------------------------------------------- MEM002

        [Fact]
        public Task MEM002_LongLivedHandlerField_AndLocalBeforeTheLoop()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Akka.Actor;

public sealed class Collector : BackgroundService
{
    private readonly List<string> _processed = new List<string>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batchIds = new HashSet<int>();
        var i = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            {|MEM002:_processed.Add(stoppingToken.GetHashCode().ToString())|};
            {|MEM002:batchIds.Add(i++)|};
            await Task.Delay(1000, stoppingToken);
        }
    }
}

public sealed class Counter : UntypedActor
{
    private readonly Dictionary<object, int> _counts = new Dictionary<object, int>();
    protected override void OnReceive(object message) { {|MEM002:_counts[message] = 1|}; }
}", Packages.Of(Packages.Hosting, Packages.Akka));

        // ---------------------------------------------------------------- look-alikes

        [Fact]
        public Task LookAlikes_AreNotFlagged()
            => VerifyCollections.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Quartz;

public enum Kind { A, B }
public sealed class Msg { public string Id { get; set; } public Kind Kind { get; set; } }

public sealed class CarefulConsumer : IConsumer<Msg>
{
    private static readonly Dictionary<string, int> Lookup = new Dictionary<string, int> { [""a""] = 1 };   // read-only table
    private static readonly Dictionary<Kind, int> ByKind = new Dictionary<Kind, int>();                       // closed key set
    private static readonly ConcurrentDictionary<string, DateTime> Recent = new();                           // has a removal path
    private static readonly ConditionalWeakTable<Msg, object> Attached = new();                              // not a strong collection
    private static readonly List<string> Bounded = new List<string>();
    private static readonly Dictionary<string, int> Registry = new Dictionary<string, int>();
    private readonly List<string> _perMessage = new List<string>();                                          // consumer is per message

    static CarefulConsumer() { Registry.Add(""x"", 1); }                                                     // filled once

    public Task Consume(ConsumeContext<Msg> context)
    {
        var value = Lookup[""a""];
        ByKind[context.Message.Kind] = value;
        Recent.TryAdd(context.Message.Id, DateTime.UtcNow);
        if (Bounded.Count < 100) { Bounded.Add(context.Message.Id); }
        _perMessage.Add(context.Message.Id);
        Attached.AddOrUpdate(context.Message, new object());
        return Task.CompletedTask;
    }

    public static void Evict(string id) => Recent.TryRemove(id, out _);
}

public sealed class NotAHandler
{
    private static readonly List<string> Names = new List<string>();
    public void Add(string name) => Names.Add(name);                                                          // not reachable from a handler
}", Packages.Of(Packages.MassTransit, Packages.Quartz));

        [Fact]
        public Task Fix_ScopedForm_TurnsTheFieldIntoALocal()
            => VerifyCollections.FixAsync(@"
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    // lines of the report being built
    private static readonly List<string> Lines = new List<string>();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        {|MEM001:Lines.Add(context.FireInstanceId)|};
        System.Console.WriteLine(string.Join("","", ReportJob.Lines.Count));
        return default;
    }
}", @"
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        List<string> lines = new List<string>();
        lines.Add(context.FireInstanceId);
        System.Console.WriteLine(string.Join("","", lines.Count));
        return default;
    }
}", Packages.Quartz);

        [Fact]
        public Task Fix_BoundedForm_MemoryCacheWithSizeLimitAndExpiration()
        {
            var test = VerifyCollections.CreateFixTest(@"
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class PriceJob : IJob
{
    // prices seen so far, by SKU
    private static readonly ConcurrentDictionary<string, decimal> Prices = new ConcurrentDictionary<string, decimal>();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var sku = context.FireInstanceId;
        if (!Prices.TryGetValue(sku, out var price))
        {
            price = {|MEM001:Prices.GetOrAdd(sku, s => Lookup(s))|};
        }

        Audit(sku, price);
        return default;
    }

    private static void Audit(string sku, decimal price)
    {
        if (Prices.ContainsKey(sku + ""/audit"")) return;
        Prices[sku + ""/audit""] = price;
    }

    private static decimal Lookup(string sku) => sku.Length;
}

public sealed class RateJob : IJob
{
    private static readonly Dictionary<int, double> _rates = new();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var id = context.FireInstanceId.GetHashCode();
        {|MEM001:_rates[id] = 1.5|};
        return default;
    }
}", @"
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Memory;
using Quartz;

public sealed class PriceJob : IJob
{
    // prices seen so far, by SKU
    // Bounds for 'Prices': at most PricesSizeLimit entries (each has Size 1), each kept at most PricesLifetimeMinutes minutes; tune both.
    private const long PricesSizeLimit = 10_000;
    private const int PricesLifetimeMinutes = 10;
    private static readonly MemoryCacheEntryOptions PricesEntryOptions = new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(PricesLifetimeMinutes) };
    private static readonly MemoryCache Prices = new MemoryCache(new MemoryCacheOptions { SizeLimit = PricesSizeLimit });

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var sku = context.FireInstanceId;
        if (!Prices.TryGetValue<decimal>(sku, out var price))
        {
            price = Prices.GetOrCreate(sku, entry => { entry.SetOptions(PricesEntryOptions); var s = (string)entry.Key; return Lookup(s); });
        }

        Audit(sku, price);
        return default;
    }

    private static void Audit(string sku, decimal price)
    {
        if (Prices.TryGetValue<decimal>(sku + ""/audit"", out _)) return;
        Prices.Set(sku + ""/audit"", price, PricesEntryOptions);
    }

    private static decimal Lookup(string sku) => sku.Length;
}

public sealed class RateJob : IJob
{
    // Bounds for '_rates': at most RatesSizeLimit entries (each has Size 1), each kept at most RatesLifetimeMinutes minutes; tune both.
    private const long RatesSizeLimit = 10_000;
    private const int RatesLifetimeMinutes = 10;
    private static readonly MemoryCacheEntryOptions RatesEntryOptions = new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(RatesLifetimeMinutes) };
    private static readonly MemoryCache _rates = new MemoryCache(new MemoryCacheOptions { SizeLimit = RatesSizeLimit });

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var id = context.FireInstanceId.GetHashCode();
        _rates.Set(id, 1.5, RatesEntryOptions);
        return default;
    }
}", Packages.Of(Packages.Quartz, Packages.Caching, Packages.Hosting));
            test.CodeActionEquivalenceKey = MemoryRetention.CodeFixes.GrowingCollectionCodeFix.BoundedEquivalenceKey;
            return test.RunAsync();
        }

        // The fixed source is the source: no bounded form is offered (and the scoped one does not apply).
        private const string NoBoundedFormSource = @"
using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class NameJob : IJob
{
    private static readonly ConcurrentDictionary<string, int> Names = new ConcurrentDictionary<string, int>(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, int> Seen = new ConcurrentDictionary<string, int>();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        {|MEM001:Names[context.FireInstanceId] = 1|};
        {|MEM001:Seen[context.FireInstanceId] = 1|};
        Report();
        return default;
    }

    private static void Report()
    {
        foreach (var pair in Seen) Console.WriteLine(pair.Key);   // enumeration: MemoryCache cannot
        Console.WriteLine(Names.Count);
    }
}

#nullable enable
public sealed class LabelJob : IJob
{
    // Reference values with nullable annotations on: MemoryCache's reads would return string? and add warnings.
    private static readonly ConcurrentDictionary<string, string> Labels = new ConcurrentDictionary<string, string>();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        {|MEM001:Labels[context.FireInstanceId] = ""x""|};
        Show(context.FireInstanceId);
        return default;
    }

    private static void Show(string id)
    {
        if (Labels.TryGetValue(id, out var label)) Console.WriteLine(label.Length);
    }
}";

        [Fact]
        public Task Fix_BoundedForm_NotOffered_WithAComparerOrUnsupportedUse()
            => VerifyCollections.FixAsync(NoBoundedFormSource, NoBoundedFormSource, Packages.Of(Packages.Quartz, Packages.Caching, Packages.Hosting));

        [Fact]
        public Task IncompleteCode_DoesNotCrash()
            => VerifyCollections.NoCrashAsync(@"
using System.Collections.Generic;
using Quartz;
public sealed class Job : IJob
{
    private static readonly List<string> Lines = new
    public System.Threading.Tasks.ValueTask Execute(IJobExecutionContext context, System.Threading.CancellationToken ct) { Lines.Add(; Lines[ = 
", Packages.Quartz);
    }
}
