using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

// The consumer's .editorconfig sets dotnet_diagnostic.MEM020.severity = none for the silenced/ folder.
public sealed class EditorConfigSilencedJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var silenced = File.OpenRead("d.txt");
        return ValueTask.CompletedTask;
    }
}
