using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Consumer;

// A MEM031 diagnostic without a safe automatic fix. Files named *-nofix.cs sort before the rule's own file, so that
// dotnet format meets a diagnostic without a fix first (it asks the fixer about the first diagnostic it finds).
public sealed class Mem031RaceWorker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.WhenAny(Task.Delay(100, stoppingToken), Task.Delay(Timeout.Infinite, stoppingToken)); // expect: MEM031 nofix
        }
    }
}
