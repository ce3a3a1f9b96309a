using Quartz;

namespace LeakyWorker;

/// <summary>A Quartz job: one instance per execution.</summary>
public sealed class NightlyReportJob : IJob
{
    private static readonly HttpClient Client = new();

    // Every report ever produced, kept for the "history" page.
    private static readonly List<string> History = new();

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        // The response (and its connection) is never disposed.
        var response = await Client.GetAsync("http://localhost:5000/report", cancellationToken); // expect: MEM020
        var report = await response.Content.ReadAsStringAsync(cancellationToken);
        History.Add(report); // expect: MEM001

        var output = File.Create(Path.Combine(Path.GetTempPath(), "nightly-report.txt")); // expect: MEM020
        await output.WriteAsync(System.Text.Encoding.UTF8.GetBytes(report), cancellationToken);

        OrderProcessor.OrderProcessed += (sender, id) => Console.WriteLine($"{context.FireInstanceId}: {id}"); // expect: MEM030
    }
}
