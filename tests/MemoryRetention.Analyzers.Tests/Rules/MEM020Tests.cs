using System.Threading.Tasks;
using MemoryRetention.Analyzers.Rules;
using MemoryRetention.Analyzers.Tests.Verifiers;
using MemoryRetention.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    public class MEM020Tests
    {
        // ---------------------------------------------------------------- flagged, per framework

        [Fact]
        public Task QuartzJob_FileStreamNeverDisposed()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var stream = {|MEM020:new FileStream(""report.csv"", FileMode.Open)|};
        await stream.ReadAsync(new byte[16], 0, 16, cancellationToken);
    }
}", Packages.Quartz);

        [Fact]
        public Task MassTransitConsumer_HttpResponseNeverDisposed()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.Net.Http;
using System.Threading.Tasks;
using MassTransit;

public sealed record OrderSubmitted(string Url);

public sealed class OrderConsumer : IConsumer<OrderSubmitted>
{
    private readonly HttpClient _client;
    public OrderConsumer(HttpClient client) => _client = client;

    public async Task Consume(ConsumeContext<OrderSubmitted> context)
    {
        var response = await {|MEM020:_client.GetAsync(context.Message.Url)|};
        response.EnsureSuccessStatusCode();
    }
}", Packages.MassTransit);

        [Fact]
        public Task BackgroundServiceLoop_ReaderPerIterationNeverDisposed()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Importer : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var reader = {|MEM020:new StreamReader(""inbox.txt"")|};
            var line = await reader.ReadLineAsync();
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Hosting);

        [Fact]
        public Task RebusHandler_ProcessNeverDisposed()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.Diagnostics;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Ping { }

public sealed class PingHandler : IHandleMessages<Ping>
{
    public async Task Handle(Ping message)
    {
        var process = {|MEM020:Process.Start(""ping"", ""localhost"")|};
        await process.WaitForExitAsync();
    }
}", Packages.Rebus);

        [Fact]
        public Task TokenSourcesAndTimers_AreLeftToTheirOwnRules()
            => VerifyMEM020.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Ping { }

public sealed class PingHandler : IHandleMessages<Ping>
{
    public async Task Handle(Ping message)
    {
        var plain = new CancellationTokenSource();                     // nothing to release: no rule
        var linked = CancellationTokenSource.CreateLinkedTokenSource(plain.Token); // MEM032's
        var timer = new Timer(_ => { }, null, 1000, 1000);              // MEM033's
        await Task.Delay(10, linked.Token);
    }
}", Packages.Rebus);

        [Fact]
        public Task MediatRHandler_LoggerScopeNeverDisposed()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.Logging;

public sealed class Ping : IRequest<string> { public string Id { get; set; } }

public sealed class PingHandler : IRequestHandler<Ping, string>
{
    private readonly ILogger<PingHandler> _logger;
    public PingHandler(ILogger<PingHandler> logger) => _logger = logger;

    public Task<string> Handle(Ping request, CancellationToken cancellationToken)
    {
        {|MEM020:_logger.BeginScope(""ping {Id}"", request.Id)|};
        return Task.FromResult(""pong"");
    }
}", Packages.Of(Packages.MediatR, Packages.Hosting));

        [Fact]
        public Task RabbitMQReceivedLambda_StreamDiscardedAfterUse()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

public static class Wiring
{
    public static void Attach(IChannel channel)
    {
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (sender, ea) =>
        {
            var length = {|MEM020:File.OpenRead(""payload.bin"")|}.Length;
            await Task.Yield();
        };
    }
}", Packages.RabbitMQ);

        [Fact]
        public Task WebJobsFunction_HttpClientPerInvocation()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.Azure.WebJobs;

public static class Functions
{
    [FunctionName(""Poll"")]
    public static async Task Run([TimerTrigger(""0 */5 * * * *"")] object timer)
    {
        var client = {|MEM020:new HttpClient()|};
        await client.GetStringAsync(""http://localhost/health"");
    }
}

namespace Microsoft.Azure.WebJobs
{
    [System.AttributeUsage(System.AttributeTargets.Parameter)]
    public sealed class TimerTriggerAttribute : System.Attribute { public TimerTriggerAttribute(string schedule) { } }
}", Packages.WebJobs);

        [Fact]
        public Task CoravelInvocable_JsonDocumentNeverDisposed()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.Text.Json;
using System.Threading.Tasks;
using Coravel.Invocable;

public sealed class SyncInvocable : IInvocable
{
    public Task Invoke()
    {
        var document = {|MEM020:JsonDocument.Parse(""{}"")|};
        var kind = document.RootElement.ValueKind;
        return Task.CompletedTask;
    }
}", Packages.Coravel);

        [Fact]
        public Task NServiceBusHandler_ScopeNeverDisposed()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using NServiceBus;

public sealed class Ship { }

public sealed class ShipHandler : IHandleMessages<Ship>
{
    private readonly IServiceScopeFactory _scopes;
    public ShipHandler(IServiceScopeFactory scopes) => _scopes = scopes;

    public Task Handle(Ship message, IMessageHandlerContext context)
    {
        var scope = {|MEM020:_scopes.CreateScope()|};
        var provider = scope.ServiceProvider;
        return Task.CompletedTask;
    }
}", Packages.Hosting, Stubs.NServiceBus);

        // ---------------------------------------------------------------- not flagged: the look-alikes

        [Fact]
        public Task UsingDeclarationsStatementsAndFinally_AreNotFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class CarefulJob : IJob
{
    private readonly HttpClient _client = new HttpClient();

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        using var first = new FileStream(""a"", FileMode.Open);
        await using var second = new FileStream(""b"", FileMode.Open);
        using (var third = new StreamReader(""c"")) { await third.ReadLineAsync(); }
        using (new FileStream(""d"", FileMode.Open)) { }
        using var response = await _client.GetAsync(""http://localhost"").ConfigureAwait(false);

        var fourth = new FileStream(""e"", FileMode.Open);
        try { await fourth.FlushAsync(cancellationToken); }
        finally { fourth.Dispose(); }

        var fifth = new FileStream(""f"", FileMode.Open);
        fifth?.Dispose();

        var sixth = File.OpenRead(""g"");
        await sixth.DisposeAsync();
    }
}", Packages.Quartz);

        [Fact]
        public Task OwnershipHandedOn_IsNotFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class Owner : IDisposable
{
    private readonly Stream _stream;
    public Owner(Stream stream) { _stream = stream; }
    public void Dispose() => _stream.Dispose();
}

public sealed class HandingJob : IJob
{
    private Stream _kept;
    private readonly List<IDisposable> _owned = new List<IDisposable>();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        _kept = new FileStream(""a"", FileMode.Open);                    // stored in a field
        _owned.Add(new FileStream(""b"", FileMode.Open));                // added to a collection
        using var reader = new StreamReader(new FileStream(""c"", FileMode.Open)); // the reader owns the stream
        using var owner = new Owner(File.OpenRead(""d""));               // a user type's constructor keeps it
        var local = new FileStream(""e"", FileMode.Open);
        Keep(local);                                                   // a method of this compilation may keep it
        return default;
    }

    public Stream Create() => new FileStream(""f"", FileMode.Open);       // not an entry point

    private void Keep(Stream s) => _kept = s;
}", Packages.Quartz);

        [Fact]
        public Task ReturnedOrCaptured_IsNotFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System;
using System.IO;
using System.Threading.Tasks;
using MassTransit;

public sealed class Msg { }

public sealed class ReturningConsumer : IConsumer<Msg>
{
    public Task Consume(ConsumeContext<Msg> context)
    {
        var stream = new FileStream(""a"", FileMode.Open);
        Func<long> later = () => stream.Length;   // captured: it may outlive the method
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public Task NothingToRelease_AndDependencyInjection_AreNotFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Rebus.Handlers;

public sealed class Msg { }
public sealed class Repo : System.IDisposable { public void Dispose() { } }

public sealed class LightHandler : IHandleMessages<Msg>
{
    private readonly System.IServiceProvider _provider;
    public LightHandler(System.IServiceProvider provider) => _provider = provider;

    public Task Handle(Msg message)
    {
        var memory = new MemoryStream();
        var reader = new StringReader(""x"");
        var writer = new StringWriter();
        var repo = _provider.GetRequiredService<Repo>();
        var task = Task.Delay(1);
        return task;
    }
}", Packages.Of(Packages.Rebus, Packages.Hosting));

        [Fact]
        public Task OutsideHandlers_IsNotFlaggedByDefault_AndFlaggedWhenTheOptionSaysSo()
        {
            const string source = @"
using System.IO;

public sealed class Plain
{
    public long Size(string path)
    {
        var stream = {|#0:File.OpenRead(path)|};
        return stream.Length;
    }
}";
            var quiet = VerifyMEM020.CreateTest(source.Replace("{|#0:", string.Empty).Replace(")|}", ")"), Packages.Hosting, null, System.Array.Empty<string>());
            var loud = VerifyMEM020.CreateTest(source.Replace("{|#0:", "{|MEM020:"), Packages.Hosting, "memory_retention.analyze_outside_handlers = true", System.Array.Empty<string>());
            return Task.WhenAll(quiet.RunAsync(), loud.RunAsync());
        }

        [Fact]
        public Task ExecuteAsyncOutsideTheLoop_IsNotFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = new HttpClient();   // created once per process, not per unit of work
        while (!stoppingToken.IsCancellationRequested)
        {
            using var response = await client.GetAsync(""http://localhost"", stoppingToken);
        }
    }
}", Packages.Hosting);

        [Fact]
        public Task LooksLikeAHandlerButIsNot_IsNotFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Threading.Tasks;

public sealed class Msg { }

public sealed class OrderHandler
{
    public Task Handle(Msg message)
    {
        var stream = new FileStream(""a"", FileMode.Open);
        return Task.CompletedTask;
    }
}", Packages.Hosting);

        [Fact]
        public Task IncompleteCode_DoesNotCrash()
            => VerifyMEM020.NoCrashAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class HalfTypedJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var stream = new FileStream(""a"", 
        var other = new Unknown
        using var x = 
    }
}", Packages.Quartz);

        // ---------------------------------------------------------------- fixes

        [Fact]
        public Task Fix_AddsUsingToTheDeclaration_KeepingComments()
            => VerifyMEM020.FixAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        // open the report
        var reader = {|MEM020:new StreamReader(""report.csv"")|}; // trailing note
        var text = reader.ReadToEnd();
        return default;
    }
}", @"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        // open the report
        using var reader = new StreamReader(""report.csv""); // trailing note
        var text = reader.ReadToEnd();
        return default;
    }
}", Packages.Quartz);

        [Fact]
        public Task Fix_UsesAwaitUsingForAsyncDisposablesInAsyncCode()
            => VerifyMEM020.FixAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var stream = {|MEM020:File.OpenRead(""report.csv"")|};
        await stream.ReadAsync(new byte[4], 0, 4, cancellationToken);
    }
}", @"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(""report.csv"");
        await stream.ReadAsync(new byte[4], 0, 4, cancellationToken);
    }
}", Packages.Quartz);

        [Fact]
        public Task Fix_DiscardedScopeBecomesAUsingDeclaration()
            => VerifyMEM020.FixAsync(@"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.Logging;

public sealed class Ping : IRequest<string> { }

public sealed class PingHandler : IRequestHandler<Ping, string>
{
    private readonly ILogger _logger;
    public PingHandler(ILogger logger) => _logger = logger;

    public Task<string> Handle(Ping request, CancellationToken cancellationToken)
    {
        {|MEM020:_logger.BeginScope(""ping"")|};
        return Task.FromResult(""pong"");
    }
}", @"
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.Logging;

public sealed class Ping : IRequest<string> { }

public sealed class PingHandler : IRequestHandler<Ping, string>
{
    private readonly ILogger _logger;
    public PingHandler(ILogger logger) => _logger = logger;

    public Task<string> Handle(Ping request, CancellationToken cancellationToken)
    {
        using var disposable = _logger.BeginScope(""ping"");
        return Task.FromResult(""pong"");
    }
}", Packages.Of(Packages.MediatR, Packages.Hosting));

        [Fact]
        public Task Fix_CSharp7_WrapsTheRestOfTheBlockInAUsingStatement()
            => VerifyMEM020.FixAsync(@"
using System.IO;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, System.Threading.CancellationToken cancellationToken)
    {
        var reader = {|MEM020:new StreamReader(""report.csv"")|};
        var text = reader.ReadToEnd();
        return default(ValueTask);
    }
}", @"
using System.IO;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, System.Threading.CancellationToken cancellationToken)
    {
        using (var reader = new StreamReader(""report.csv""))
        {
            var text = reader.ReadToEnd();
            return default(ValueTask);
        }
    }
}", new[] { "Quartz" }, LanguageVersion.CSharp7_3);

        [Fact]
        public Task FixAll_FixesEveryCreationInTheDocument()
            => VerifyMEM020.FixAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Importer : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var a = {|MEM020:new StreamReader(""a"")|};
            var b = {|MEM020:new StreamReader(""b"")|};
            var c = {|MEM020:new StreamWriter(""c"")|};
            await c.WriteAsync(await a.ReadToEndAsync() + await b.ReadToEndAsync());
        }
    }
}", @"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Importer : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using var a = new StreamReader(""a"");
            using var b = new StreamReader(""b"");
            await using var c = new StreamWriter(""c"");
            await c.WriteAsync(await a.ReadToEndAsync() + await b.ReadToEndAsync());
        }
    }
}", Packages.Hosting);
    }
}
