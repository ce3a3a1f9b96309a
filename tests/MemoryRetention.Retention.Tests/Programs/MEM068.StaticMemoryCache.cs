//! rule: MEM068
//! fix: MEM068_static
//! action: static readonly memory cache
//! measure: alive
//! unit: context options kept as keys of EF's provider cache
//! invocations: 150
//! flagged-at-least: 140
//! fixed-at-most: 5
//
// A MassTransit consumer writes an audit row per message through its own DbContext, whose OnConfiguring gives EF a new
// MemoryCache every time. The memory cache is part of the key of EF Core's process-wide cache of internal service
// providers (ServiceProviderCache), so every context instance builds a new internal provider — a new model, new
// singletons — and the cache keeps it, keyed by that context's options, for the life of the process. The fix moves the
// memory cache to a static readonly field: every context then has equal options and reuses the first provider.
//
// EF logs ManyServiceProvidersCreatedWarning (an error by default) past twenty providers; the context ignores it, as
// code that met the error and silenced it does (the provider cache is also shared with the rest of this test run). The
// context's options (its key in the cache) are tracked per message.
using System;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace Proof;

public sealed record PaymentCaptured(int Id, decimal Amount);

public sealed class AuditEntry
{
    public int Id { get; set; }

    public int PaymentId { get; set; }

    public decimal Amount { get; set; }
}

public sealed class AuditDb : DbContext
{
    public DbSet<AuditEntry> Entries => Set<AuditEntry>();

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
        => optionsBuilder
            .UseInMemoryDatabase("audit")
            .ConfigureWarnings(w => w.Ignore(CoreEventId.ManyServiceProvidersCreatedWarning))
            .UseMemoryCache(new MemoryCache(new MemoryCacheOptions())); // flagged: MEM068
}

public sealed class PaymentAuditConsumer : IConsumer<PaymentCaptured>
{
    private readonly Tally _tally;
    private readonly Action<object> _track;

    public PaymentAuditConsumer(Tally tally, Action<object> track)
    {
        _tally = tally;
        _track = track;
    }

    public async Task Consume(ConsumeContext<PaymentCaptured> context)
    {
        using var db = new AuditDb();
        _track(db.GetService<IDbContextOptions>());
        db.Entries.Add(new AuditEntry { PaymentId = context.Message.Id, Amount = context.Message.Amount });
        var saved = await db.SaveChangesAsync();
        _tally.Complete(saved * 1000 + context.Message.Id % 7);
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => InMemoryBus.RunAsync(invocations, i => new PaymentCaptured(i, i * 1.5m), mark, x => x.AddConsumer<PaymentAuditConsumer>(), services => services.AddSingleton(track));
}
