using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

// A MEM033 diagnostic without a safe automatic fix (a callback timer): see MEM031-nofix.cs.
public sealed class Mem033ReminderJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var reminder = new Timer(_ => Console.WriteLine(context.FireInstanceId), null, 1000, Timeout.Infinite); // expect: MEM033 nofix
        return ValueTask.CompletedTask;
    }
}
