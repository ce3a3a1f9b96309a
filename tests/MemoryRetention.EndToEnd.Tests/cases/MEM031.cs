using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Consumer;

public sealed class Mem031Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = new byte[16];
            var registration = stoppingToken.Register(() => Array.Clear(batch)); // expect: MEM031, MEM011
            await Task.Delay(100, stoppingToken);
        }
    }
}
