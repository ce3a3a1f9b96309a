// Shared by every proof program (compiled with each, never fixed; the package must report nothing here).
// A MassTransit in-memory bus on the Generic Host: consumers are resolved per message from a DI scope, as in production.
using System;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

/// <summary>What consumers processed: a count and a checksum of what they computed.</summary>
public sealed class Tally
{
    private readonly TaskCompletionSource _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expected = int.MaxValue;
    private int _processed;
    private long _checksum;

    public int Processed => Volatile.Read(ref _processed);

    public long Checksum => Interlocked.Read(ref _checksum);

    public Task Done => _done.Task;

    public void Expect(int count) => Volatile.Write(ref _expected, count);

    public void Complete(long value)
    {
        Interlocked.Add(ref _checksum, value);
        if (Interlocked.Increment(ref _processed) == Volatile.Read(ref _expected))
        {
            _done.TrySetResult();
        }
    }
}

public static class InMemoryBus
{
    /// <summary>
    /// Starts a Generic Host with MassTransit on the in-memory transport and the consumers <paramref name="consumers"/>
    /// adds, then publishes <paramref name="invocations"/> messages one at a time (each consumed before the next is sent)
    /// between mark("start") and mark("end").
    /// </summary>
    public static async Task<string> RunAsync<TMessage>(int invocations, Func<int, TMessage> message, Func<string, Task> mark, Action<IBusRegistrationConfigurator> consumers, Action<IServiceCollection>? services = null)
        where TMessage : class
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var tally = new Tally();
        builder.Services.AddSingleton(tally);
        services?.Invoke(builder.Services);
        builder.Services.AddMassTransit(x =>
        {
            consumers(x);
            x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });
        using var host = builder.Build();
        await host.StartAsync();
        var bus = host.Services.GetRequiredService<IBus>();
        await mark("start");
        for (var i = 0; i < invocations; i++)
        {
            var target = i + 1;
            await bus.Publish(message(i));
            while (tally.Processed < target)
            {
                await Task.Yield();
            }
        }

        tally.Expect(invocations);
        await mark("end");
        await host.StopAsync();
        return $"processed {tally.Processed}, checksum {tally.Checksum}";
    }
}
