using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM013 shapes from the recall issue: grow-by-renting into a second local, ObjectPool policies that keep growth.</summary>
    public class MEM013ShapesTests
    {
        [Fact]
        public Task GrowByRenting_SwapWithoutReturningTheOldArray_IsFlagged()
            => VerifyMEM013.DiagnosticsAsync(@"
using System;
using System.Buffers;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { public int Size { get; set; } }

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            while (buffer.Length < context.Message.Size)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                buffer.AsSpan().CopyTo(bigger);
                {|MEM013:buffer = bigger|};                                  // the smaller array never goes back
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Task.CompletedTask;
    }
}

public sealed class Careful : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            while (buffer.Length < context.Message.Size)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                buffer.AsSpan().CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public async Task RentWithAnEarlyReturnBeforeTheReturn_IsFlaggedAndMovedIntoFinally()
        {
            var test = VerifyMEM013.CreateFixTest(@"
using System.Buffers;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { public int Size { get; set; } }

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        if (context.Message.Size == 0)
        {
            return Task.CompletedTask;                                  // skips the Return
        }

        buffer[0] = 1;
        {|#0:ArrayPool<byte>.Shared.Return(buffer)|};
        return Task.CompletedTask;
    }
}", @"
using System.Buffers;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { public int Size { get; set; } }

public sealed class Consumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            if (context.Message.Size == 0)
            {
                return Task.CompletedTask;                                  // skips the Return
            }

            buffer[0] = 1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Task.CompletedTask;
    }
}", Packages.MassTransit);
            test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM013_PoolMisuse).WithLocation(0)
                .WithArguments("The array rented in MassTransit consumer 'Consumer.Consume' is returned outside 'finally': the early return on line 15 and any exception before the Return lose it to the pool"));
            await test.RunAsync();
        }

        [Fact]
        public Task ObjectPoolWithTheDefaultPolicyForAStringBuilder_IsFlaggedAndFixed()
            => VerifyMEM013.FixAsync(@"
using System.Text;
using Microsoft.Extensions.ObjectPool;

public static class Pools
{
    public static readonly ObjectPool<StringBuilder> Builders = new DefaultObjectPool<StringBuilder>({|MEM013:new DefaultPooledObjectPolicy<StringBuilder>()|});
    public static readonly ObjectPool<StringBuilder> Created = {|MEM013:ObjectPool.Create<StringBuilder>()|};
}", @"
using System.Text;
using Microsoft.Extensions.ObjectPool;

public static class Pools
{
    public static readonly ObjectPool<StringBuilder> Builders = new DefaultObjectPool<StringBuilder>(new StringBuilderPooledObjectPolicy());
    public static readonly ObjectPool<StringBuilder> Created = ObjectPool.Create(new StringBuilderPooledObjectPolicy());
}", Packages.ObjectPool);

        [Fact]
        public async Task ObjectPoolPoliciesThatKeepGrowth_AreFlagged()
        {
            var test = VerifyMEM013.CreateTest(@"
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Extensions.ObjectPool;

public sealed class ListPolicy : PooledObjectPolicy<List<int>>
{
    public override List<int> Create() => new List<int>();
    public override bool {|#0:Return|}(List<int> obj) { obj.Clear(); return true; }     // Clear keeps the capacity
}

public static class Pools
{
    public static readonly ObjectPool<MemoryStream> Streams = new DefaultObjectPool<MemoryStream>({|MEM013:new DefaultPooledObjectPolicy<MemoryStream>()|});
    public static readonly ObjectPool<StringBuilder> Unbounded = new DefaultObjectPool<StringBuilder>(new StringBuilderPooledObjectPolicy { {|MEM013:MaximumRetainedCapacity = int.MaxValue|} });
}", Packages.ObjectPool, null, System.Array.Empty<string>());
            test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM013_PoolMisuse).WithLocation(0).WithSeverity(DiagnosticSeverity.Info)
                .WithArguments("'ListPolicy.Return' accepts every List whatever it grew to: each object the pool retains keeps its largest capacity for the life of the process; return false when its Capacity passes a limit"));
            await test.RunAsync();
        }

        [Fact]
        public Task ObjectPoolPoliciesThatResetAndCap_AreNotFlagged()
            => VerifyMEM013.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Text;
using Microsoft.Extensions.ObjectPool;

public sealed class ListPolicy : PooledObjectPolicy<List<int>>
{
    public override List<int> Create() => new List<int>();
    public override bool Return(List<int> obj)
    {
        if (obj.Capacity > 1024) { return false; }                         // capped
        obj.Clear();
        return true;
    }
}

public sealed class Thing { }

public static class Pools
{
    public static readonly ObjectPool<StringBuilder> Builders = new DefaultObjectPoolProvider().CreateStringBuilderPool();
    public static readonly ObjectPool<StringBuilder> Capped = new DefaultObjectPool<StringBuilder>(new StringBuilderPooledObjectPolicy { MaximumRetainedCapacity = 8 * 1024 });
    public static readonly ObjectPool<Thing> Things = ObjectPool.Create<Thing>();             // nothing to grow
}", Packages.ObjectPool);

        private const string PooledStreams = @"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.IO;
using Quartz;

public sealed class ExportJob : IJob
{
    private static readonly RecyclableMemoryStreamManager Streams = new RecyclableMemoryStreamManager(
        new RecyclableMemoryStreamManager.Options { MaximumSmallPoolFreeBytes = 1 << 24, MaximumLargePoolFreeBytes = 1 << 26 });

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var lost = {|MEM020:Streams.GetStream(""export"")|};                       // its blocks never go back to the pool
        lost.WriteByte(1);
        using var kept = Streams.GetStream(""export"");                            // disposed: the blocks are returned
        kept.WriteByte(1);
        await Task.Delay(1, cancellationToken);
    }
}";

        [Fact]
        public Task RecyclableStreamFromGetStream_NeverDisposed_IsMEM020s()
            => VerifyMEM020.DiagnosticsAsync(PooledStreams, Packages.Of(Packages.Quartz, Packages.RecyclableMemoryStream));

        [Fact]
        public Task RecyclableStreamFromGetStream_NeverDisposed_IsNotReportedTwiceByMEM013()
            => VerifyMEM013.DiagnosticsAsync(PooledStreams.Replace("{|MEM020:", string.Empty).Replace("|};", ";"), Packages.Of(Packages.Quartz, Packages.RecyclableMemoryStream));

        [Fact]
        public Task RecyclableMemoryStreamManager_RegisteredAsASingletonWithoutLimits_IsFlagged()
            => VerifyMEM013.DiagnosticsAsync(@"
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IO;

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        {|MEM013:services.AddSingleton<RecyclableMemoryStreamManager>()|};                       // the container uses new()
        services.AddSingleton({|MEM013:new RecyclableMemoryStreamManager()|});
        services.AddSingleton(sp => {|MEM013:new RecyclableMemoryStreamManager()|});
        services.TryAddSingleton(_ => { return {|MEM013:new RecyclableMemoryStreamManager()|}; });
    }
}", Packages.Of(Packages.Hosting, Packages.RecyclableMemoryStream));

        [Fact]
        public Task RecyclableMemoryStreamManager_RegisteredWithLimitsOrOptions_IsNotFlagged()
            => VerifyMEM013.DiagnosticsAsync(@"
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IO;

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton(new RecyclableMemoryStreamManager(
            new RecyclableMemoryStreamManager.Options { MaximumSmallPoolFreeBytes = 1 << 24, MaximumLargePoolFreeBytes = 1 << 26 }));
        services.AddSingleton(sp => new RecyclableMemoryStreamManager(sp.GetRequiredService<RecyclableMemoryStreamManager.Options>()));   // options built elsewhere
    }
}

public static class WithOptions
{
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton(new RecyclableMemoryStreamManager.Options { MaximumSmallPoolFreeBytes = 1 << 24, MaximumLargePoolFreeBytes = 1 << 26 });
        services.AddSingleton<RecyclableMemoryStreamManager>();                                 // built with the registered options
    }
}", Packages.Of(Packages.Hosting, Packages.RecyclableMemoryStream));

        [Fact]
        public Task IncompleteCode_ManagerRegistrations_DoesNotCrash()
            => VerifyMEM013.NoCrashAsync(@"
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IO;

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<RecyclableMemoryStreamManager>(;
        services.AddSingleton(sp => new RecyclableMemoryStreamManager(
        services.AddSingleton<>();
        services.TryAddSingleton(new RecyclableMemoryStreamManager.Options { MaximumSmallPoolFreeBytes = });
", Packages.Of(Packages.Hosting, Packages.RecyclableMemoryStream));
    }
}
