//! rule: MEM062
//! fix: MEM062_FreeInFinally
//! action: free in finally
//! measure: alive
//! unit: messages kept alive by GC handles
//! invocations: 5,000
//! flagged-at-least: 4,500
//! fixed-at-most: 50
//
// A BackgroundService on the Generic Host hands every message to native code through a GC handle and never frees
// it. The handle table roots each message until the process exits; the fix frees the handle in a finally block.
using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Inbox
{
    public Channel<byte[]> Messages { get; } = Channel.CreateBounded<byte[]>(256);
    public long Checksum;
    public int Processed;
    public int Expected;
    public TaskCompletionSource AllDone { get; } = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class NativeForwarder : BackgroundService
{
    private readonly Inbox _inbox;

    public NativeForwarder(Inbox inbox) => _inbox = inbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in _inbox.Messages.Reader.ReadAllAsync(stoppingToken))
        {
            var handle = GCHandle.Alloc(message); // flagged: MEM062
            var context = (byte[])handle.Target!;
            Interlocked.Add(ref _inbox.Checksum, context[0]);
            if (Interlocked.Increment(ref _inbox.Processed) == _inbox.Expected)
            {
                _inbox.AllDone.TrySetResult();
            }
        }
    }
}

public static class Scenario
{
    public static async Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
    {
        // No default configuration sources: no appsettings file watchers (inotify instances are scarce on CI machines).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var inbox = new Inbox { Expected = invocations };
        builder.Services.AddSingleton(inbox);
        builder.Services.AddHostedService<NativeForwarder>();
        using var host = builder.Build();
        await host.StartAsync();
        await mark("start");
        for (var i = 0; i < invocations; i++)
        {
            await inbox.Messages.Writer.WriteAsync(NewMessage(i, track));
        }

        await inbox.AllDone.Task;
        await mark("end");
        await host.StopAsync();
        return $"processed {inbox.Processed}, checksum {inbox.Checksum}";
    }

    private static byte[] NewMessage(int i, Action<object> track)
    {
        var message = new byte[512];
        message[0] = (byte)(i % 7);
        track(message);
        return message;
    }
}
