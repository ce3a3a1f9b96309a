using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Consumer;

public sealed class Mem041Worker : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;

    public Mem041Worker(IServiceScopeFactory scopes)
    {
        _scopes = scopes;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var scope = _scopes.CreateAsyncScope(); // expect: MEM041
        var db = scope.ServiceProvider.GetRequiredService<Mem040Db>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var count = db.Orders.Count();
            await Task.Delay(1000, stoppingToken);
        }
    }
}
