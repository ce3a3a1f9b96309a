using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;

namespace Consumer;

public sealed class Mem040Order
{
    public int Id { get; set; }
}

public sealed class Mem040Db : DbContext
{
    public Mem040Db(DbContextOptions<Mem040Db> options)
        : base(options)
    {
    }

    public DbSet<Mem040Order> Orders => Set<Mem040Order>();
}

public sealed class Mem040Worker : BackgroundService
{
    private readonly Mem040Db _db;

    public Mem040Worker(Mem040Db db)
    {
        _db = db; // expect: MEM040
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var count = _db.Orders.Count();
            await Task.Delay(1000, stoppingToken);
        }
    }
}
