using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Handlers
{
    public class HostingRecognitionTests
    {
        private const string Worker = @"
using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Worker : BackgroundService
{
    private readonly Channel<string> _channel = Channel.CreateBounded<string>(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Probe.Here(""before-loop"");
        while (!stoppingToken.IsCancellationRequested)
        {
            Probe.Here(""cancellation-loop"");
            for (var i = 0; i < 3; i++) { Probe.Here(""inner-for""); }
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Probe.Here(""tick-loop"");
        }

        await foreach (var item in _channel.Reader.ReadAllAsync(stoppingToken))
        {
            Probe.Here(""channel-loop"");
        }

        Probe.Here(""after-loop"");
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        Probe.Here(""stop"");
        return base.StopAsync(cancellationToken);
    }

    public void Helper()
    {
        for (var i = 0; i < 3; i++) { Probe.Here(""plain-loop""); }
    }
}

public sealed class Lifecycle : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
";

        [Fact]
        public void ExecuteAsync_IsARunOnceEntryPointOfALongLivedService()
        {
            var harness = RecognitionHarness.Create(Worker, Packages.Hosting);
            var entry = harness.EntryPoint("Worker.ExecuteAsync");
            Assert.NotNull(entry);
            Assert.Equal(HandlerFramework.Hosting, entry!.Framework);
            Assert.Equal(HandlerLifetime.LongLived, entry.InstanceLifetime);
            Assert.True(entry.RunsOnce);
            Assert.NotNull(harness.EntryPoint("Lifecycle.StartAsync"));
            Assert.Null(harness.EntryPoint("Worker.Helper"));
        }

        [Theory]
        [InlineData("cancellation-loop", HandlerCodeKind.WorkerLoopBody)]
        [InlineData("inner-for", HandlerCodeKind.WorkerLoopBody)]
        [InlineData("tick-loop", HandlerCodeKind.WorkerLoopBody)]
        [InlineData("channel-loop", HandlerCodeKind.WorkerLoopBody)]
        [InlineData("before-loop", HandlerCodeKind.RunOnceBody)]
        [InlineData("after-loop", HandlerCodeKind.RunOnceBody)]
        [InlineData("stop", HandlerCodeKind.RunOnceBody)]
        [InlineData("plain-loop", HandlerCodeKind.None)]
        public void WorkerLoops_AreRecognisedByTheirShape(string label, HandlerCodeKind expected)
        {
            var harness = RecognitionHarness.Create(Worker, Packages.Hosting);
            Assert.Equal(expected, harness.Classify(label).Kind);
        }
    }
}
