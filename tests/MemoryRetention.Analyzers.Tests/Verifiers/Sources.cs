namespace MemoryRetention.Analyzers.Tests.Verifiers
{
    /// <summary>Source that several test files compile next to their cases.</summary>
    public static class Sources
    {
        /// <summary>An EF Core model: <c>Order</c> and <c>AppDbContext</c> with its <c>Orders</c> set (needs <see cref="Packages.EntityFramework"/>).</summary>
        public const string EfOrders = @"
public sealed class Order { public int Id { get; set; } }
public sealed class AppDbContext : Microsoft.EntityFrameworkCore.DbContext
{
    public AppDbContext(Microsoft.EntityFrameworkCore.DbContextOptions<AppDbContext> options) : base(options) { }
    public Microsoft.EntityFrameworkCore.DbSet<Order> Orders => Set<Order>();
}
";
    }
}
