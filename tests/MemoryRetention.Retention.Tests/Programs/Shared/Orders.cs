// Shared by every proof program (compiled with each, never fixed; the package must report nothing here).
// An EF Core model on the in-memory provider, seeded with orders.
using System;
using System.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

public sealed class Order
{
    public int Id { get; set; }

    public byte[] Lines { get; set; } = Array.Empty<byte>();
}

public sealed class OrdersDb : DbContext
{
    public OrdersDb(DbContextOptions<OrdersDb> options)
        : base(options)
    {
    }

    public DbSet<Order> Orders => Set<Order>();
}

public static class OrdersData
{
    /// <summary>Registers <see cref="OrdersDb"/> (scoped, and a factory) on a fresh in-memory database with <paramref name="count"/> orders.</summary>
    public static void Add(IServiceCollection services, int count)
    {
        var name = "orders-" + Guid.NewGuid().ToString("N");
        services.AddDbContext<OrdersDb>(o => o.UseInMemoryDatabase(name), optionsLifetime: ServiceLifetime.Singleton);
        services.AddDbContextFactory<OrdersDb>(o => o.UseInMemoryDatabase(name));
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDb>();
        db.Orders.AddRange(Enumerable.Range(1, count).Select(i => new Order { Id = i, Lines = new byte[512] }));
        db.SaveChanges();
    }
}
