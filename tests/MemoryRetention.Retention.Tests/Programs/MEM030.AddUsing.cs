//! rule: MEM030
//! fix: MEM030_AddUsing
//! action: using
//! measure: alive
//! unit: per-message listeners kept
//! invocations: 5,000
//! flagged-at-least: 4,500
//! fixed-at-most: 20
//
// A worker watches the options while it handles a message with IOptionsMonitor.OnChange and drops the returned
// registration: the monitor (a singleton) keeps every listener and what it captured. The fix disposes the
// registration with 'using'.
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

public sealed class ImportSettings
{
    public int BatchSize { get; set; } = 10;
}

public sealed class Batch
{
    public Batch(int size) => Size = size;

    public int Size { get; set; }
}

public sealed class ImportWorker : BackgroundService
{
    private readonly Inbox<int> _inbox;
    private readonly IOptionsMonitor<ImportSettings> _settings;
    private readonly Action<object> _track;

    public ImportWorker(Inbox<int> inbox, IOptionsMonitor<ImportSettings> settings, Action<object> track)
    {
        _inbox = inbox;
        _settings = settings;
        _track = track;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in _inbox.Reader.ReadAllAsync(stoppingToken))
        {
            var batch = new Batch(_settings.CurrentValue.BatchSize);
            _track(batch);
            _settings.OnChange(s => batch.Size = s.BatchSize); // flagged: MEM030
            _inbox.Complete(batch.Size + message % 3);
        }
    }
}

public static class Scenario
{
    public static Task<string> RunAsync(int invocations, Action<object> track, Func<string, Task> mark)
        => GenericHost.RunAsync(invocations, i => i, mark, services => services.AddSingleton(track).Configure<ImportSettings>(_ => { }).AddHostedService<ImportWorker>());
}
