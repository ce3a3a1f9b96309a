//! rule: MEM010
//! fix: MEM010_RentFromArrayPool
//! action: ArrayPool
//! measure: allocated
//! unit: allocated for buffers
//! invocations: 2,000
//! flagged-at-least: 200MB
//! fixed-at-most: 20MB
//
// A worker copies every incoming document through a 128 KB buffer allocated per document: each buffer is a
// large-object-heap allocation (only collected by gen2 GCs, and it fragments the LOH). The fix rents it from
// ArrayPool<byte>.Shared and returns it in 'finally', so the worker reuses a handful of buffers.
using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class DocumentCopier : BackgroundService
{
    private const int ChunkSize = 128 * 1024;
    private readonly Inbox<byte[]> _inbox;

    public DocumentCopier(Inbox<byte[]> inbox) => _inbox = inbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var document in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            using var source = new MemoryStream(document, writable: false);
            var buffer = new byte[ChunkSize]; // flagged: MEM010
            var read = await source.ReadAsync(buffer, 0, buffer.Length, stoppingToken);
            long sum = 0;
            for (var i = 0; i < read; i++)
            {
                sum += buffer[i];
            }

            _inbox.Complete(sum);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
    {
        var document = new byte[1000];
        for (var i = 0; i < document.Length; i++)
        {
            document[i] = (byte)i;
        }

        return GenericHost.RunAsync(invocations, _ => document, mark, services => services.AddHostedService<DocumentCopier>());
    }
}
