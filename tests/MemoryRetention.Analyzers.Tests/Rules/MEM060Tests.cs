using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    public class MEM060Tests
    {
        [Fact]
        public Task MEM060_UncachedConstructorsInWorkerLoop()
            => VerifyMEM060.DiagnosticsAsync(@"
using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Serialization;
using Microsoft.Extensions.Hosting;

public sealed class Order { public int Id { get; set; } }
public sealed class Line { }

public sealed class Exporter : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var writer = new StringWriter();
            var rooted = {|MEM060:new XmlSerializer(typeof(Order), new XmlRootAttribute(""order""))|};
            rooted.Serialize(writer, new Order());
            {|MEM060:new XmlSerializer(typeof(Order), new[] { typeof(Line) })|}.Serialize(writer, new Order());
            var overrides = new XmlAttributeOverrides();
            var overridden = {|MEM060:new XmlSerializer(typeof(Order), overrides)|};
            var full = {|MEM060:new XmlSerializer(typeof(Order), null, Type.EmptyTypes, null, ""urn:orders"")|};
            var many = {|MEM060:XmlSerializer.FromTypes(new[] { typeof(Order) })|};
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Hosting);

        [Fact]
        public Task MEM060_MassTransitConsumerAndQuartzJob()
            => VerifyMEM060.DiagnosticsAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Serialization;
using MassTransit;
using Quartz;

public sealed class Invoice { }

public sealed class InvoiceConsumer : IConsumer<Invoice>
{
    public Task Consume(ConsumeContext<Invoice> context)
    {
        var serializer = {|MEM060:new XmlSerializer(context.Message.GetType(), new XmlRootAttribute(""invoice""))|};
        serializer.Serialize(new StringWriter(), context.Message);
        return Task.CompletedTask;
    }
}

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        XmlSerializer serializer = {|MEM060:new(typeof(Invoice), new XmlRootAttribute(""report""))|};
        serializer.Serialize(new StringWriter(), new Invoice());
        return default;
    }
}", Packages.Of(Packages.MassTransit, Packages.Quartz));

        [Fact]
        public Task MEM060_LookAlikes_AreNotFlagged()
            => VerifyMEM060.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Serialization;
using MassTransit;
using Microsoft.Extensions.Hosting;

public sealed class Order { }

public sealed class OrderConsumer : IConsumer<Order>
{
    private static readonly XmlSerializer Rooted = new XmlSerializer(typeof(Order), new XmlRootAttribute(""order""));
    private static readonly ConcurrentDictionary<Type, XmlSerializer> Cache = new ConcurrentDictionary<Type, XmlSerializer>();
    private static readonly Dictionary<string, XmlSerializer> ByRoot = new Dictionary<string, XmlSerializer>();
    private static readonly Lazy<XmlSerializer> Lazy = new Lazy<XmlSerializer>(() => new XmlSerializer(typeof(Order), new XmlRootAttribute(""o"")));
    private static XmlSerializer _assigned;

    public Task Consume(ConsumeContext<Order> context)
    {
        var writer = new StringWriter();
        new XmlSerializer(typeof(Order)).Serialize(writer, context.Message);             // cached by the runtime
        new XmlSerializer(typeof(Order), ""urn:orders"").Serialize(writer, context.Message); // cached by the runtime
        Rooted.Serialize(writer, context.Message);
        var cached = Cache.GetOrAdd(context.Message.GetType(), t => new XmlSerializer(t, new XmlRootAttribute(""order"")));
        if (!ByRoot.TryGetValue(""order"", out var byRoot))
        {
            byRoot = new XmlSerializer(typeof(Order), new XmlRootAttribute(""order""));
            ByRoot[""order""] = byRoot;
        }

        _assigned ??= new XmlSerializer(typeof(Order), new XmlRootAttribute(""order""));
        return Task.CompletedTask;
    }

    private static XmlSerializer Create(Type type) => new XmlSerializer(type, new XmlRootAttribute(""order"")); // the caller owns it
}

public sealed class Startup : BackgroundService
{
    private XmlSerializer _serializer;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _serializer = new XmlSerializer(typeof(Order), new XmlRootAttribute(""order""));    // once, before the loop
        var once = new XmlSerializer(typeof(Order), new XmlRootAttribute(""order""));
        while (!stoppingToken.IsCancellationRequested)
        {
            once.Serialize(new StringWriter(), new Order());
            await Task.Delay(1000, stoppingToken);
        }
    }
}

public static class NotAHandler
{
    public static string Write(Order order)
    {
        var writer = new StringWriter();
        new XmlSerializer(typeof(Order), new XmlRootAttribute(""order"")).Serialize(writer, order);
        return writer.ToString();
    }
}", Packages.Of(Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task MEM060_Fix_StaticReadonlyField_FixAllReusesTheField()
            => VerifyMEM060.FixAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Order { }

public sealed class Exporter : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var writer = new StringWriter();
            // one root element per document
            var serializer = {|MEM060:new System.Xml.Serialization.XmlSerializer(typeof(Order), new System.Xml.Serialization.XmlRootAttribute(""order"") { Namespace = ""urn:orders"" })|}; // the export format
            serializer.Serialize(writer, new Order());
            {|MEM060:new System.Xml.Serialization.XmlSerializer(typeof(Order), new System.Xml.Serialization.XmlRootAttribute(""order"") { Namespace = ""urn:orders"" })|}.Serialize(writer, new Order());
            {|MEM060:new System.Xml.Serialization.XmlSerializer(typeof(Order), new[] { typeof(string) })|}.Serialize(writer, new Order());
            await Task.Delay(1000, stoppingToken);
        }
    }
}", @"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Serialization;
using Microsoft.Extensions.Hosting;

public sealed class Order { }

public sealed class Exporter : BackgroundService
{
    private static readonly XmlSerializer OrderSerializer1 = new System.Xml.Serialization.XmlSerializer(typeof(Order), new[] { typeof(string) });
    private static readonly XmlSerializer OrderSerializer = new System.Xml.Serialization.XmlSerializer(typeof(Order), new System.Xml.Serialization.XmlRootAttribute(""order"") { Namespace = ""urn:orders"" });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var writer = new StringWriter();
            // one root element per document
            var serializer = OrderSerializer; // the export format
            serializer.Serialize(writer, new Order());
            OrderSerializer.Serialize(writer, new Order());
            OrderSerializer1.Serialize(writer, new Order());
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Hosting);

        [Fact]
        public Task MEM060_Fix_CachePerType_WhenOnlyTheTypeVaries()
            => VerifyMEM060.FixAsync(@"
using System.IO;
using System.Threading.Tasks;
using System.Xml.Serialization;
using MassTransit;

public sealed class Invoice { }

public sealed class InvoiceConsumer : IConsumer<Invoice>
{
    public Task Consume(ConsumeContext<Invoice> context)
    {
        var serializer = {|MEM060:new XmlSerializer(context.Message.GetType(), new XmlRootAttribute(""invoice""))|};
        serializer.Serialize(new StringWriter(), context.Message);
        return Task.CompletedTask;
    }
}", @"
using System;
using System.Collections.Concurrent;
using System.IO;
using System.Threading.Tasks;
using System.Xml.Serialization;
using MassTransit;

public sealed class Invoice { }

public sealed class InvoiceConsumer : IConsumer<Invoice>
{
    private static readonly ConcurrentDictionary<Type, XmlSerializer> SerializersByType = new ConcurrentDictionary<Type, XmlSerializer>();

    public Task Consume(ConsumeContext<Invoice> context)
    {
        var serializer = SerializersByType.GetOrAdd(context.Message.GetType(), serializedType => new XmlSerializer(serializedType, new XmlRootAttribute(""invoice"")));
        serializer.Serialize(new StringWriter(), context.Message);
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        // The per-type cache the fix writes is a static dictionary added to per message: MEM001 must see that a
        // System.Type key is bounded by the program's types (found by the MEM060.CachePerType proof program).
        [Fact]
        public Task MEM060_CachePerType_IsNotAGrowingCollection_ForMEM001()
            => VerifyMEM001.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;
using System.Xml.Serialization;
using MassTransit;

public sealed class Invoice { public string Number { get; set; } }

public sealed class InvoiceConsumer : IConsumer<Invoice>
{
    private static readonly ConcurrentDictionary<Type, XmlSerializer> SerializersByType = new ConcurrentDictionary<Type, XmlSerializer>();
    private static readonly ConcurrentDictionary<string, XmlSerializer> ByNumber = new ConcurrentDictionary<string, XmlSerializer>();

    public Task Consume(ConsumeContext<Invoice> context)
    {
        var serializer = SerializersByType.GetOrAdd(context.Message.GetType(), serializedType => new XmlSerializer(serializedType, new XmlRootAttribute(""invoice"")));
        {|MEM001:ByNumber.GetOrAdd(context.Message.Number, _ => serializer)|};
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public Task MEM060_NoFix_WhenTheRootComesFromTheMessage()
            => VerifyMEM060.FixAsync(@"
using System.IO;
using System.Threading.Tasks;
using System.Xml.Serialization;
using MassTransit;

public sealed class Export { public string Root { get; set; } }

public sealed class ExportConsumer : IConsumer<Export>
{
    public Task Consume(ConsumeContext<Export> context)
    {
        var serializer = {|MEM060:new XmlSerializer(typeof(Export), new XmlRootAttribute(context.Message.Root))|};
        serializer.Serialize(new StringWriter(), context.Message);
        return Task.CompletedTask;
    }
}", @"
using System.IO;
using System.Threading.Tasks;
using System.Xml.Serialization;
using MassTransit;

public sealed class Export { public string Root { get; set; } }

public sealed class ExportConsumer : IConsumer<Export>
{
    public Task Consume(ConsumeContext<Export> context)
    {
        var serializer = {|MEM060:new XmlSerializer(typeof(Export), new XmlRootAttribute(context.Message.Root))|};
        serializer.Serialize(new StringWriter(), context.Message);
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public Task IncompleteCode_DoesNotCrash()
            => VerifyMEM060.NoCrashAsync(@"
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Serialization;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var a = new XmlSerializer(typeof(Missing), new XmlRootAttribute(
            var b = new XmlSerializer(typeof(int), new XmlRootAttribute(""x""));
            new XmlSerializer(
            XmlSerializer.FromTypes(
", Packages.Hosting);
    }
}
