using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Consumer;

// A MEM064 diagnostic without a safe automatic fix: the provider is never in a local (nothing to `using`).
public sealed class Mem064ChainedWorker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var clock = new ServiceCollection().AddSingleton<Mem064ChainedClock>().BuildServiceProvider().GetRequiredService<Mem064ChainedClock>(); // expect: MEM064 nofix
            await Task.Delay(clock.Delay, stoppingToken);
        }
    }
}

public sealed class Mem064ChainedClock
{
    public int Delay => 100;
}
