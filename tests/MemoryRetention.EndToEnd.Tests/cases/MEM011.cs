using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

// MEM011 has no automatic fix: every marker here is nofix (the callback timer is MEM033's, also without a fix).
public sealed class Mem011Job : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var payload = new byte[4096];
        var timer = new Timer(_ => Console.WriteLine(payload.Length), null, 1000, Timeout.Infinite); // expect: MEM011, MEM033 nofix
        return ValueTask.CompletedTask;
    }
}
