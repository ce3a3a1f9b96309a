using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM050 broker shape of issue 16: a long-lived RabbitMQ consumer whose channel has no prefetch limit (Info, no fix).</summary>
    public class MEM050PrefetchTests
    {
        private static readonly string[] Rabbit = Packages.Of(Packages.RabbitMQ, Packages.Hosting);

        private const string Head = @"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
";

        [Fact]
        public Task ConsumersWithoutAPrefetchLimit_AreFlagged()
            => VerifyMEM050.DiagnosticsAsync(Head + @"
public sealed class OrderWorker : BackgroundService
{
    private readonly IConnection _connection;
    public OrderWorker(IConnection connection) { _connection = connection; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channel = await _connection.CreateChannelAsync(cancellationToken: stoppingToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (sender, delivery) => await channel.BasicAckAsync(delivery.DeliveryTag, false);
        await {|MEM050:channel.BasicConsumeAsync(""orders"", false, consumer, stoppingToken)|};   // no BasicQosAsync: no limit
        await Task.Delay(Timeout.Infinite, stoppingToken);
    }
}

public sealed class ZeroPrefetch : IHostedService
{
    private readonly IConnection _connection;
    private IChannel? _channel;
    public ZeroPrefetch(IConnection connection) { _connection = connection; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await _channel.BasicQosAsync(0, 0, false, cancellationToken);                  // 0 means unlimited
        var consumer = new AsyncEventingBasicConsumer(_channel);
        await {|MEM050:_channel.BasicConsumeAsync(""invoices"", false, consumer, cancellationToken)|};
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed class AutoAckWorker : BackgroundService
{
    private readonly IChannel _channel;
    public AutoAckWorker(IChannel channel) { _channel = channel; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _channel.BasicQosAsync(0, 10, false, stoppingToken);                     // ignored with autoAck: true
        var consumer = new AsyncEventingBasicConsumer(_channel);
        await {|MEM050:_channel.BasicConsumeAsync(""audit"", autoAck: true, consumer: consumer, cancellationToken: stoppingToken)|};
    }
}", Rabbit);

        [Fact]
        public Task PrefetchLimited_InjectedChannel_ReplyTo_AndPerRequestConsumers_AreNotFlagged()
            => VerifyMEM050.DiagnosticsAsync(Head + @"
using MediatR;

public sealed class Settings { public ushort Prefetch { get; set; } = 32; }

public sealed class LimitedWorker : BackgroundService
{
    private readonly IConnection _connection;
    private readonly Settings _settings;
    public LimitedWorker(IConnection connection, Settings settings) { _connection = connection; _settings = settings; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channel = await _connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await channel.BasicQosAsync(0, 16, false, stoppingToken);
        await channel.BasicConsumeAsync(""orders"", false, new AsyncEventingBasicConsumer(channel), stoppingToken);

        var other = await _connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await other.BasicQosAsync(prefetchSize: 0, prefetchCount: _settings.Prefetch, global: false, cancellationToken: stoppingToken);
        await other.BasicConsumeAsync(""invoices"", false, new AsyncEventingBasicConsumer(other), stoppingToken);
    }
}

// The channel comes from elsewhere: whoever created it may have set the prefetch.
public sealed class InjectedChannelWorker : BackgroundService
{
    private readonly IChannel _channel;
    public InjectedChannelWorker(IChannel channel) { _channel = channel; }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => _channel.BasicConsumeAsync(""orders"", false, new AsyncEventingBasicConsumer(_channel), stoppingToken);
}

public sealed class Ping : IRequest<int> { }

// Direct reply-to requires autoAck, and a consumer per RPC call receives its own replies (MEM030's concern).
public sealed class RpcHandler : IRequestHandler<Ping, int>
{
    private readonly IChannel _channel;
    public RpcHandler(IChannel channel) { _channel = channel; }

    public async Task<int> Handle(Ping request, CancellationToken cancellationToken)
    {
        var consumer = new AsyncEventingBasicConsumer(_channel);
        var tag = await _channel.BasicConsumeAsync(""replies"", true, consumer, cancellationToken);
        await _channel.BasicCancelAsync(tag, false, cancellationToken);
        return 1;
    }
}

public sealed class ReplyListener : BackgroundService
{
    private readonly IChannel _channel;
    public ReplyListener(IChannel channel) { _channel = channel; }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => _channel.BasicConsumeAsync(""amq.rabbitmq.reply-to"", true, new AsyncEventingBasicConsumer(_channel), stoppingToken);
}", Packages.Of(Packages.RabbitMQ, Packages.Hosting, Packages.MediatR));

        [Fact]
        public Task Prefetch_IncompleteCode_DoesNotCrash()
            => VerifyMEM050.NoCrashAsync(Head + @"
public sealed class Broken : BackgroundService
{
    private readonly IConnection _connection;
    public Broken(IConnection connection) { _connection = connection; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channel = await _connection.CreateChannelAsync(;
        await channel.BasicQosAsync(0, );
        await channel.BasicQosAsync();
        await channel.BasicConsumeAsync(""orders"", , stoppingToken);
        await missing.BasicConsumeAsync(""orders"", false, null, stoppingToken);
        await channel.BasicConsumeAsync(
    }
}", Rabbit);
    }
}
