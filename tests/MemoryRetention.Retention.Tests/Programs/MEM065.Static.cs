//! rule: MEM065
//! fix: MEM065_static
//! action: static readonly meter
//! measure: heap
//! unit: kept in the static meter list
//! invocations: 20,000
//! flagged-at-least: 4MB
//! fixed-at-most: 2MB
//
// A BackgroundService on the Generic Host counts every order with a meter it creates per order. Every Meter goes into
// the runtime's static list of meters until disposed, with its instruments.
using System;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

public sealed class Orders
{
    public Channel<int> Items { get; } = Channel.CreateBounded<int>(256);
    public int Processed;
    public int Expected;
    public TaskCompletionSource AllDone { get; } = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class OrderCounter : BackgroundService
{
    private readonly Orders _orders;

    public OrderCounter(Orders orders) => _orders = orders;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var item in _orders.Items.Reader.ReadAllAsync(stoppingToken))
        {
            var meter = new Meter("Proof.Orders", "1.0"); // flagged: MEM065
            meter.CreateCounter<int>("orders.counted").Add(item);
            if (Interlocked.Increment(ref _orders.Processed) == _orders.Expected)
            {
                _orders.AllDone.TrySetResult();
            }
        }
    }
}

public static class Scenario
{
    public static async Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var orders = new Orders { Expected = invocations };
        builder.Services.AddSingleton(orders);
        builder.Services.AddHostedService<OrderCounter>();
        using var host = builder.Build();
        await host.StartAsync();
        await mark("start");
        for (var i = 0; i < invocations; i++)
        {
            await orders.Items.Writer.WriteAsync(1);
        }

        await orders.AllDone.Task;
        await mark("end");
        await host.StopAsync();
        return $"processed {orders.Processed}";
    }
}
