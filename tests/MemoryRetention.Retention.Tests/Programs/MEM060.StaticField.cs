//! rule: MEM060
//! fix: MEM060_StaticReadonlySerializer
//! action: static readonly serializer
//! measure: assemblies
//! unit: generated serializer assemblies loaded
//! invocations: 300
//! flagged-at-least: 270
//! fixed-at-most: 5
//
// A BackgroundService on the Generic Host writes every report as XML with a serializer built per message with an
// XmlRootAttribute: each one generates and loads a new serialization assembly. The fix keeps one static serializer.
using System;
using System.IO;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using System.Xml.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Report
{
    public int Id { get; set; }
    public string Title { get; set; } = "";
}

public sealed class Inbox
{
    public Channel<Report> Reports { get; } = Channel.CreateBounded<Report>(64);
    public long Characters;
    public int Processed;
    public int Expected;
    public TaskCompletionSource AllDone { get; } = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class ReportWriter : BackgroundService
{
    private readonly Inbox _inbox;

    public ReportWriter(Inbox inbox) => _inbox = inbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var report in _inbox.Reports.Reader.ReadAllAsync(stoppingToken))
        {
            using var writer = new StringWriter();
            var serializer = new XmlSerializer(typeof(Report), new XmlRootAttribute("report")); // flagged: MEM060
            serializer.Serialize(writer, report);
            Interlocked.Add(ref _inbox.Characters, writer.ToString().Length);
            if (Interlocked.Increment(ref _inbox.Processed) == _inbox.Expected)
            {
                _inbox.AllDone.TrySetResult();
            }
        }
    }
}

public static class Scenario
{
    public static async Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
    {
        // No default configuration sources: no appsettings file watchers (inotify instances are scarce on CI machines).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var inbox = new Inbox { Expected = invocations };
        builder.Services.AddSingleton(inbox);
        builder.Services.AddHostedService<ReportWriter>();
        using var host = builder.Build();
        await host.StartAsync();
        await inbox.Reports.Writer.WriteAsync(new Report { Id = -1, Title = "warm-up" });
        inbox.Expected++;
        await mark("start");
        for (var i = 0; i < invocations; i++)
        {
            await inbox.Reports.Writer.WriteAsync(new Report { Id = i, Title = "report " + i });
        }

        await inbox.AllDone.Task;
        await mark("end");
        await host.StopAsync();
        return $"processed {inbox.Processed}, characters {inbox.Characters}";
    }
}
