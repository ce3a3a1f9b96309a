//! rule: MEM063
//! fix: MEM063_RemoveIntern
//! action: remove string.Intern
//! measure: alive
//! unit: message strings kept by the intern pool
//! invocations: 5,000
//! flagged-at-least: 4,500
//! fixed-at-most: 50
//
// A BackgroundService on the Generic Host interns the order id of every message it processes. Every id is distinct,
// and the runtime's intern pool keeps each one for the life of the process; the fix removes the call.
using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Inbox
{
    public Channel<string> OrderIds { get; } = Channel.CreateBounded<string>(256);
    public long Characters;
    public int Processed;
    public int Expected;
    public TaskCompletionSource AllDone { get; } = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class OrderIndexer : BackgroundService
{
    private readonly Inbox _inbox;

    public OrderIndexer(Inbox inbox) => _inbox = inbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var orderId in _inbox.OrderIds.Reader.ReadAllAsync(stoppingToken))
        {
            var key = string.Intern(orderId); // flagged: MEM063
            Interlocked.Add(ref _inbox.Characters, key.Length);
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
        builder.Services.AddHostedService<OrderIndexer>();
        using var host = builder.Build();
        await host.StartAsync();
        await mark("start");
        for (var i = 0; i < invocations; i++)
        {
            await inbox.OrderIds.Writer.WriteAsync(NewOrderId(track));
        }

        await inbox.AllDone.Task;
        await mark("end");
        await host.StopAsync();
        return $"processed {inbox.Processed}, characters {inbox.Characters}";
    }

    private static string NewOrderId(Action<object> track)
    {
        var orderId = Guid.NewGuid().ToString("N");
        track(orderId);
        return orderId;
    }
}
