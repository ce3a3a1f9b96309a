using System.Threading.Channels;

namespace LeakyWorker;

public sealed record Order(string Id, string Customer, string PayloadPath);

/// <summary>Producers write orders here; the worker reads them.</summary>
public sealed class OrderQueue
{
    // Nothing bounds this queue: a burst of producers becomes permanent memory.
    private readonly Channel<Order> _channel = Channel.CreateUnbounded<Order>();

    public ChannelReader<Order> Reader => _channel.Reader;

    public ValueTask EnqueueAsync(Order order) => _channel.Writer.WriteAsync(order);
}
