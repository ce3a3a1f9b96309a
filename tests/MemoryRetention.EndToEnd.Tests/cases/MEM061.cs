using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

namespace Consumer;

// MEM061 has no automatic fix (a collectible load context or a content cache changes what the code means): nofix only.
public sealed class Mem061PluginJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var image = context.MergedJobDataMap["image"] as byte[] ?? System.Array.Empty<byte>();
        var plugin = Assembly.Load(image); // expect: MEM061 nofix
        // (Assembly.LoadFrom of a varying path is reported at Info, which a warnings-as-errors build does not fail: unit tests cover it.)
        return plugin is null ? default : default;
    }
}
