using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

// A StringBuilder's length changes: capturing it is not the same program, so there is no automatic fix.
public sealed class Mem011NoFixJob : IJob
{
    private static StringBuilder? _last;

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var log = new StringBuilder();
        _ = Task.Run(async () => { while (!cancellationToken.IsCancellationRequested) { Console.WriteLine(log.Length); await Task.Delay(1000, cancellationToken); } }); // expect: MEM011 nofix
        _last = log; // expect: MEM011 nofix
        return ValueTask.CompletedTask;
    }
}
