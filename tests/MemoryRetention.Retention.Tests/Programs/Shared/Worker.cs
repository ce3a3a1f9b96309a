// Shared by every proof program (compiled with each, never fixed; the package must report nothing here).
// An inbox a worker consumes, and the Generic Host that runs the worker.
using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

/// <summary>Work items for a hosted service: a bounded channel, and a count of what was processed.</summary>
public sealed class Inbox<T>
{
    private readonly Channel<T> _channel = Channel.CreateBounded<T>(64);
    private readonly TaskCompletionSource _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expected = int.MaxValue;
    private int _processed;
    private long _checksum;

    public ChannelReader<T> Reader => _channel.Reader;

    public int Processed => Volatile.Read(ref _processed);

    public long Checksum => Interlocked.Read(ref _checksum);

    /// <summary>The worker calls this once per item, with a value that depends on what it computed.</summary>
    public void Complete(long value)
    {
        Interlocked.Add(ref _checksum, value);
        if (Interlocked.Increment(ref _processed) == Volatile.Read(ref _expected))
        {
            _done.TrySetResult();
        }
    }

    /// <summary>Feeds <paramref name="invocations"/> items between mark("start") and mark("end"), waiting until all are processed.</summary>
    public async Task<string> DriveAsync(int invocations, Func<int, T> item, Func<string, Task> mark)
    {
        Volatile.Write(ref _expected, invocations);
        await mark("start");
        for (var i = 0; i < invocations; i++)
        {
            await _channel.Writer.WriteAsync(item(i));
        }

        await _done.Task;
        await mark("end");
        return $"processed {Processed}, checksum {Checksum}";
    }
}

public static class GenericHost
{
    /// <summary>
    /// Builds a Generic Host with an <see cref="Inbox{T}"/> singleton and the services <paramref name="configure"/>
    /// adds (the worker under proof), starts it, feeds the inbox and stops the host after mark("end").
    /// </summary>
    public static async Task<string> RunAsync<T>(int invocations, Func<int, T> item, Func<string, Task> mark, Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var inbox = new Inbox<T>();
        builder.Services.AddSingleton(inbox);
        configure(builder.Services);
        using var host = builder.Build();
        await host.StartAsync();
        var result = await inbox.DriveAsync(invocations, item, mark);
        await host.StopAsync();
        return result;
    }
}
