using System.IO;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Serialization;
using Quartz;

namespace Consumer;

public sealed class Mem060Report
{
    public int Id { get; set; }
}

public sealed class Mem060Job : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var writer = new StringWriter();
        var serializer = new XmlSerializer(typeof(Mem060Report), new XmlRootAttribute("report")); // expect: MEM060
        serializer.Serialize(writer, new Mem060Report());
        var byType = new XmlSerializer(context.JobInstance.GetType(), new XmlRootAttribute("job")); // expect: MEM060
        return default;
    }
}
