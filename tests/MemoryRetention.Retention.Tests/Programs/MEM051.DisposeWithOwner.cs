//! rule: MEM051
//! fix: MEM051_DisposeWithOwner
//! action: dispose with its owner
//! measure: heap
//! unit: of per-consumer caches kept
//! invocations: 2,000
//! flagged-at-least: 25MB
//! fixed-at-most: 5MB
//
// A MassTransit consumer (one per message, from a DI scope) keeps its own System.Runtime.Caching MemoryCache. Such a
// cache registers itself with the runtime (GC handles to its stores, a statistics timer, AppDomain event handlers), so
// an undisposed one is never collected: every consumer's cache, with the 16 KB quote it holds, stays for the process.
// The fix disposes the cache in a new Dispose, which the message's DI scope calls.
//
// The entries never expire (InfiniteAbsoluteExpiration): an expiring entry arms the cache's expiration timer, and the
// flagged run's 2,000 caches stay in this test process for good, so their timers would keep switching on and off and
// blur the timer counts of the programs measured after this one (MEM067's polling watchers showed +1,000).
using System;
using System.Runtime.Caching;
using System.Threading.Tasks;
using MassTransit;

namespace Proof;

public sealed record QuoteRequested(int Id);

public sealed class QuoteConsumer : IConsumer<QuoteRequested>
{
    private readonly MemoryCache _quotes = new MemoryCache("quotes"); // flagged: MEM051
    private readonly Tally _tally;

    public QuoteConsumer(Tally tally) => _tally = tally;

    public Task Consume(ConsumeContext<QuoteRequested> context)
    {
        var quote = new byte[16 * 1024];
        quote[0] = (byte)(context.Message.Id % 251);
        _quotes.Set("quote:" + context.Message.Id, quote, ObjectCache.InfiniteAbsoluteExpiration);
        _tally.Complete(((byte[])_quotes.Get("quote:" + context.Message.Id))[0]);
        return Task.CompletedTask;
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => InMemoryBus.RunAsync(invocations, i => new QuoteRequested(i), mark, x => x.AddConsumer<QuoteConsumer>());
}
