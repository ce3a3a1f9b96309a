using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

public sealed class Mem011Job : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var payload = new byte[4096];
        // the fix captures only the length
        _ = Task.Run(async () => { while (!cancellationToken.IsCancellationRequested) { Console.WriteLine(payload.Length); await Task.Delay(1000, cancellationToken); } }); // expect: MEM011
        return ValueTask.CompletedTask;
    }
}
