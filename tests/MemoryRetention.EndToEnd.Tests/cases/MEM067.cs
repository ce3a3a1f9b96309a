using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Consumer;

public sealed class Mem067Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var config = new ConfigurationBuilder()
                .AddJsonFile("settings.json", optional: true, reloadOnChange: true) // expect: MEM067
                .Build();
            await Task.Delay(int.Parse(config["delay"] ?? "100"), stoppingToken);
        }
    }
}
