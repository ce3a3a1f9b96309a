using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeakyWorker;

/// <summary>Reads orders for the life of the process.</summary>
public sealed class OrderWorker : BackgroundService
{
    private readonly OrderQueue _queue;
    private readonly OrderProcessor _processor;
    private readonly ILogger<OrderWorker> _logger;

    public OrderWorker(OrderQueue queue, OrderProcessor processor, ILogger<OrderWorker> logger)
    {
        _queue = queue;
        _processor = processor;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var order in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            // Each undisposed scope stays on the async-local scope stack of this never-ending loop.
            _logger.BeginScope("order {OrderId}", order.Id); // expect: MEM020

            // Registered on the process-lifetime token, per order, never disposed.
            var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken); // expect: MEM032
            timeout.CancelAfter(TimeSpan.FromSeconds(30));

            var reader = new StreamReader(order.PayloadPath); // expect: MEM020
            var payload = await reader.ReadToEndAsync(timeout.Token);

            // A 256 KiB scratch buffer on the large object heap, for every order.
            var scratch = new byte[256 * 1024]; // expect: MEM010
            System.Text.Encoding.UTF8.GetBytes(payload, 0, Math.Min(payload.Length, 1024), scratch, 0);

            // Registered on the host's stopping token for every order; the callback keeps the order alive.
            stoppingToken.Register(() => _logger.LogWarning("Order {OrderId} interrupted", order.Id)); // expect: MEM031

            await _processor.ProcessAsync(order, payload, timeout.Token);
        }
    }
}
