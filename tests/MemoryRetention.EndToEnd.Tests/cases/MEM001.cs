using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

public sealed class Mem001Job : IJob
{
    private static readonly List<string> Lines = new List<string>();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        Lines.Add(context.FireInstanceId); // expect: MEM001
        return ValueTask.CompletedTask;
    }
}
