using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

public sealed class Mem033Job : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var ticker = new PeriodicTimer(TimeSpan.FromMilliseconds(10)); // expect: MEM033
        await ticker.WaitForNextTickAsync(cancellationToken);
    }
}
