//! rule: MEM062
//! fix: MEM062_FreeInFinally
//! action: free in finally
//! measure: alive
//! unit: pinned 4 KB buffers kept
//! invocations: 3,000
//! flagged-at-least: 2,700
//! fixed-at-most: 20
//
// A worker pins each frame's buffer for a native copy and never frees the GCHandle: a pinned handle is a GC root, so
// every buffer stays (pinned, fragmenting the heap) for the life of the process. The fix frees it in 'finally'.
using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class FrameCopier : BackgroundService
{
    private readonly Inbox<int> _inbox;
    private readonly Action<object> _track;

    public FrameCopier(Inbox<int> inbox, Action<object> track)
    {
        _inbox = inbox;
        _track = track;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var native = new byte[16];
        await foreach (var frame in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var data = new byte[4096];
            _track(data);
            data[0] = (byte)frame;
            // pin for the native copy
            var pinned = GCHandle.Alloc(data, GCHandleType.Pinned); // flagged: MEM062
            Marshal.Copy(pinned.AddrOfPinnedObject(), native, 0, native.Length); // header only
            _inbox.Complete(native[0]);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i, mark, services => services.AddSingleton(track).AddHostedService<FrameCopier>());
}
