using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

public sealed class Mem013Job : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        buffer[0] = 1;
        await Task.Delay(1, cancellationToken);
        ArrayPool<byte>.Shared.Return(buffer); // expect: MEM013
    }
}
