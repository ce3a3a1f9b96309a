//! rule: MEM013
//! fix: MEM013_StringBuilderPolicy
//! title: Use StringBuilderPooledObjectPolicy
//! action: StringBuilderPooledObjectPolicy
//! measure: heap
//! unit: of pooled builders kept
//! invocations: 2,000
//! flagged-at-least: 5MB
//! fixed-at-most: 1.5MB
//
// A worker renders account statements with StringBuilders from a process-wide ObjectPool whose policy is the default
// one: DefaultPooledObjectPolicy<StringBuilder> takes every builder back as it is, however large it grew. Most
// statements are a few lines, but an account with a long history renders tens of thousands, and the builder that
// rendered it goes back to the pool with its capacity (Clear keeps it): the pool keeps, for the life of the process,
// builders as large as the largest statements they ever rendered. The fix uses StringBuilderPooledObjectPolicy, which
// clears each builder and drops the ones above its MaximumRetainedCapacity (4 K characters). The worker takes two
// builders per statement (detail and summary), which the pool hands out in turn, so both grow as large as the longest
// statement.
using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.ObjectPool;

public static class Builders
{
    public static readonly ObjectPool<StringBuilder> Pool = new DefaultObjectPool<StringBuilder>(new DefaultPooledObjectPolicy<StringBuilder>(), 16); // flagged: MEM013
}

public sealed class StatementRenderer : BackgroundService
{
    private readonly Inbox<int> _inbox;

    public StatementRenderer(Inbox<int> inbox) => _inbox = inbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var account in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            _inbox.Complete(Render(account));
        }
    }

    private static int Render(int account)
    {
        // about one account in a hundred has a long history
        var lines = account % 99 == 98 ? 60_000 : 1 + account % 20;
        var detail = Builders.Pool.Get();
        var summary = Builders.Pool.Get();
        try
        {
            detail.Clear();
            summary.Clear();
            decimal total = 0;
            for (var i = 0; i < lines; i++)
            {
                var amount = (account * 31 + i * 7) % 1000 / 10m;
                total += amount;
                detail.Append("2026-01-").Append(1 + i % 28).Append(" transfer ").Append(i).Append(' ').Append(amount).AppendLine();
                if (i % 1000 == 0)
                {
                    summary.Append("page ").Append(i / 1000 + 1).Append(": ").Append(total).AppendLine();
                }
            }

            summary.Append("total ").Append(total).Append(" over ").Append(lines).Append(" lines").AppendLine();
            return detail.ToString().Length + summary.ToString().Length;
        }
        finally
        {
            Builders.Pool.Return(summary);
            Builders.Pool.Return(detail);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i, mark, services => services.AddHostedService<StatementRenderer>());
}
