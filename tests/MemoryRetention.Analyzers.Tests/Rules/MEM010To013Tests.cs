using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

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

        [Fact]
        public Task MEM010_SizesDerivedFromConstants_Warn_AndLargeLookingSizes_AreSuggestions()
        {
            var test = VerifyMEM010.CreateTest(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Rebus.Handlers;

public sealed class Msg { public Stream Body { get; set; } = Stream.Null; }

public sealed class Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var size = 256 * 1024;                                 // never written again: as good as a constant
            var block = {|#0:new byte[size]|};
            var grown = 1024;
            grown *= 2;                                            // written: the analysis does not guess
            var other = new byte[grown];
            await Task.Delay(10, stoppingToken);
        }
    }
}

public sealed class Handler : IHandleMessages<Msg>
{
    public async Task Handle(Msg message)
    {
        var whole = {|#1:new byte[message.Body.Length]|};          // as large as the message
        await Copy(message.Body);

        async Task Copy(Stream input, int bufferSize = 1024 * 1024)
        {
            var chunk = {|#2:new byte[bufferSize]|};               // the default says 1 MiB
            await input.ReadAsync(chunk, 0, bufferSize);
        }
    }
}", Packages.Of(Packages.Hosting, Packages.Rebus), null, System.Array.Empty<string>());
            test.TestState.MarkupHandling = Microsoft.CodeAnalysis.Testing.MarkupMode.Allow;
            test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.MEM010_LargeObjectHeapAllocation).WithLocation(0)
                .WithArguments("new byte[]", "262,144 bytes", "in every iteration of a worker loop of hosted service 'Worker.ExecuteAsync'"));
            test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.MEM010_LargeObjectHeapAllocation).WithLocation(1)
                .WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Info)
                .WithArguments("new byte[]", "as many bytes as the stream is long (a whole message body or file)", "in Rebus handler 'Handler.Handle'"));
            test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.MEM010_LargeObjectHeapAllocation).WithLocation(2)
                .WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Info)
                .WithArguments("new byte[]", "1,048,576 bytes by the default of its size parameter", "in Rebus handler 'Handler.Handle'"));
            return test.RunAsync();
        }

        [Fact]
        public Task MEM010_AStreamLengthTheHandlerBounds_IsNotFlagged()
            => VerifyMEM010.DiagnosticsAsync(@"
using System;
using System.IO;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Msg { public Stream Body { get; set; } = Stream.Null; }

public sealed class Handler : IHandleMessages<Msg>
{
    private const int MaxBody = 64 * 1024;

    public async Task Handle(Msg message)
    {
        if (message.Body.Length > MaxBody) throw new InvalidOperationException(""too large"");   // the author bounds it
        var body = new byte[message.Body.Length];
        await message.Body.ReadAsync(body, 0, body.Length);
    }
}", Packages.Rebus);

        [Fact]
        public Task MEM010_Fix_ForASizeParameter_RepeatsTheParameter()
            => VerifyMEM010.FixAsync(@"
using System.IO;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Msg { }

public sealed class Handler : IHandleMessages<Msg>
{
    public Task Handle(Msg message)
    {
        return Copy(Stream.Null);

        static async Task Copy(Stream input, int bufferSize = 1024 * 1024)
        {
            var chunk = {|MEM010:new byte[bufferSize]|};
            // read one chunk
            var read = await input.ReadAsync(chunk, 0, chunk.Length);
        }
    }
}", @"
using System.Buffers;
using System.IO;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Msg { }

public sealed class Handler : IHandleMessages<Msg>
{
    public Task Handle(Msg message)
    {
        return Copy(Stream.Null);

        static async Task Copy(Stream input, int bufferSize = 1024 * 1024)
        {
            var chunk = ArrayPool<byte>.Shared.Rent(bufferSize);
            try
            {
                // read one chunk
                var read = await input.ReadAsync(chunk, 0, (bufferSize));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }
}", Packages.Rebus);

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

        [Fact]
        public Task MEM013_UseAfterReturn_DoubleReturn_AndLostRentals()
            => VerifyMEM013.DiagnosticsAsync(@"
using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Hosting;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            buffer[0] = 1;
            ArrayPool<byte>.Shared.Return(buffer);
            Console.WriteLine({|MEM013:buffer|}[0]);
        }
        finally
        {
        }

        var twice = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            twice[0] = 1;
            ArrayPool<byte>.Shared.Return(twice);
        }
        finally
        {
            {|MEM013:ArrayPool<byte>.Shared.Return(twice)|};
        }

        return Task.CompletedTask;
    }
}

public sealed class Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(1024);
            try
            {
                var used = 0;
                while (used < 10_000)
                {
                    buffer = {|MEM013:ArrayPool<byte>.Shared.Rent(buffer.Length * 2)|};   // the smaller one is lost
                    used += 1024;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            await Task.Delay(10, stoppingToken);
        }
    }
}", Packages.Of(Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task MEM013_CorrectGrowthAndEarlyReturn_AreNotFlagged()
            => VerifyMEM013.DiagnosticsAsync(@"
using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);    // grow: copy, return the old, swap
                buffer.AsSpan().CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }

            var old = buffer;                                                     // or keep the old one aside
            buffer = ArrayPool<byte>.Shared.Rent(old.Length * 2);
            ArrayPool<byte>.Shared.Return(old);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        byte[] early = ArrayPool<byte>.Shared.Rent(64);
        try
        {
            if (early.Length > 10)
            {
                ArrayPool<byte>.Shared.Return(early);
                early = null;                                                     // returned early, finally skips it
            }
        }
        finally
        {
            if (early != null) ArrayPool<byte>.Shared.Return(early);
        }

        var once = ArrayPool<byte>.Shared.Rent(64);
        try { once[0] = 1; }
        finally { ArrayPool<byte>.Shared.Return(once); }
        if (once == null) { }                                                     // a null check is not a use
        once = null;
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

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
        _ = Task.Run({|MEM011:async () => { while (!cancellationToken.IsCancellationRequested) { log.Append(""tick""); await Task.Delay(1000); } }|});
        _ = Task.Run(() => log.Append(""done""));                                       // ends soon: lets go of the builder
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
        public Task MEM011_LambdaCapturingNoLocal_DoesNotShareTheBufferClosure()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Worker : BackgroundService
{
    private int _ticks;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var chunk = new byte[1024];
            Func<int> size = () => chunk.Length;                                           // the buffer's closure, short-lived
            stoppingToken.Register(() => _ticks++);                                        // captures no local: not that closure
            var id = Guid.NewGuid();
            stoppingToken.Register({|MEM011:() => Console.WriteLine(id)|});                  // a local of the buffer's scope: shares it
            await Task.Delay(10, stoppingToken);
        }
    }
}", Packages.Of(Packages.Hosting));

        [Fact]
        public Task MEM011_BodiesInSlotsAndDelegatesInCollections()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

public sealed class OrdersConsumer : AsyncDefaultBasicConsumer
{
    private static readonly ThreadLocal<byte[]> Scratch = new ThreadLocal<byte[]>();
    private static readonly ConcurrentDictionary<ulong, Action> Callbacks = new ConcurrentDictionary<ulong, Action>();
    private ReadOnlyMemory<byte> _lastBody;

    public OrdersConsumer(IChannel channel) : base(channel) { }

    public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        {|MEM011:_lastBody = body|};                                               // the long-lived consumer keeps the body
        var copy = body.ToArray();
        {|MEM011:Scratch.Value = copy|};                                           // kept on the pool thread
        Callbacks[deliveryTag] = {|MEM011:() => Console.WriteLine(copy[0])|};      // a registry nothing removes from
        return Task.CompletedTask;
    }
}

public sealed class Worker : BackgroundService
{
    private static readonly AsyncLocal<byte[]> Current = new AsyncLocal<byte[]>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var chunk = new byte[1024];
            {|MEM011:Current.Value = chunk|};                                      // the worker's context lives as long as the worker
            await Task.Delay(10, stoppingToken);
        }
    }
}", Packages.Of(Packages.Hosting, Packages.RabbitMQ));

        [Fact]
        public Task MEM011_ClearedSlotsAndCompletedRegistries_AreNotFlagged()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    private static readonly ThreadLocal<byte[]> Scratch = new ThreadLocal<byte[]>();
    private static readonly AsyncLocal<byte[]> Current = new AsyncLocal<byte[]>();
    private static readonly ConcurrentDictionary<Guid, Action> Pending = new ConcurrentDictionary<Guid, Action>();

    public static void Complete(Guid id)
    {
        if (Pending.TryRemove(id, out var callback)) callback();
    }

    public async Task Consume(ConsumeContext<Msg> context)
    {
        var payload = new byte[4096];
        Scratch.Value = payload;
        try { await Task.Yield(); }
        finally { Scratch.Value = null; }                                        // cleared

        Current.Value = payload;                                                 // an async handler: its context is restored when it returns
        Pending[Guid.NewGuid()] = () => Console.WriteLine(payload.Length);      // completed and removed elsewhere
        var local = new ConcurrentDictionary<int, Action>();
        local[1] = () => Console.WriteLine(payload.Length);                     // dies with the message
    }
}", Packages.MassTransit);

        [Fact]
        public Task MEM011_PerThreadReuseCaches_AreNotFlagged()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { public string Text { get; set; } }

public sealed class Consumer : IConsumer<Msg>
{
    [ThreadStatic] private static StringBuilder t_cached;                            // one builder per thread, reused
    private static readonly ThreadLocal<byte[]> Scratch = new ThreadLocal<byte[]>();

    public Task Consume(ConsumeContext<Msg> context)
    {
        var builder = t_cached ?? new StringBuilder();
        t_cached = null;
        builder.Clear().Append(context.Message.Text);
        Console.WriteLine(builder.ToString());
        t_cached = builder;                                                             // given back for the next message

        var scratch = Scratch.Value;
        if (scratch == null)
        {
            scratch = new byte[4096];
            Scratch.Value = scratch;                                                    // created once per thread, then reused
        }

        scratch[0] = 1;
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public Task MEM011_Fix_CapturesOnlyTheLength()
            => VerifyMEM011.FixAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public static class Bus { public static event EventHandler Tick; }

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var payload = new byte[4096];
        payload[0] = 1;
        // report the size on every tick
        Bus.Tick += {|MEM011:(s, e) => Console.WriteLine(payload.Length)|};
        return default;
    }
}", @"
using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public static class Bus { public static event EventHandler Tick; }

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var payload = new byte[4096];
        payload[0] = 1;
        // report the size on every tick
        var payloadLength = payload.Length;
        Bus.Tick += (s, e) => Console.WriteLine(payloadLength);
        return default;
    }
}", Packages.Quartz);

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
