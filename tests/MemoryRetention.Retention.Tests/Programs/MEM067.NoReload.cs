//! rule: MEM067
//! fix: MEM067_no-reload
//! action: reloadOnChange: false
//! measure: timers
//! unit: file watcher timers kept
//! invocations: 1,000
//! flagged-at-least: 900
//! fixed-at-most: 20
//
// A worker re-reads its throttling settings for every job by building a configuration from a JSON file with
// reloadOnChange: true. Each build starts watching the file: the watcher keeps a change-token registration whose callback
// holds the provider and the configuration, and nothing ever disposes the configuration root, so every job's
// configuration stays alive, watched, for the life of the process. The fix reads the file without watching it.
//
// The watcher is the polling one (DOTNET_USE_POLLING_FILE_WATCHER=1, set by the scenario): the OS watcher would cost one
// inotify instance per build, and the per-user limit (often 128) is shared with every process of the user. The polling
// watcher keeps the same graph alive, rooted by a timer per build that polls the file every four seconds: those timers
// are what is counted (the OS watcher is rooted by its inotify thread instead).
using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

public sealed class Settings
{
    public Settings(string path) => Path = path;

    public string Path { get; }
}

public sealed class ThrottledExporter : BackgroundService
{
    private readonly Inbox<int> _inbox;
    private readonly Settings _settings;

    public ThrottledExporter(Inbox<int> inbox, Settings settings)
    {
        _inbox = inbox;
        _settings = settings;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var job in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            // the latest limits for every job
            var config = new ConfigurationBuilder()
                .AddJsonFile(_settings.Path, optional: false, reloadOnChange: true) // flagged: MEM067
                .Build();
            var batchSize = int.Parse(config["export:batchSize"] ?? "1");
            _inbox.Complete(job % batchSize);
        }
    }
}

public static class Scenario
{
    public static async Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
    {
        const string Polling = "DOTNET_USE_POLLING_FILE_WATCHER";
        var previous = Environment.GetEnvironmentVariable(Polling);
        var directory = Path.Combine(Path.GetTempPath(), "mem067-proof-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "exporter.json");
        File.WriteAllText(path, "{ \"export\": { \"batchSize\": \"17\" } }");
        Environment.SetEnvironmentVariable(Polling, "1");
        try
        {
            return await GenericHost.RunAsync(invocations, i => i, mark, services => services.AddSingleton(new Settings(path)).AddHostedService<ThrottledExporter>());
        }
        finally
        {
            Environment.SetEnvironmentVariable(Polling, previous);
            try
            {
                // The flagged run's watchers poll the file for the life of the process; on reload a missing file reads
                // as empty (FileConfigurationProvider treats every reload as optional).
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
