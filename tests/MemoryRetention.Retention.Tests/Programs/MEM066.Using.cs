//! rule: MEM066
//! fix: MEM066_using
//! action: using
//! measure: timers
//! unit: logging-provider timers kept running
//! invocations: 2,000
//! flagged-at-least: 1,800
//! fixed-at-most: 20
//
// A BackgroundService on the Generic Host makes a logger factory per item to log at its own level. Its logging
// provider flushes on a timer (as batching providers do; the console provider runs a thread) and stops it when the
// factory is disposed, which never happens.
using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

public sealed class Items
{
    public Channel<int> Queue { get; } = Channel.CreateBounded<int>(256);
    public int Processed;
    public int Expected;
    public TaskCompletionSource AllDone { get; } = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class FlushingProvider : ILoggerProvider
{
    private readonly Timer _flush = new Timer(_ => { }, null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));

    public ILogger CreateLogger(string categoryName) => NullLogger.Instance;

    public void Dispose() => _flush.Dispose();
}

public sealed class AuditWorker : BackgroundService
{
    private readonly Items _items;

    public AuditWorker(Items items) => _items = items;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var item in _items.Queue.Reader.ReadAllAsync(stoppingToken))
        {
            var factory = LoggerFactory.Create(b => b.Services.AddSingleton<ILoggerProvider, FlushingProvider>()); // flagged: MEM066
            factory.CreateLogger("audit").LogWarning("item {Item}", item);
            if (Interlocked.Increment(ref _items.Processed) == _items.Expected)
            {
                _items.AllDone.TrySetResult();
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
        var items = new Items { Expected = invocations };
        builder.Services.AddSingleton(items);
        builder.Services.AddHostedService<AuditWorker>();
        using var host = builder.Build();
        await host.StartAsync();
        await mark("start");
        for (var i = 0; i < invocations; i++)
        {
            await items.Queue.Writer.WriteAsync(i);
        }

        await items.AllDone.Task;
        await mark("end");
        await host.StopAsync();
        return $"processed {items.Processed}";
    }
}
