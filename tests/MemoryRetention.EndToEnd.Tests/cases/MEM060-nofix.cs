using System.IO;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Serialization;
using Quartz;

namespace Consumer;

// A MEM060 diagnostic without a safe automatic fix: the root element name comes from the job's data.
public sealed class Mem060RootJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var root = context.MergedJobDataMap.GetString("root") ?? "report";
        var serializer = new XmlSerializer(typeof(string), new XmlRootAttribute(root)); // expect: MEM060 nofix
        serializer.Serialize(new StringWriter(), "x");
        return default;
    }
}
