using LeakyWorker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;

// A small, realistic worker: a queue-polling BackgroundService, a Quartz job and a per-message processor.
// It leaks in the ways MemoryRetention.Analyzers describes; build it to see the MEM warnings at the leaking lines.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSingleton<OrderQueue>();
builder.Services.AddSingleton<OrderProcessor>();
builder.Services.AddHostedService<OrderWorker>();
builder.Services.AddQuartz(q =>
{
    var key = new JobKey("nightly-report");
    q.AddJob<NightlyReportJob>(j => j.WithIdentity(key));
    q.AddTrigger(t => t.ForJob(key).WithCronSchedule("0 0 2 * * ?"));
});
builder.Services.AddQuartzHostedService();

builder.Build().Run();
