// Shared by every proof program (compiled with each, never fixed; the package must report nothing here).
using System;
using System.Threading;
using Microsoft.Extensions.Caching.Memory;

/// <summary>A clock for MemoryCache that moves a minute every 100 messages, so expiration can be proved without waiting.</summary>
public sealed class SimulatedClock
#pragma warning disable CS0618 // ISystemClock is the clock MemoryCacheOptions takes.
    : Microsoft.Extensions.Internal.ISystemClock
{
    private long _ticks = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    public DateTimeOffset UtcNow => new DateTimeOffset(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Use(MemoryCacheOptions options)
    {
        options.Clock = this;
        options.ExpirationScanFrequency = TimeSpan.FromSeconds(30);
    }
#pragma warning restore CS0618

    /// <summary>Called per message: every 100th message a minute passes.</summary>
    public void Tick(int message)
    {
        if (message % 100 == 0)
        {
            Interlocked.Add(ref _ticks, TimeSpan.FromMinutes(1).Ticks);
        }
    }
}
