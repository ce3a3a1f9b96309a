using System.Threading.Channels;

namespace Consumer;

public sealed class Mem050Queue
{
    private readonly Channel<string> _orders = Channel.CreateUnbounded<string>(); // expect: MEM050

    public ChannelReader<string> Reader => _orders.Reader;

    public bool TryEnqueue(string order) => _orders.Writer.TryWrite(order);
}
