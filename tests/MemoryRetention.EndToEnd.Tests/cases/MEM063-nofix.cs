using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

// A MEM063 diagnostic without an automatic fix: the call is a statement of its own.
public sealed class Mem063PoolJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        string.Intern(context.FireInstanceId); // expect: MEM063 nofix
        return default;
    }
}
