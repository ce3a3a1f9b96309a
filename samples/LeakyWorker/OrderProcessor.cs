using System.Collections.Concurrent;

namespace LeakyWorker;

/// <summary>Per-order work, called by the worker loop: the package follows the call (reachability) and reports these too.</summary>
public sealed class OrderProcessor
{
    // Grows with every customer ever seen; nothing removes from it.
    private static readonly ConcurrentDictionary<string, string> CustomerNames = new();

    public static event EventHandler<string>? OrderProcessed;

    public async Task ProcessAsync(Order order, string payload, CancellationToken cancellationToken)
    {
        CustomerNames.TryAdd(order.Customer, order.Customer.ToUpperInvariant()); // expect: MEM001

        // 1 MiB per order on the large object heap.
        var buffer = new byte[1024 * 1024]; // expect: MEM010
        var written = System.Text.Encoding.UTF8.GetBytes(payload, 0, Math.Min(payload.Length, 1024), buffer, 0);

        var audit = File.AppendText("audit.log"); // expect: MEM020
        await audit.WriteLineAsync($"{order.Id}: {written} bytes");

        OrderProcessed?.Invoke(this, order.Id);
    }
}
