//! rule: MEM060
//! fix: MEM060_StaticReadonlySerializer
//! action: static readonly serializer
//! measure: assemblies
//! unit: generated serializer assemblies kept
//! invocations: 200
//! flagged-at-least: 180
//! fixed-at-most: 2
//
// A worker exports every order as XML with a serializer it builds per order with a root attribute: that constructor
// generates a serialization assembly every time and the runtime never caches it, so the process loads one more
// assembly per order, for ever. The fix builds the serializer once, in a static readonly field.
using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class ExportedOrder
{
    public int Id { get; set; }
}

public sealed class OrderExporter : BackgroundService
{
    private readonly Inbox<int> _inbox;

    public OrderExporter(Inbox<int> inbox) => _inbox = inbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var writer = new StringWriter();
            // one root element per document
            var serializer = new XmlSerializer(typeof(ExportedOrder), new XmlRootAttribute("order") { Namespace = "urn:orders" }); // flagged: MEM060
            serializer.Serialize(writer, new ExportedOrder { Id = id });
            _inbox.Complete(writer.ToString().Length);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i, mark, services => services.AddHostedService<OrderExporter>());
}
