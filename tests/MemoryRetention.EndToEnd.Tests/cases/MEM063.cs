using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

public sealed class Mem063Job : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var instance = string.Intern(context.FireInstanceId); // expect: MEM063
        return instance.Length > 0 ? default : default;
    }
}
