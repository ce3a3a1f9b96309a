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
        // (Assembly.LoadFrom of a varying path is an Info suggestion: covered by the analyzer tests, not here.)
        return plugin.GetName().Name is null ? default : default;
    }
}
