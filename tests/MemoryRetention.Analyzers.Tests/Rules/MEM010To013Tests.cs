using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;
using VerifyMEM010 = MemoryRetention.Analyzers.Tests.Verifiers.Verify<
    MemoryRetention.Analyzers.Rules.BufferAnalyzer,
    MemoryRetention.CodeFixes.LargeObjectHeapAllocationCodeFix>;
using VerifyMEM011 = MemoryRetention.Analyzers.Tests.Verifiers.Verify<
    MemoryRetention.Analyzers.Rules.BufferEscapeAnalyzer,
    Microsoft.CodeAnalysis.Testing.EmptyCodeFixProvider>;
using VerifyMEM012 = MemoryRetention.Analyzers.Tests.Verifiers.Verify<
    MemoryRetention.Analyzers.Rules.BufferAnalyzer,
    MemoryRetention.CodeFixes.MemoryStreamPerInvocationCodeFix>;
using VerifyMEM013 = MemoryRetention.Analyzers.Tests.Verifiers.Verify<
    MemoryRetention.Analyzers.Rules.BufferAnalyzer,
    MemoryRetention.CodeFixes.PoolMisuseCodeFix>;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    public class MEM010To013Tests
    {
        // ---------------------------------------------------------------- MEM010

        [Fact]
        public Task MEM010_LargeArraysPerInvocation()
            => VerifyMEM010.DiagnosticsAsync(@"
using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Quartz;

public sealed class Msg { }

public sealed class Worker : BackgroundService
{
    private const int ChunkSize = 128 * 1024;
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var chunk = {|MEM010:new byte[ChunkSize]|};
            var chars = {|MEM010:new char[50_000]|};
            await Task.Delay(10, stoppingToken);
        }
    }
}

public sealed class ExportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var samples = {|MEM010:GC.AllocateUninitializedArray<double>(20_000)|};
        return default;
    }
}

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        var ids = {|MEM010:new long[11_000]|};
        return Task.CompletedTask;
    }
}", Packages.Of(Packages.Hosting, Packages.Quartz, Packages.MassTransit));

        [Fact]
        public Task MEM010_LookAlikes_AreNotFlagged()
            => VerifyMEM010.DiagnosticsAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Worker : BackgroundService
{
    private static readonly byte[] Shared = new byte[1024 * 1024];            // once per process
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reused = new byte[1024 * 1024];                                   // before the loop: once
        while (!stoppingToken.IsCancellationRequested)
        {
            var small = new byte[4096];                                        // below the threshold
            var sized = new byte[reused.Length / 2];                           // not a constant size
            await Task.Delay(10, stoppingToken);
        }
    }
}

public static class Plain
{
    public static byte[] Make() => new byte[1024 * 1024];                      // not handler code
}", Packages.Hosting);

        [Fact]
        public Task MEM010_ThresholdIsAnOption()
            => VerifyMEM010.DiagnosticsWithConfigAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ExportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var buffer = {|MEM010:new byte[16 * 1024]|};
        return default;
    }
}", Packages.Quartz, "memory_retention.MEM010.threshold_bytes = 16384");

        [Fact]
        public Task MEM010_Fix_RentsAndReturnsInFinally_KeepingTheLength()
            => VerifyMEM010.FixAsync(@"
using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ExportJob : IJob
{
    private const int ChunkSize = 128 * 1024;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        using var stream = File.OpenRead(""export.bin"");
        var buffer = {|MEM010:new byte[ChunkSize]|};
        var read = await stream.ReadAsync(buffer, 0, buffer.Length, cancellationToken);
        var data = buffer.AsSpan().Slice(0, read).ToArray();
        buffer[0] = 1;
    }
}", @"
using System;
using System.Buffers;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ExportJob : IJob
{
    private const int ChunkSize = 128 * 1024;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        using var stream = File.OpenRead(""export.bin"");
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var read = await stream.ReadAsync(buffer, 0, (ChunkSize), cancellationToken);
            var data = buffer.AsSpan(0, ChunkSize).Slice(0, read).ToArray();
            buffer[0] = 1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}", Packages.Quartz);

        [Fact]
        public Task MEM010_NoFix_WhenTheArrayEscapes()
            => VerifyMEM010.FixAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ExportJob : IJob
{
    private byte[] _last;

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var buffer = {|MEM010:new byte[100_000]|};
        _last = buffer;
        return default;
    }
}", @"
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ExportJob : IJob
{
    private byte[] _last;

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var buffer = {|MEM010:new byte[100_000]|};
        _last = buffer;
        return default;
    }
}", Packages.Quartz);

        // ---------------------------------------------------------------- MEM012

        [Fact]
        public Task MEM012_SuggestionWithoutRecyclableMemoryStream()
        {
            var test = VerifyMEM012.CreateTest(@"
using System.IO;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Msg { }

public sealed class Handler : IHandleMessages<Msg>
{
    public Task Handle(Msg message)
    {
        using var buffer = {|#0:new MemoryStream()|};
        using var view = new MemoryStream(new byte[] { 1, 2, 3 });
        return Task.CompletedTask;
    }
}", Packages.Rebus, null, System.Array.Empty<string>());
            test.TestState.MarkupHandling = Microsoft.CodeAnalysis.Testing.MarkupMode.Allow;
            test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.MEM012_MemoryStreamPerInvocation).WithLocation(0).WithArguments("in Rebus handler 'Handler.Handle'", string.Empty));
            return test.RunAsync();
        }

        [Fact]
        public Task MEM012_Fix_PooledStreamWhenTheLibraryIsReferenced()
            => VerifyMEM012.FixAsync(@"
using System.IO;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Msg { }

public sealed class Handler : IHandleMessages<Msg>
{
    public async Task Handle(Msg message)
    {
        var buffer = {|MEM012:new MemoryStream()|};
        await buffer.WriteAsync(new byte[] { 1 });
    }
}", @"
using System.IO;
using System.Threading.Tasks;
using Microsoft.IO;
using Rebus.Handlers;

public sealed class Msg { }

public sealed class Handler : IHandleMessages<Msg>
{
    // One manager for the type; the limits cap what its free pools keep (tune them to the workload).
    private static readonly RecyclableMemoryStreamManager StreamManager = new RecyclableMemoryStreamManager(new RecyclableMemoryStreamManager.Options { MaximumSmallPoolFreeBytes = 16 * 1024 * 1024, MaximumLargePoolFreeBytes = 64 * 1024 * 1024 });

    public async Task Handle(Msg message)
    {
        await using var buffer = StreamManager.GetStream(""Handler.Handle"");
        await buffer.WriteAsync(new byte[] { 1 });
    }
}", Packages.Of(Packages.Rebus, Packages.RecyclableMemoryStream));

        // ---------------------------------------------------------------- MEM013

        [Fact]
        public Task MEM013_PoolsThatStopPooling()
            => VerifyMEM013.DiagnosticsAsync(@"
using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.IO;
using Quartz;

public sealed class ExportJob : IJob
{
    private static readonly RecyclableMemoryStreamManager Unlimited = {|MEM013:new RecyclableMemoryStreamManager()|};

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var lost = {|MEM013:ArrayPool<byte>.Shared.Rent(4096)|};
        lost[0] = 1;

        var early = ArrayPool<byte>.Shared.Rent(4096);
        await Task.Delay(1, cancellationToken);
        {|MEM013:ArrayPool<byte>.Shared.Return(early)|};

        var names = ArrayPool<string>.Shared.Rent(16);
        try { names[0] = context.FireInstanceId; }
        finally { {|MEM013:ArrayPool<string>.Shared.Return(names)|}; }

        var owner = {|MEM013:MemoryPool<byte>.Shared.Rent(1024)|};
        owner.Memory.Span[0] = 1;

        var manager = {|MEM013:new RecyclableMemoryStreamManager()|};
    }
}", Packages.Of(Packages.Quartz, Packages.RecyclableMemoryStream));

        [Fact]
        public Task MEM013_LookAlikes_AreNotFlagged()
            => VerifyMEM013.DiagnosticsAsync(@"
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.IO;
using Quartz;

public sealed class ExportJob : IJob
{
    private static readonly RecyclableMemoryStreamManager Limited = new RecyclableMemoryStreamManager(
        new RecyclableMemoryStreamManager.Options { MaximumSmallPoolFreeBytes = 1 << 24, MaximumLargePoolFreeBytes = 1 << 26 });

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(4096);
        try { bytes[0] = 1; }
        finally { ArrayPool<byte>.Shared.Return(bytes); }

        var names = ArrayPool<string>.Shared.Rent(16);
        try { names[0] = context.FireInstanceId; }
        finally { ArrayPool<string>.Shared.Return(names, clearArray: true); }

        using var owner = MemoryPool<byte>.Shared.Rent(1024);
        return default;
    }

    public byte[] RentForCaller() => ArrayPool<byte>.Shared.Rent(10);       // handed to the caller, not a handler
}", Packages.Of(Packages.Quartz, Packages.RecyclableMemoryStream));

        [Fact]
        public Task MEM013_Fix_ReturnMovesIntoFinally_AndOwnerGetsUsing()
            => VerifyMEM013.FixAsync(@"
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ExportJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        buffer[0] = 1;
        await Task.Delay(1, cancellationToken);
        {|MEM013:ArrayPool<byte>.Shared.Return(buffer)|};
        var owner = {|MEM013:MemoryPool<byte>.Shared.Rent(1024)|};
        owner.Memory.Span[0] = 1;
    }
}", @"
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ExportJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            buffer[0] = 1;
            await Task.Delay(1, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        using var owner = MemoryPool<byte>.Shared.Rent(1024);
        owner.Memory.Span[0] = 1;
    }
}", Packages.Quartz);

        // ---------------------------------------------------------------- MEM011

        [Fact]
        public Task MEM011_BuffersEscapeIntoLongLivedPlaces()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Quartz;

public static class Bus { public static event EventHandler Tick; }

public sealed class ReportJob : IJob
{
    private static byte[] _last;

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var payload = new byte[4096];
        Bus.Tick += {|MEM011:(s, e) => Console.WriteLine(payload.Length)|};
        var log = new StringBuilder();
        _ = Task.Run({|MEM011:() => log.Append(""done"")|});
        var body = new MemoryStream();
        {|MEM011:_last = payload|};
        return default;
    }
}

public sealed class Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var chunk = new byte[1024];
            var id = Guid.NewGuid();
            Func<int> local = () => chunk.Length;                                          // short-lived, but shares the closure
            stoppingToken.Register({|MEM011:() => Console.WriteLine(id)|});
            var timer = new Timer({|MEM011:_ => Console.WriteLine(chunk[0])|}, null, 1000, Timeout.Infinite);
            await Task.Delay(10, stoppingToken);
        }
    }
}", Packages.Of(Packages.Hosting, Packages.Quartz));

        [Fact]
        public Task MEM011_LookAlikes_AreNotFlagged()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    public async Task Consume(ConsumeContext<Msg> context)
    {
        var payload = new byte[4096];
        await Task.Run(() => payload[0] = 1);                                    // awaited
        context.CancellationToken.Register(() => Console.WriteLine(payload.Length)); // a per-message token
        var local = new Publisher();
        local.Changed += (s, e) => Console.WriteLine(payload.Length);            // a publisher that dies with the message
        {
            var name = ""x"";                                                       // its own scope: its own closure
            Publisher.Static += (s, e) => Console.WriteLine(name);
        }
    }
}

public sealed class Publisher { public event EventHandler Changed; public static event EventHandler Static; }", Packages.MassTransit);

        [Fact]
        public Task IncompleteCode_DoesNotCrash()
            => VerifyMEM011.NoCrashAsync(@"
using System;
using System.Buffers;
using Quartz;
public sealed class Job : IJob
{
    public System.Threading.Tasks.ValueTask Execute(IJobExecutionContext context, System.Threading.CancellationToken ct)
    {
        var b = new byte[100_000
        var r = ArrayPool<byte>.Shared.Rent(
        Bus.Tick += (s, e) => b.
", Packages.Quartz);
    }
}
