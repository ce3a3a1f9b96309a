using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

public static class Mem030Metrics
{
    public static event EventHandler<string>? Recorded;

    public static void Record(string name) => Recorded?.Invoke(null, name);
}

public sealed class Mem030Job : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var seen = 0;
        Mem030Metrics.Recorded += (sender, name) => seen++; // expect: MEM030
        await Task.Delay(10, cancellationToken);
        Console.WriteLine(seen);
    }
}
