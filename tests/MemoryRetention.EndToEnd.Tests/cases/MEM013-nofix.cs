using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

// MEM013 forms without an automatic fix: which Return is the wrong one is the author's call.
public sealed class Mem013NoFixJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            buffer[0] = 1;
            ArrayPool<byte>.Shared.Return(buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer); // expect: MEM013 nofix
        }

        return ValueTask.CompletedTask;
    }
}
