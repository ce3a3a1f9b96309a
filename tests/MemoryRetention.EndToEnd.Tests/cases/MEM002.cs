using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Consumer;

// Registered as a singleton: one job instance serves every execution, so its fields live for the process.
public sealed class Mem002Job : IJob
{
    private readonly List<string> _lines = new List<string>();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        _lines.Add(context.FireInstanceId); // expect: MEM002
        return ValueTask.CompletedTask;
    }

    public static void Register(IServiceCollection services) => services.AddSingleton<Mem002Job>();
}
