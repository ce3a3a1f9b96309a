using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM050 shapes of issue 16: object pools are not work queues; dataflow blocks fed per message; the BoundedCapacity fix.</summary>
    public class MEM050RecallTests
    {
        private static readonly string[] Dataflow = Packages.Hosting; // the .NET reference pack carries System.Threading.Tasks.Dataflow

        [Fact]
        public Task ObjectPool_RentAndReturn_IsNotAWorkQueue()
            => VerifyMEM050.DiagnosticsAsync(@"
using System.Collections.Concurrent;
using System.Text;

public static class BuilderPool
{
    private static readonly ConcurrentQueue<StringBuilder> Pool = new ConcurrentQueue<StringBuilder>();

    public static StringBuilder Rent() => Pool.TryDequeue(out var builder) ? builder : new StringBuilder();

    public static void Return(StringBuilder builder)
    {
        builder.Clear();
        Pool.Enqueue(builder);
    }
}

public sealed class PooledBuffer : System.IDisposable
{
    private static readonly ConcurrentQueue<PooledBuffer> Free = new ConcurrentQueue<PooledBuffer>();
    public static PooledBuffer Borrow() => Free.TryDequeue(out var buffer) ? buffer : new PooledBuffer();
    public void Dispose() => Free.Enqueue(this);
}", Packages.Hosting);

        [Fact]
        public Task WorkQueueBesideAPoolReturn_IsStillFlagged()
            => VerifyMEM050.DiagnosticsAsync(@"
using System.Collections.Concurrent;

public static class Jobs
{
    private static readonly ConcurrentQueue<string> {|MEM050:Pending|} = new ConcurrentQueue<string>();
    public static void Return(string job) => Pending.Enqueue(job);          // a pool-like name ...
    public static void Submit(string job) => Pending.Enqueue(job);          // ... but producers enqueue new work too
    public static bool Next(out string job) => Pending.TryDequeue(out job);
}", Packages.Hosting);

        [Fact]
        public Task DataflowBlocksFedPerMessage_AreFlagged()
            => VerifyMEM050.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.Hosting;

public sealed class Pipeline : BackgroundService
{
    private readonly TransformBlock<string, int> _parse = {|MEM050:new TransformBlock<string, int>(s => s.Length)|};
    private readonly BatchBlock<int> _batch = {|MEM050:new BatchBlock<int>(100)|};

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sink = {|MEM050:new ActionBlock<int>(i => Console.WriteLine(i))|};
        var buffer = new BufferBlock<int>(new DataflowBlockOptions { BoundedCapacity = 100 });
        var unused = new BufferBlock<int>();                         // never fed in the loop
        while (!stoppingToken.IsCancellationRequested)
        {
            sink.Post(1);
            await buffer.SendAsync(2, stoppingToken);
            await _parse.SendAsync(""x"", stoppingToken);
            _batch.Post(3);
            await Task.Delay(10, stoppingToken);
        }
    }
}", Dataflow);

        [Fact]
        public Task BufferBlockOfASingleton_FedByAConsumerPerMessage_IsFlagged_ABoundedOneIsNot()
            => VerifyMEM050.DiagnosticsAsync(@"
using System.Threading.Tasks;
using System.Threading.Tasks.Dataflow;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

public sealed record OrderPlaced(string Id);

public sealed class Outbox
{
    private readonly BufferBlock<string> _pending = {|MEM050:new BufferBlock<string>()|};
    private readonly BufferBlock<string> _bounded = new BufferBlock<string>(new DataflowBlockOptions { BoundedCapacity = 500 });
    public Task<bool> AddAsync(string id) => _pending.SendAsync(id);
    public Task<bool> AddBoundedAsync(string id) => _bounded.SendAsync(id);
}

public sealed class OrderConsumer : IConsumer<OrderPlaced>
{
    private readonly Outbox _outbox;
    public OrderConsumer(Outbox outbox) { _outbox = outbox; }
    public async Task Consume(ConsumeContext<OrderPlaced> context)
    {
        await _outbox.AddAsync(context.Message.Id);
        await _outbox.AddBoundedAsync(context.Message.Id);
    }
}

public static class Setup
{
    public static void Register(IServiceCollection services) => services.AddSingleton<Outbox>();
}", Packages.Of(Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task Fix_AddsBoundedCapacity_WhenEveryProducerUsesSendAsync()
            => VerifyMEM050.FixAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Dataflow;

public sealed class Pipeline
{
    private readonly ActionBlock<int> _sink = {|MEM050:new ActionBlock<int>(i => Console.WriteLine(i))|};
    private readonly BufferBlock<string> _inbox = {|MEM050:new BufferBlock<string>(new DataflowBlockOptions { EnsureOrdered = true })|};

    public async Task Accept(int value, CancellationToken token)
    {
        await _sink.SendAsync(value, token);
        await _inbox.SendAsync(""x"", token);
    }

    public Task Drain() { _sink.Complete(); return _sink.Completion; }
}", @"
using System;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Dataflow;

public sealed class Pipeline
{
    // How many queued items producers may get ahead of the worker before they wait.
    private const int InboxCapacity = 1000;

    // How many queued items producers may get ahead of the worker before they wait.
    private const int SinkCapacity = 1000;
    private readonly ActionBlock<int> _sink = new ActionBlock<int>(i => Console.WriteLine(i), new ExecutionDataflowBlockOptions { BoundedCapacity = SinkCapacity });
    private readonly BufferBlock<string> _inbox = new BufferBlock<string>(new DataflowBlockOptions { EnsureOrdered = true, BoundedCapacity = InboxCapacity });

    public async Task Accept(int value, CancellationToken token)
    {
        await _sink.SendAsync(value, token);
        await _inbox.SendAsync(""x"", token);
    }

    public Task Drain() { _sink.Complete(); return _sink.Completion; }
}", Dataflow);

        [Fact]
        public async Task NoFix_WhenAnythingPostsToTheBlock_OrItEscapes()
        {
            const string source = @"
using System;
using System.Threading.Tasks.Dataflow;

public sealed class Pipeline
{
    private readonly ActionBlock<int> _posted = {|MEM050:new ActionBlock<int>(i => Console.WriteLine(i))|};
    private readonly ActionBlock<int> _shared = {|MEM050:new ActionBlock<int>(i => Console.WriteLine(i))|};
    private readonly BatchBlock<int> _batch = {|MEM050:new BatchBlock<int>(10)|};

    public void Accept(int value)
    {
        _posted.Post(value);      // a bounded block's Post returns false and drops the value
        Register(_shared);
        _batch.SendAsync(value);
    }

    private static void Register(ITargetBlock<int> target) { }
}";
            var test = VerifyMEM050.CreateFixTest(source, source, Dataflow);
            await test.RunAsync();
        }
    }
}
