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
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class FileImporter : BackgroundService
{
    private readonly Inbox<string> _inbox;

    public FileImporter(Inbox<string> inbox) => _inbox = inbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var path in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1); // flagged: MEM020
            _inbox.Complete(stream.ReadByte());
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
    {
        var path = Path.Combine(Path.GetTempPath(), "mem020-proof-" + Environment.ProcessId + ".bin");
        File.WriteAllBytes(path, new byte[] { 7 });
        return GenericHost.RunAsync(invocations, _ => path, mark, services => services.AddHostedService<FileImporter>());
    }
}
