using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Consumer;

public sealed class Mem065Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var meter = new Meter("Consumer.Orders"); // expect: MEM065
            meter.CreateCounter<int>("orders.polled").Add(1);
            using var activity = new ActivitySource("Consumer.Orders").StartActivity("poll"); // expect: MEM065
            await Task.Delay(100, stoppingToken);
        }
    }
}
