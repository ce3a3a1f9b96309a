using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

// A MEM062 diagnostic without a safe automatic fix: the handle is freed in one branch only.
public sealed class Mem062Job : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var handle = GCHandle.Alloc(context); // expect: MEM062 nofix
        if (context.RefireCount == 0)
        {
            handle.Free();
        }

        return default;
    }
}
