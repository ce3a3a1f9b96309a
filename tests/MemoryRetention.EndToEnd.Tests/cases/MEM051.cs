using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Memory;
using Quartz;

namespace Consumer;

public sealed class Mem051Job : IJob
{
    private readonly IMemoryCache _cache;

    public Mem051Job(IMemoryCache cache)
    {
        _cache = cache;
    }

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        _cache.Set(context.FireInstanceId, 42); // expect: MEM051
        return ValueTask.CompletedTask;
    }
}
