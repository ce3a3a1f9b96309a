//! rule: MEM064
//! fix: MEM064_using
//! action: await using
//! measure: timers
//! unit: singleton timers kept running
//! invocations: 2,000
//! flagged-at-least: 1,800
//! fixed-at-most: 20
//
// A BackgroundService on the Generic Host builds a small container per batch to get a configured parser. The parser
// is a singleton that starts a refresh timer and stops it in Dispose; the container is never disposed, so every
// batch leaves a running timer (and the parser it references) behind.
using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

public sealed class Batches
{
    public Channel<int> Items { get; } = Channel.CreateBounded<int>(256);
    public long Sum;
    public int Processed;
    public int Expected;
    public TaskCompletionSource AllDone { get; } = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class RefreshingParser : IDisposable
{
    private readonly Timer _refresh;

    public RefreshingParser() => _refresh = new Timer(_ => { }, null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));

    public int Parse(int value) => value * 2;

    public void Dispose() => _refresh.Dispose();
}

public sealed class BatchWorker : BackgroundService
{
    private readonly Batches _batches;

    public BatchWorker(Batches batches) => _batches = batches;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var item in _batches.Items.Reader.ReadAllAsync(stoppingToken))
        {
            var services = new ServiceCollection();
            services.AddSingleton<RefreshingParser>();
            var provider = services.BuildServiceProvider(); // flagged: MEM064
            Interlocked.Add(ref _batches.Sum, provider.GetRequiredService<RefreshingParser>().Parse(item));
            if (Interlocked.Increment(ref _batches.Processed) == _batches.Expected)
            {
                _batches.AllDone.TrySetResult();
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
        var batches = new Batches { Expected = invocations };
        builder.Services.AddSingleton(batches);
        builder.Services.AddHostedService<BatchWorker>();
        using var host = builder.Build();
        await host.StartAsync();
        await mark("start");
        for (var i = 0; i < invocations; i++)
        {
            await batches.Items.Writer.WriteAsync(i);
        }

        await batches.AllDone.Task;
        await mark("end");
        await host.StopAsync();
        return $"processed {batches.Processed}, sum {batches.Sum}";
    }
}
