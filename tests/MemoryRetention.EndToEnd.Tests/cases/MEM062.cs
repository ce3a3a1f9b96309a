using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Consumer;

public sealed class Mem062Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var frame = new byte[256];
            var pinned = GCHandle.Alloc(frame, GCHandleType.Pinned); // expect: MEM062
            Marshal.WriteByte(pinned.AddrOfPinnedObject(), 1);
            var buffer = Marshal.AllocHGlobal(frame.Length); // expect: MEM062
            Marshal.Copy(frame, 0, buffer, frame.Length);
            Marshal.FreeHGlobal(buffer);
            await Task.Delay(1000, stoppingToken);
        }
    }
}
