using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Consumer;

public sealed class Mem066Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var factory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Warning)); // expect: MEM066
            factory.CreateLogger("poll").LogWarning("tick");
            await Task.Delay(100, stoppingToken);
        }
    }
}
