using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Consumer;

public sealed class Mem068Context : DbContext
{
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
        => optionsBuilder.UseMemoryCache(new MemoryCache(new MemoryCacheOptions())); // expect: MEM068
}
