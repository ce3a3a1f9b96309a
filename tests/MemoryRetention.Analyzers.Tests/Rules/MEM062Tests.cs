using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    public class MEM062Tests
    {
        [Fact]
        public Task MEM062_NeverFreedOrFreedOutsideFinally_InWorkerLoopAndConsumer()
            => VerifyMEM062.DiagnosticsAsync(@"
using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Hosting;

public sealed class Frame { public byte[] Data { get; set; } }

public sealed class Capture : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var data = new byte[4096];
            var pinned = {|MEM062:GCHandle.Alloc(data, GCHandleType.Pinned)|};
            Marshal.Copy(data, 0, pinned.AddrOfPinnedObject(), 16);
            IntPtr buffer = {|MEM062:Marshal.AllocHGlobal(4096)|};
            Marshal.Copy(data, 0, buffer, data.Length);
            Marshal.FreeHGlobal(buffer);
            {|MEM062:Marshal.AllocCoTaskMem(64)|};
            await Task.Delay(1000, stoppingToken);
        }
    }
}

public sealed class FrameConsumer : IConsumer<Frame>
{
    public Task Consume(ConsumeContext<Frame> context)
    {
        var handle = {|MEM062:GCHandle.Alloc(context.Message)|};
        if (context.Message.Data.Length > 10)
        {
            handle.Free();
        }

        return Task.CompletedTask;
    }
}", Packages.Of(Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task MEM062_NativeMemoryInQuartzJob()
        {
            var test = VerifyMEM062.CreateTest(@"
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed unsafe class ImportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        byte* block = (byte*){|MEM062:NativeMemory.Alloc(1024)|};
        block[0] = 1;
        var aligned = {|MEM062:NativeMemory.AlignedAlloc(1024, 64)|};
        var zeroed = NativeMemory.AllocZeroed(16);
        try
        {
            ((byte*)zeroed)[0] = 1;
        }
        finally
        {
            NativeMemory.Free(zeroed);
        }

        return default;
    }
}", Packages.Quartz, null, System.Array.Empty<string>());
            test.SolutionTransforms.Add((solution, projectId) => solution.WithProjectCompilationOptions(projectId, ((CSharpCompilationOptions)solution.GetProject(projectId)!.CompilationOptions!).WithAllowUnsafe(true)));
            return test.RunAsync(CancellationToken.None);
        }

        [Fact]
        public Task MEM062_LookAlikes_AreNotFlagged()
            => VerifyMEM062.DiagnosticsAsync(@"
using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Hosting;

public sealed class Frame { public byte[] Data { get; set; } }

public sealed class NativeBuffer : SafeHandle
{
    public NativeBuffer(IntPtr memory) : base(IntPtr.Zero, true) => SetHandle(memory);
    public override bool IsInvalid => handle == IntPtr.Zero;
    protected override bool ReleaseHandle() { Marshal.FreeHGlobal(handle); return true; }
}

public static class Native
{
    [DllImport(""native"")]
    public static extern void Process(IntPtr buffer, int length);
    public static void Register(IntPtr context) { }
}

public sealed class FrameConsumer : IConsumer<Frame>
{
    private static GCHandle _kept;
    private IntPtr _scratch;

    public Task Consume(ConsumeContext<Frame> context)
    {
        var handle = GCHandle.Alloc(context.Message.Data, GCHandleType.Pinned);   // freed in finally
        try
        {
            Native.Process(handle.AddrOfPinnedObject(), context.Message.Data.Length);
        }
        finally
        {
            handle.Free();
        }

        var buffer = Marshal.AllocHGlobal(64);
        try
        {
            Native.Process(buffer, 64);
        }
        finally
        {
            if (buffer != IntPtr.Zero)
            {
                Marshal.FreeHGlobal(buffer);
            }
        }

        _kept = GCHandle.Alloc(context.Message);                                  // stored: freed elsewhere
        _scratch = Marshal.AllocHGlobal(16);
        var owned = new NativeBuffer(Marshal.AllocHGlobal(32));                   // owned by a SafeHandle
        var wrapped = Marshal.AllocHGlobal(32);
        using var safe = new NativeBuffer(wrapped);
        var callback = GCHandle.Alloc(context.Message);
        Native.Register(GCHandle.ToIntPtr(callback));                              // freed by whoever gets it back
        var helper = Marshal.AllocHGlobal(8);
        Release(helper);                                                           // a method of the project may free it
        return Task.CompletedTask;
    }

    private static IntPtr Allocate() => Marshal.AllocHGlobal(8);                   // returned: the caller frees

    private static void Release(IntPtr memory) => Marshal.FreeHGlobal(memory);
}

public sealed class Startup : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var once = Marshal.AllocHGlobal(1024);                                    // once per process, before the loop
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(1000, stoppingToken);
        }
    }
}

public static class NotAHandler
{
    public static void Run()
    {
        var leaked = Marshal.AllocHGlobal(8);
    }
}", Packages.Of(Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task MEM062_Fix_TryFinally_WritesOrMovesTheFree_FixAll()
            => VerifyMEM062.FixAsync(@"
using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Capture : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var data = new byte[4096];
            // pin for the native copy
            var pinned = {|MEM062:GCHandle.Alloc(data, GCHandleType.Pinned)|};
            Marshal.Copy(data, 0, pinned.AddrOfPinnedObject(), 16); // header only
            var buffer = {|MEM062:Marshal.AllocHGlobal(4096)|};
            Marshal.Copy(data, 0, buffer, data.Length);
            Marshal.FreeHGlobal(buffer); // done with the copy
            await Task.Delay(1000, stoppingToken);
        }
    }
}", @"
using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Capture : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var data = new byte[4096];
            // pin for the native copy
            var pinned = GCHandle.Alloc(data, GCHandleType.Pinned);
            try
            {
                Marshal.Copy(data, 0, pinned.AddrOfPinnedObject(), 16); // header only
                var buffer = Marshal.AllocHGlobal(4096);
                try
                {
                    Marshal.Copy(data, 0, buffer, data.Length);
                }
                finally
                {
                    Marshal.FreeHGlobal(buffer); // done with the copy
                }

                await Task.Delay(1000, stoppingToken);
            }
            finally
            {
                pinned.Free();
            }
        }
    }
}", Packages.Hosting);

        [Fact]
        public Task MEM062_NoFix_WhenTheFreeIsInABranch_OrTheValueIsCast()
            => VerifyMEM062.FixAsync(@"
using System;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using MassTransit;

public sealed class Frame { public byte[] Data { get; set; } }

public sealed class FrameConsumer : IConsumer<Frame>
{
    public Task Consume(ConsumeContext<Frame> context)
    {
        var handle = {|MEM062:GCHandle.Alloc(context.Message)|};
        if (context.Message.Data.Length > 10)
        {
            handle.Free();
        }

        {|MEM062:Marshal.AllocHGlobal(8)|};
        return Task.CompletedTask;
    }
}", @"
using System;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using MassTransit;

public sealed class Frame { public byte[] Data { get; set; } }

public sealed class FrameConsumer : IConsumer<Frame>
{
    public Task Consume(ConsumeContext<Frame> context)
    {
        var handle = {|MEM062:GCHandle.Alloc(context.Message)|};
        if (context.Message.Data.Length > 10)
        {
            handle.Free();
        }

        {|MEM062:Marshal.AllocHGlobal(8)|};
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public Task IncompleteCode_DoesNotCrash()
            => VerifyMEM062.NoCrashAsync(@"
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var h = GCHandle.Alloc(
            var p = Marshal.AllocHGlobal(;
            p.
            Marshal.FreeHGlobal(
            var q = Marshal.AllocHGlobal(8);
            Marshal.FreeHGlobal(q
", Packages.Hosting);
    }
}
