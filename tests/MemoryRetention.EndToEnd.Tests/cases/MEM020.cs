using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

public sealed class Mem020Job : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var reader = new StreamReader("input.txt"); // expect: MEM020
        var text = await reader.ReadToEndAsync(cancellationToken);
        using var writer = new StreamWriter("output.txt");
        await writer.WriteAsync(text);
    }
}
