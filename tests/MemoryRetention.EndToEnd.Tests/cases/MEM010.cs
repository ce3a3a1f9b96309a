using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

public sealed class Mem010Job : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var chunk = new byte[128 * 1024]; // expect: MEM010
        chunk[0] = 1;
        return ValueTask.CompletedTask;
    }
}
