using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Quartz;

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

// One Fix All pass applies each diagnostic's own rewrite: the per-job field becomes static, the meter named after the
// job gets 'using'.
public sealed class Mem065Job : IJob
{
    private readonly Meter _meter = new Meter("Consumer.Jobs"); // expect: MEM065

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        _meter.CreateCounter<int>("jobs.run").Add(1);
        var perJob = new Meter("Consumer.Jobs." + context.JobDetail.Key.Name); // expect: MEM065
        perJob.CreateCounter<int>("runs").Add(1);
        return default;
    }
}
