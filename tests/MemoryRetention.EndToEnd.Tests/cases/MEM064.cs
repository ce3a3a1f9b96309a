using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Consumer;

public sealed class Mem064Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var services = new ServiceCollection();
            services.AddSingleton<Mem064Clock>();
            var provider = services.BuildServiceProvider(); // expect: MEM064
            await Task.Delay(provider.GetRequiredService<Mem064Clock>().Delay, stoppingToken);
        }
    }
}

public sealed class Mem064Clock
{
    public int Delay => 100;
}
