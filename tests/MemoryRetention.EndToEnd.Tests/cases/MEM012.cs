using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

// Without Microsoft.IO.RecyclableMemoryStream referenced, MEM012 is a suggestion without a fix.
public sealed class Mem012Job : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(); // expect: MEM012 nofix
        await buffer.WriteAsync(new byte[] { 1 }, cancellationToken);
    }
}
