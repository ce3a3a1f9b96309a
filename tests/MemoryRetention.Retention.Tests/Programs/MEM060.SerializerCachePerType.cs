//! rule: MEM060
//! fix: MEM060_SerializerCachePerType
//! action: serializer cache per type
//! measure: assemblies
//! unit: generated serializer assemblies kept
//! invocations: 200
//! flagged-at-least: 180
//! fixed-at-most: 2
//
// A MassTransit consumer writes each invoice as XML with a serializer built per message for the message's runtime
// type and a root attribute: one generated assembly per message, never cached. The fix keeps one serializer per type
// in a static ConcurrentDictionary.
using System;
using System.IO;
using System.Threading.Tasks;
using System.Xml.Serialization;
using MassTransit;

namespace Proof;

public sealed class InvoiceIssued
{
    public int Id { get; set; }
}

public sealed class InvoiceArchiver : IConsumer<InvoiceIssued>
{
    private readonly Tally _tally;

    public InvoiceArchiver(Tally tally) => _tally = tally;

    public Task Consume(ConsumeContext<InvoiceIssued> context)
    {
        var writer = new StringWriter();
        var serializer = new XmlSerializer(context.Message.GetType(), new XmlRootAttribute("invoice")); // flagged: MEM060
        serializer.Serialize(writer, context.Message);
        _tally.Complete(writer.ToString().Length);
        return Task.CompletedTask;
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => InMemoryBus.RunAsync(invocations, i => new InvoiceIssued { Id = i }, mark, x => x.AddConsumer<InvoiceArchiver>());
}
