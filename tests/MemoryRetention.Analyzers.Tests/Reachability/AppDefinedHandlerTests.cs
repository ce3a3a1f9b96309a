using System;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Reachability
{
    /// <summary>
    /// The shape of a reference microservice: an own event bus whose RabbitMQ callback resolves app-defined
    /// <c>IIntegrationEventHandler&lt;T&gt;</c> implementations from a DI scope; the leak sits in a sender service the
    /// handler calls. The messages name the path; fixes that need a unit-of-work body are not offered in reached code.
    /// </summary>
    public class AppDefinedHandlerTests
    {
        private const string EventBus = @"
using System;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

public abstract record IntegrationEvent;
public sealed record OrderPaid(string Url) : IntegrationEvent;

public interface IIntegrationEventHandler<in T> where T : IntegrationEvent
{
    Task Handle(T @event);
}

public sealed class EventBus
{
    private readonly IServiceProvider _services;
    public EventBus(IServiceProvider services) => _services = services;

    public void StartConsuming(IChannel channel)
    {
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (sender, ea) =>
        {
            using var scope = _services.CreateScope();
            var handler = scope.ServiceProvider.GetRequiredService<IIntegrationEventHandler<OrderPaid>>();
            await handler.Handle(new OrderPaid(Encoding.UTF8.GetString(ea.Body.Span)));
        };
    }
}

public sealed class OrderPaidHandler : IIntegrationEventHandler<OrderPaid>
{
    private readonly WebhookSender _sender;
    public OrderPaidHandler(WebhookSender sender) => _sender = sender;

    public Task Handle(OrderPaid @event) => _sender.SendAsync(@event.Url);
}
";

        [Fact]
        public async Task LeakInAServiceTheAppHandlerCalls_IsReportedWithThePath()
        {
            var test = VerifyMEM020.CreateTest(EventBus + @"
public sealed class WebhookSender
{
    private readonly HttpClient _client = new HttpClient();

    public async Task SendAsync(string url)
    {
        var response = await {|#0:_client.PostAsync(url, null)|};
        Console.WriteLine(response.StatusCode);
    }
}
", Packages.Of(Packages.RabbitMQ, Packages.Hosting), null, Array.Empty<string>());
            test.ExpectedDiagnostics.Add(new DiagnosticResult("MEM020", DiagnosticSeverity.Warning).WithLocation(0).WithArguments(
                "'HttpResponseMessage' from 'PostAsync'",
                "in 'WebhookSender.SendAsync', called per message from RabbitMQ consumer 'ReceivedAsync' handler in 'EventBus.StartConsuming' via 'OrderPaidHandler.Handle'", "never disposed"));
            test.TestBehaviors |= TestBehaviors.SkipGeneratedCodeCheck;
            await test.RunAsync(CancellationToken.None);
        }

        [Fact]
        public Task SameSenderCalledOnlyFromStartup_IsNotReported()
            => VerifyMEM020.DiagnosticsAsync(EventBus.Replace("_sender.SendAsync(@event.Url)", "Task.CompletedTask") + @"
public sealed class WebhookSender
{
    private readonly HttpClient _client = new HttpClient();

    public async Task SendAsync(string url)
    {
        var response = await _client.PostAsync(url, null);
        Console.WriteLine(response.StatusCode);
    }
}

public sealed class Warmup : Microsoft.Extensions.Hosting.IHostedService
{
    private readonly WebhookSender _sender;
    public Warmup(WebhookSender sender) => _sender = sender;
    public Task StartAsync(System.Threading.CancellationToken cancellationToken) => _sender.SendAsync(""http://localhost/ping"");
    public Task StopAsync(System.Threading.CancellationToken cancellationToken) => Task.CompletedTask;
}
", Packages.Of(Packages.RabbitMQ, Packages.Hosting));

        [Fact]
        public Task ScopedServiceConstructor_SubscribesToAStaticEvent_DisposeFixNotUnsubscribeInFinally()
            => VerifyMEM030.FixAsync(@"
using System;
using Microsoft.Extensions.DependencyInjection;

public static class Metrics
{
    public static event EventHandler<string> Recorded;
}

public sealed class RequestTracker
{
    public RequestTracker()
    {
        {|MEM030:Metrics.Recorded += OnRecorded|};
    }

    private void OnRecorded(object sender, string name) => Console.WriteLine(name);
}

public static class Startup
{
    public static void Configure(IServiceCollection services) => services.AddScoped<RequestTracker>();
}
", @"
using System;
using Microsoft.Extensions.DependencyInjection;

public static class Metrics
{
    public static event EventHandler<string> Recorded;
}

public sealed class RequestTracker : IDisposable
{
    public RequestTracker()
    {
        Metrics.Recorded += OnRecorded;
    }

    private void OnRecorded(object sender, string name) => Console.WriteLine(name);

    public void Dispose()
    {
        Metrics.Recorded -= OnRecorded;
    }
}

public static class Startup
{
    public static void Configure(IServiceCollection services) => services.AddScoped<RequestTracker>();
}
", Packages.Hosting);

        [Fact]
        public Task StaticCollectionAddedToInAReachedHelper_IsReportedWithoutTheScopedFix()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        Audit.Record(context.FireInstanceId);
        return default;
    }
}

public static class Audit
{
    private static readonly List<string> Seen = new List<string>();

    public static void Record(string id) => Stage(id);

    private static void Stage(string id) => {|MEM001:Seen.Add(id)|};
}
", Packages.Quartz);
    }
}
