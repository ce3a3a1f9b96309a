using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

// Each way of silencing a rule, next to a control that is flagged.
public sealed class SuppressionsJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
#pragma warning disable MEM020 // the stream is handed to the job's data map, which disposes it
        var pragma = File.OpenRead("a.txt");
#pragma warning restore MEM020
        var control = File.OpenRead("b.txt"); // expect: MEM020
        return ValueTask.CompletedTask;
    }
}

public sealed class AttributeSuppressedJob : IJob
{
    [SuppressMessage("Reliability", "MEM020", Justification = "The test shows the attribute silences the rule.")]
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var suppressed = File.OpenRead("c.txt");
        return ValueTask.CompletedTask;
    }
}
