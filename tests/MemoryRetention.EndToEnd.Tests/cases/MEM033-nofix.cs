using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Consumer;

// A MEM033 diagnostic without a safe automatic fix (a callback timer per iteration of a long-lived worker): see MEM031-nofix.cs.
public sealed class Mem033ReminderWorker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var reminder = new Timer(_ => Console.WriteLine("remind"), null, 1000, Timeout.Infinite); // expect: MEM033 nofix
            await Task.Delay(1000, stoppingToken);
        }
    }
}
