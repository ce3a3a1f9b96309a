//! rule: MEM051
//! fix: MEM051_DisposeWithOwner
//! action: dispose with its owner
//! measure: heap
//! unit: of per-consumer caches kept
//! invocations: 10
//! flagged-at-least: 15MB
//! fixed-at-most: 5MB
//
// A MassTransit consumer (one per message, from a DI scope) keeps its own System.Runtime.Caching MemoryCache. Such a
// cache registers itself with the runtime (GC handles to its stores, a statistics timer, AppDomain event handlers), so
// an undisposed one is never collected: every consumer's cache, with the 2 MB quote it holds, stays for the process.
// The fix disposes the cache in a new Dispose, which the message's DI scope calls.
//
// Few messages, large entries (2 MB each, in 16 KB chunks): the flagged run's caches stay in this test process for good
// (rooted by the runtime, by design), and each keeps a statistics timer that re-arms itself; thousands of them made the
// timer counts of programs measured later (MEM067) jump. Ten caches keep that noise below every timers threshold, and
// the entries never expire (InfiniteAbsoluteExpiration), so no expiration timer is armed either.
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
        var quote = new byte[128][];
        for (var i = 0; i < quote.Length; i++)
        {
            quote[i] = new byte[16 * 1024];
        }

        quote[0][0] = (byte)(context.Message.Id % 251);
        _quotes.Set("quote:" + context.Message.Id, quote, ObjectCache.InfiniteAbsoluteExpiration);
        _tally.Complete(((byte[][])_quotes.Get("quote:" + context.Message.Id))[0][0]);
        return Task.CompletedTask;
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => InMemoryBus.RunAsync(invocations, i => new QuoteRequested(i), mark, x => x.AddConsumer<QuoteConsumer>());
}
