using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM010 pre-sized collections whose backing array reaches the large object heap (issue 16).</summary>
    public class MEM010RecallTests
    {
        [Fact]
        public Task PreSizedCollectionsOnTheLargeObjectHeap_AreFlagged_ByElementSize()
            => VerifyMEM010.DiagnosticsAsync(@"
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Msg { }

public sealed class Handler : IHandleMessages<Msg>
{
    public Task Handle(Msg message)
    {
        var ids = {|MEM010:new List<long>(100_000)|};                     // 800,000 bytes
        var names = {|MEM010:new List<string>(20_000)|};                  // references: 8 bytes each = 160,000
        var index = {|MEM010:new Dictionary<string, int>(50_000)|};       // entries of 24 bytes
        var seen = {|MEM010:new HashSet<int>(10_000)|};                   // entries of 12 bytes = 120,000
        var buckets = {|MEM010:new ConcurrentDictionary<int, int>(4, 20_000)|};
        return Task.CompletedTask;
    }
}", Packages.Rebus);

        [Fact]
        public Task SmallOrUnknownCapacities_AndOutsideHandlers_AreNotFlagged()
            => VerifyMEM010.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Msg { public int Count { get; set; } }
public struct Point { public long X, Y; }

public sealed class Handler : IHandleMessages<Msg>
{
    private static readonly List<long> Shared = new List<long>(1_000_000);   // once per process
    public Task Handle(Msg message)
    {
        var bytes = new List<byte>(80_000);                                   // 80,000 bytes: below 85,000
        var small = new Dictionary<int, int>(5_000);                          // 16-byte entries: 80,000
        var unknown = new List<int>(message.Count);                           // size not known here
        var structs = new List<Point>(100_000);                               // a struct of unknown layout: not estimated
        var copy = new List<long>(Shared);                                    // a collection, not a capacity
        return Task.CompletedTask;
    }
}", Packages.Rebus);
    
        [Fact]
        public Task WholeFileAndBodyReads_WithoutASizeCheck_AreInfo()
        {
            var test = VerifyMEM010.CreateTest(@"
using System.IO;
using System.Threading.Tasks;
using RabbitMQ.Client.Events;
using Rebus.Handlers;

public sealed class Msg { public string Path { get; set; } public MemoryStream Buffer { get; set; } }

public sealed class Handler : IHandleMessages<Msg>
{
    public async Task Handle(Msg message)
    {
        var bytes = {|#0:File.ReadAllBytes(message.Path)|};
        var text = await {|#1:File.ReadAllTextAsync(message.Path)|};
        var all = {|#2:message.Buffer.ToArray()|};
    }
}

public static class Wiring
{
    public static void Attach(AsyncEventingBasicConsumer consumer)
    {
        consumer.ReceivedAsync += (sender, ea) =>
        {
            var body = {|#3:ea.Body.ToArray()|};
            return Task.CompletedTask;
        };
    }
}", Packages.Of(Packages.Rebus, Packages.RabbitMQ), null, System.Array.Empty<string>());
            var info = Microsoft.CodeAnalysis.DiagnosticSeverity.Info;
            test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.MEM010_LargeObjectHeapAllocation).WithLocation(0).WithSeverity(info)
                .WithArguments("File.ReadAllBytes", "an array as long as the file (not bounded in this method)", "in Rebus handler 'Handler.Handle'"));
            test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.MEM010_LargeObjectHeapAllocation).WithLocation(1).WithSeverity(info)
                .WithArguments("File.ReadAllTextAsync", "a string as long as the file (2 bytes a character; not bounded in this method)", "in Rebus handler 'Handler.Handle'"));
            test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.MEM010_LargeObjectHeapAllocation).WithLocation(2).WithSeverity(info)
                .WithArguments("MemoryStream.ToArray()", "a copy of everything written to the stream (not bounded in this method)", "in Rebus handler 'Handler.Handle'"));
            test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.MEM010_LargeObjectHeapAllocation).WithLocation(3).WithSeverity(info)
                .WithArguments("body.ToArray()", "a copy of the whole message body (not bounded in this method)", "in RabbitMQ consumer 'ReceivedAsync' handler"));
            return test.RunAsync();
        }

        [Fact]
        public Task WholeReadsAfterASizeCheck_OrOutsideHandlers_AreNotFlagged()
            => VerifyMEM010.DiagnosticsAsync(@"
using System;
using System.IO;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Msg { public string Path { get; set; } public ReadOnlyMemory<byte> Body { get; set; } }

public sealed class Handler : IHandleMessages<Msg>
{
    private const long MaxSize = 64 * 1024;

    public Task Handle(Msg message)
    {
        if (new FileInfo(message.Path).Length > MaxSize) throw new InvalidOperationException(""too large"");
        var bytes = File.ReadAllBytes(message.Path);
        if (message.Body.Length > MaxSize) return Task.CompletedTask;
        var body = message.Body.ToArray();
        var local = new byte[4].AsMemory().ToArray();                         // not a body handed to the handler
        return Task.CompletedTask;
    }
}

public static class Startup
{
    public static string Config() => File.ReadAllText(""appsettings.json"");   // not a handler
}", Packages.Rebus);
    }
}
