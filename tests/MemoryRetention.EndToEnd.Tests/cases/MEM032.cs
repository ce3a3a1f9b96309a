using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Consumer;

public sealed class Mem032Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken); // expect: MEM032
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await Task.Delay(100, timeout.Token);
        }
    }
}
