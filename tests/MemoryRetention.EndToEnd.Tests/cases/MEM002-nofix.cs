using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Consumer;

// A MEM002 diagnostic without an automatic fix (a long-lived field used by a worker loop): see MEM031-nofix.cs.

public sealed class Mem002Worker : BackgroundService
{
    private readonly List<string> _processed = new List<string>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            _processed.Add(System.DateTime.UtcNow.ToString("O")); // expect: MEM002 nofix
            await Task.Delay(1000, stoppingToken);
        }
    }
}
