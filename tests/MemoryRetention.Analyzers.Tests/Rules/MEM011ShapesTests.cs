using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM011 shapes from the recall issue: documents and parameters in stored closures, slices, bodies in collections, AsyncLocal under a captured context, growing per-thread buffers.</summary>
    public class MEM011ShapesTests
    {
        [Fact]
        public Task ClosuresOverDocumentsAndBodies_StoredInLongLivedRegistries()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Quartz;
using RabbitMQ.Client;

public sealed class ImportJob : IJob
{
    private static readonly ConcurrentDictionary<Guid, Func<int>> Pending = new ConcurrentDictionary<Guid, Func<int>>();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var document = JsonDocument.Parse(""[1, 2, 3]"");
        Pending[Guid.NewGuid()] = {|MEM011:() => document.RootElement.GetArrayLength()|};   // the registry keeps the whole document
        return default;
    }
}

public sealed class OrdersConsumer : AsyncDefaultBasicConsumer
{
    private readonly List<Func<int>> _later = new List<Func<int>>();

    public OrdersConsumer(IChannel channel) : base(channel) { }

    public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        _later.Add({|MEM011:() => body.Length|});                                            // the consumer lives for the process
        return Task.CompletedTask;
    }
}", Packages.Of(Packages.Quartz, Packages.RabbitMQ));

        [Fact]
        public Task SlicesAndBodies_StoredPastTheHandler_AreFlaggedAndCopied()
            => VerifyMEM011.FixAsync(@"
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

public sealed class OrdersConsumer : AsyncDefaultBasicConsumer
{
    private static readonly ConcurrentDictionary<ulong, ReadOnlyMemory<byte>> Headers = new ConcurrentDictionary<ulong, ReadOnlyMemory<byte>>();
    private readonly List<ReadOnlyMemory<byte>> _bodies = new List<ReadOnlyMemory<byte>>();
    private ArraySegment<byte> _lastPrefix;

    public OrdersConsumer(IChannel channel) : base(channel) { }

    public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[64 * 1024];
        body.CopyTo(buffer);
        Headers[deliveryTag] = {|MEM011:buffer.AsMemory(0, 16)|};                  // 16 bytes keep 64 KiB
        _bodies.Add({|MEM011:body|});                                               // the client's buffer
        _lastPrefix = {|MEM011:new ArraySegment<byte>(buffer, 0, 8)|};
        _bodies.Add({|MEM011:body.Slice(0, 4)|});
        return Task.CompletedTask;
    }
}", @"
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

public sealed class OrdersConsumer : AsyncDefaultBasicConsumer
{
    private static readonly ConcurrentDictionary<ulong, ReadOnlyMemory<byte>> Headers = new ConcurrentDictionary<ulong, ReadOnlyMemory<byte>>();
    private readonly List<ReadOnlyMemory<byte>> _bodies = new List<ReadOnlyMemory<byte>>();
    private ArraySegment<byte> _lastPrefix;

    public OrdersConsumer(IChannel channel) : base(channel) { }

    public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[64 * 1024];
        body.CopyTo(buffer);
        Headers[deliveryTag] = buffer.AsMemory(0, 16).ToArray();                  // 16 bytes keep 64 KiB
        _bodies.Add(body.ToArray());                                               // the client's buffer
        _lastPrefix = new ArraySegment<byte>(buffer, 0, 8).ToArray();
        _bodies.Add(body.Slice(0, 4).ToArray());
        return Task.CompletedTask;
    }
}", Packages.RabbitMQ);

        [Fact]
        public Task SlicesAndBodies_LookAlikes_AreNotFlagged()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

public sealed class OrdersConsumer : AsyncDefaultBasicConsumer
{
    private static readonly Dictionary<ulong, string> Names = new Dictionary<ulong, string>();
    private readonly List<byte[]> _copies = new List<byte[]>();

    public OrdersConsumer(IChannel channel) : base(channel) { }

    public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        var text = routingKey + "":"" + exchange;
        Names[deliveryTag] = text.Substring(0, 3);                                  // a copy: the string may die
        _copies.Add(body.ToArray());                                                // a copy of the bytes
        var local = new List<ReadOnlyMemory<byte>>();
        local.Add(body.Slice(0, 4));                                                // dies with the call
        return Task.CompletedTask;
    }
}

public sealed class NotAHandler
{
    private static readonly List<ReadOnlyMemory<byte>> Slices = new List<ReadOnlyMemory<byte>>();
    public void Keep(byte[] buffer) => Slices.Add(buffer.AsMemory(0, 4));           // not per unit of work
}", Packages.RabbitMQ);

        [Fact]
        public Task AsyncLocalHoldingABuffer_CapturedByATimerOrRegistration_IsFlagged()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Quartz;

public sealed class ReportJob : IJob
{
    private static readonly AsyncLocal<byte[]> Current = new AsyncLocal<byte[]>();
    private static Timer _heartbeat;

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var rows = new byte[100_000];
        {|MEM011:Current.Value = rows|};
        _heartbeat = new Timer(_ => Console.WriteLine(""tick""), null, 1000, 1000);   // captures the context, rows included
        return default;
    }
}

public sealed class Consumer : IJob
{
    private static readonly AsyncLocal<byte[]> Current = new AsyncLocal<byte[]>();
    private readonly IHostApplicationLifetime _lifetime;
    public Consumer(IHostApplicationLifetime lifetime) => _lifetime = lifetime;

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var rows = new byte[100_000];
        {|MEM011:Current.Value = rows|};
        _lifetime.ApplicationStopping.Register(() => Console.WriteLine(""bye""));
        Current.Value = null;                                                      // too late: the registration has a copy
        return default;
    }
}", Packages.Of(Packages.Quartz, Packages.Hosting));

        [Fact]
        public Task AsyncLocal_LookAlikes_AreNotFlagged()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    private static readonly AsyncLocal<byte[]> Current = new AsyncLocal<byte[]>();
    private static Timer _heartbeat;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var rows = new byte[100_000];
        Current.Value = rows;                                                      // no context captured afterwards
        await Task.Delay(10, cancellationToken);
        Current.Value = null;
        using (var timer = new Timer(_ => { }, null, 1000, 1000)) { }               // disposed here
    }
}

public sealed class ClearsFirst : IJob
{
    private static readonly AsyncLocal<byte[]> Current = new AsyncLocal<byte[]>();
    private static Timer _heartbeat;

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var rows = new byte[100_000];
        Current.Value = rows;
        Current.Value = null;                                                      // cleared before the timer captures
        _heartbeat = new Timer(_ => { }, null, 1000, 1000);
        return default;
    }
}

public sealed class Suppressed : IJob
{
    private static readonly AsyncLocal<byte[]> Current = new AsyncLocal<byte[]>();
    private static Timer _heartbeat;

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        Current.Value = new byte[100];
        var rows = new byte[100_000];
        Current.Value = rows;
        using (ExecutionContext.SuppressFlow())
        {
            _heartbeat = new Timer(_ => { }, null, 1000, 1000);
        }

        return default;
    }
}", Packages.Quartz);

        [Fact]
        public async Task ThreadStaticAndThreadLocalBuffersThatOnlyGrow_AreInfo()
        {
            var test = VerifyMEM011.CreateTest(@"
using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { public string Text { get; set; } }

public sealed class Consumer : IConsumer<Msg>
{
    [ThreadStatic] private static StringBuilder t_builder;
    private static readonly ThreadLocal<StringBuilder> Builders = new ThreadLocal<StringBuilder>(() => new StringBuilder());

    public Task Consume(ConsumeContext<Msg> context)
    {
        var sb = {|#0:t_builder|} ??= new StringBuilder();
        sb.Clear();                                                                // keeps the capacity
        sb.Append(context.Message.Text);
        {|#1:Builders|}.Value.Append(context.Message.Text);
        return Task.CompletedTask;
    }
}", Packages.MassTransit, null, System.Array.Empty<string>());
            test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM011_BufferEscapes).WithLocation(0).WithSeverity(DiagnosticSeverity.Info)
                .WithArguments("Code in MassTransit consumer 'Consumer.Consume'", "t_builder", "the [ThreadStatic] 't_builder' is reused on each pool thread and only grows (Clear and SetLength(0) keep the capacity), so every thread keeps a buffer as large as the largest message it ever handled; cap it (drop or trim it when its Capacity passes a limit)"));
            test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM011_BufferEscapes).WithLocation(1).WithSeverity(DiagnosticSeverity.Info)
                .WithArguments("Code in MassTransit consumer 'Consumer.Consume'", "Builders", "the ThreadLocal 'Builders' is reused on each pool thread and only grows (Clear and SetLength(0) keep the capacity), so every thread keeps a buffer as large as the largest message it ever handled; cap it (drop or trim it when its Capacity passes a limit)"));
            await test.RunAsync();
        }

        [Fact]
        public Task ThreadStaticBuffersWithACap_AreNotFlagged()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Text;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { public string Text { get; set; } }

public sealed class Consumer : IConsumer<Msg>
{
    [ThreadStatic] private static StringBuilder t_builder;

    public Task Consume(ConsumeContext<Msg> context)
    {
        var sb = t_builder ??= new StringBuilder();
        sb.Append(context.Message.Text);
        var text = sb.ToString();
        if (sb.Capacity > 4096) { t_builder = null; } else { sb.Clear(); }          // capped
        return Task.CompletedTask;
    }
}

public sealed class Reader : IConsumer<Msg>
{
    [ThreadStatic] private static StringBuilder t_other;

    public Task Consume(ConsumeContext<Msg> context)
    {
        var length = t_other?.Length ?? 0;                                          // read, never grown here
        return Task.CompletedTask;
    }
}

public static class Formatter
{
    [ThreadStatic] private static StringBuilder t_cached;
    public static string Format(string s) => (t_cached ??= new StringBuilder()).Clear().Append(s).ToString();   // not handler code
}", Packages.MassTransit);

        [Fact]
        public Task AsyncLocalHoldingABuffer_CapturedByALongRunningTaskRun_IsFlagged()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    private static readonly AsyncLocal<byte[]> Current = new AsyncLocal<byte[]>();

    public Task Consume(ConsumeContext<Msg> context)
    {
        var rows = new byte[100_000];
        {|MEM011:Current.Value = rows|};
        _ = Task.Run(async () =>                                                   // a watcher that outlives the message
        {
            while (!context.CancellationToken.IsCancellationRequested) { await Task.Delay(1000); }
        });
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public Task AsyncLocalAndTaskRun_LookAlikes_AreNotFlagged()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    private static readonly AsyncLocal<byte[]> Current = new AsyncLocal<byte[]>();

    public async Task Consume(ConsumeContext<Msg> context)
    {
        var rows = new byte[100_000];
        Current.Value = rows;
        _ = Task.Run(() => Console.WriteLine(""queued""));                          // ends soon: the context goes with it
        await Task.Run(async () => { while (!context.CancellationToken.IsCancellationRequested) { await Task.Delay(10); } });   // awaited
        Task.Run(Work);                                                             // a method group: taken to end soon
        Current.Value = null;
    }

    private static void Work() { }
}

public sealed class Suppressed : IConsumer<Msg>
{
    private static readonly AsyncLocal<byte[]> Current = new AsyncLocal<byte[]>();

    public Task Consume(ConsumeContext<Msg> context)
    {
        Current.Value = new byte[100_000];
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(async () => { while (true) { await Task.Delay(1000); } });  // no context flows into it
        }

        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public async Task PerThreadArraysReplacedByLargerOnes_NeverCapped_AreInfo()
        {
            var test = VerifyMEM011.CreateTest(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

public sealed class OrdersConsumer : AsyncDefaultBasicConsumer
{
    [ThreadStatic] private static byte[] t_buffer;
    private static readonly ThreadLocal<char[]> Chars = new ThreadLocal<char[]>();

    public OrdersConsumer(IChannel channel) : base(channel) { }

    public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        if ({|#0:t_buffer|} == null || t_buffer.Length < body.Length)
        {
            t_buffer = new byte[body.Length];                                       // grows to the largest delivery, per thread
        }

        body.Span.CopyTo(t_buffer);
        var chars = {|#1:Chars|}.Value;
        if (chars == null || chars.Length < body.Length * 2)
        {
            chars = new char[body.Length * 2];
            Chars.Value = chars;
        }

        return Task.CompletedTask;
    }
}", Packages.RabbitMQ, null, System.Array.Empty<string>());
            const string Why = "is replaced by a larger array whenever a message needs more and never shrinks, so every pool thread keeps an array as large as the largest message it ever handled; cap it (do not keep arrays above a limit)";
            test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM011_BufferEscapes).WithLocation(0).WithSeverity(DiagnosticSeverity.Info)
                .WithArguments("Code in RabbitMQ consumer 'OrdersConsumer.HandleBasicDeliverAsync'", "t_buffer", "the [ThreadStatic] 't_buffer' " + Why));
            test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM011_BufferEscapes).WithLocation(1).WithSeverity(DiagnosticSeverity.Info)
                .WithArguments("Code in RabbitMQ consumer 'OrdersConsumer.HandleBasicDeliverAsync'", "Chars", "the ThreadLocal 'Chars' " + Why));
            await test.RunAsync();
        }

        [Fact]
        public Task PerThreadArrays_CappedOrFixedSize_AreNotFlagged()
            => VerifyMEM011.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { public byte[] Body { get; set; } }

public sealed class Capped : IConsumer<Msg>
{
    private const int MaxCached = 64 * 1024;
    [ThreadStatic] private static byte[] t_buffer;

    public Task Consume(ConsumeContext<Msg> context)
    {
        var needed = context.Message.Body.Length;
        var buffer = needed > MaxCached ? new byte[needed] : (t_buffer ??= new byte[MaxCached]);   // large ones are not kept
        buffer[0] = 1;
        return Task.CompletedTask;
    }
}

public sealed class Clamped : IConsumer<Msg>
{
    [ThreadStatic] private static byte[] t_buffer;

    public Task Consume(ConsumeContext<Msg> context)
    {
        if (t_buffer == null) t_buffer = new byte[Math.Min(context.Message.Body.Length, 4096)];
        return Task.CompletedTask;
    }
}

public sealed class Fixed : IConsumer<Msg>
{
    private static readonly ThreadLocal<byte[]> Scratch = new ThreadLocal<byte[]>();

    public Task Consume(ConsumeContext<Msg> context)
    {
        var scratch = Scratch.Value;
        if (scratch == null) { scratch = new byte[4096]; Scratch.Value = scratch; }    // one fixed size per thread
        return Task.CompletedTask;
    }
}

public sealed class Dropped : IConsumer<Msg>
{
    [ThreadStatic] private static byte[] t_buffer;

    public Task Consume(ConsumeContext<Msg> context)
    {
        if (t_buffer == null || t_buffer.Length < context.Message.Body.Length) t_buffer = new byte[context.Message.Body.Length];
        t_buffer[0] = 1;
        t_buffer = null;                                                            // not kept
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public Task IncompleteCode_PerThreadArraysAndTaskRun_DoesNotCrash()
            => VerifyMEM011.NoCrashAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class Consumer : IConsumer<Msg>
{
    [ThreadStatic] private static byte[] t_buffer;
    private static readonly ThreadLocal<byte[]> Slot = new ThreadLocal<byte[]>();

    public Task Consume(ConsumeContext<Msg> context)
    {
        t_buffer = new byte[];
        Slot.Value = new byte[context.];
        if (t_buffer.Length < ) t_buffer = new byte[Missing];
        _ = Task.Run(async () => { while (!context.CancellationToken.) { await Task.Delay( } );
        _ = Task.Run(;
", Packages.MassTransit);
    }
}
