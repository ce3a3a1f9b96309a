using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

// MEM011 has no automatic fix: every marker here is nofix.
public sealed class Mem011Job : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var payload = new byte[4096];
        _ = Task.Run(() => Console.WriteLine(payload.Length)); // expect: MEM011 nofix
        return ValueTask.CompletedTask;
    }
}
