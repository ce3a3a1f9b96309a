using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

// A dictionary used as a cache from two methods: the fix bounds it (a MemoryCache with a size limit and expiration).
public sealed class Mem001CacheJob : IJob
{
    private static readonly ConcurrentDictionary<string, int> Lengths = new ConcurrentDictionary<string, int>();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var length = Lengths.GetOrAdd(context.FireInstanceId, id => id.Length); // expect: MEM001
        Remember(context.FireInstanceId + "/seen", length);
        return ValueTask.CompletedTask;
    }

    private static void Remember(string key, int length)
    {
        if (!Lengths.TryGetValue(key, out var known) || known != length)
        {
            Lengths[key] = length;
        }
    }
}
