//! rule: MEM066
//! fix: MEM066_using
//! action: using
//! measure: timers
//! unit: logging provider timers kept
//! invocations: 2,000
//! flagged-at-least: 1,800
//! fixed-at-most: 20
//
// A worker creates a LoggerFactory per job and never disposes it: its providers are never disposed, so a batching
// provider's flush timer (and the provider) stays scheduled for the life of the process, one per job. The fix
// disposes the factory with 'using'.
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

public sealed class BatchingProvider : ILoggerProvider
{
    private readonly Timer _flush = new Timer(_ => { }, null, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));

    public ILogger CreateLogger(string categoryName) => NullLogger.Instance;

    public void Dispose() => _flush.Dispose();
}

public sealed class JobRunner : BackgroundService
{
    private readonly Inbox<int> _inbox;

    public JobRunner(Inbox<int> inbox) => _inbox = inbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var job in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var factory = LoggerFactory.Create(b => b.Services.AddSingleton<ILoggerProvider, BatchingProvider>()); // flagged: MEM066
            var logger = factory.CreateLogger("jobs");
            logger.LogInformation("job {Job}", job);
            _inbox.Complete(job % 41);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i, mark, services => services.AddHostedService<JobRunner>());
}
