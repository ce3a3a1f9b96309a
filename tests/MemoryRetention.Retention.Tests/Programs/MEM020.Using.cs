//! rule: MEM020
//! fix: MEM020_AddUsing
//! action: using
//! measure: handles
//! unit: FileStream handles kept
//! invocations: 10,000
//! flagged-at-least: 9,000
//! fixed-at-most: 50
//
// A BackgroundService on the Generic Host reads one byte of every file that arrives in its inbox. The FileStream is
// never disposed, so its OS handle stays open until a GC happens to finalize it.
using System;
using System.IO;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

public sealed class Inbox
{
    public Channel<string> Files { get; } = Channel.CreateBounded<string>(256);
    public long Checksum;
    public int Processed;
    public TaskCompletionSource AllDone { get; } = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    public int Expected;
}

public sealed class FileImporter : BackgroundService
{
    private readonly Inbox _inbox;

    public FileImporter(Inbox inbox) => _inbox = inbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var path in _inbox.Files.Reader.ReadAllAsync(stoppingToken))
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1); // flagged: MEM020
            Interlocked.Add(ref _inbox.Checksum, stream.ReadByte());
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
        var path = Path.Combine(Path.GetTempPath(), "mem020-proof-" + Environment.ProcessId + ".bin");
        File.WriteAllBytes(path, new byte[] { 7 });
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var inbox = new Inbox { Expected = invocations };
        builder.Services.AddSingleton(inbox);
        builder.Services.AddHostedService<FileImporter>();
        using var host = builder.Build();
        await host.StartAsync();
        await mark("start");
        for (var i = 0; i < invocations; i++)
        {
            await inbox.Files.Writer.WriteAsync(path);
        }

        await inbox.AllDone.Task;
        await mark("end");
        await host.StopAsync();
        return $"processed {inbox.Processed}, checksum {inbox.Checksum}";
    }
}
