//! rule: MEM050
//! fix: MEM050_Bound
//! action: bounded channel
//! measure: alive
//! unit: queued jobs kept
//! invocations: 20,000
//! flagged-at-least: 10,000
//! fixed-at-most: 1,100
//
// A process-wide work queue (a singleton) on an unbounded channel: producers enqueue much faster than the worker
// processes, so the backlog — every queued job and its payload — grows without limit. The fix bounds the channel
// (producers wait when it is full), so at most its capacity is queued.
using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Job
{
    public Job(int id) => Id = id;

    public int Id { get; }

    public byte[] Payload { get; } = new byte[256];
}

public sealed class WorkQueue
{
    // jobs waiting for the worker
    private readonly Channel<Job> _jobs = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true }); // flagged: MEM050

    public ValueTask EnqueueAsync(Job job) => _jobs.Writer.WriteAsync(job);

    public void Complete() => _jobs.Writer.Complete();

    public IAsyncEnumerable<Job> ReadAllAsync(CancellationToken cancellationToken) => _jobs.Reader.ReadAllAsync(cancellationToken);
}

public sealed class JobWorker : BackgroundService
{
    private readonly WorkQueue _queue;
    private readonly Tally _tally;

    public JobWorker(WorkQueue queue, Tally tally)
    {
        _queue = queue;
        _tally = tally;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var work = new byte[32 * 1024];
        await foreach (var job in _queue.ReadAllAsync(stoppingToken))
        {
            // the slow part: far slower than enqueueing
            work[0] = (byte)job.Id;
            var hash = SHA256.HashData(work);
            _tally.Complete(job.Id % 23 + (hash.Length - 32));
        }
    }
}

public static class Scenario
{
    public static async Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var tally = new Tally();
        var queue = new WorkQueue();
        builder.Services.AddSingleton(tally).AddSingleton(queue).AddHostedService<JobWorker>();
        using var host = builder.Build();
        await host.StartAsync();
        await mark("start");
        for (var i = 0; i < invocations; i++)
        {
            await queue.EnqueueAsync(Track(track, i));
        }

        await mark("end");
        queue.Complete();
        tally.Expect(invocations);
        if (tally.Processed < invocations)
        {
            await tally.Done;
        }

        await host.StopAsync();
        return $"processed {tally.Processed}, checksum {tally.Checksum}";
    }

    private static Job Track(Action<object> track, int id)
    {
        var job = new Job(id);
        track(job);
        return job;
    }
}
