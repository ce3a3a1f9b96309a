using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Xml.Serialization;
using MemoryRetention.Retention.Tests.Harness;
using Xunit;
using Xunit.Sdk;

namespace MemoryRetention.Retention.Tests.Rules
{
    /// <summary>
    /// Runtime registries: what the runtime itself keeps after a per-message call. MEM060 counts loaded assemblies
    /// (AppDomain.GetAssemblies), as dotnet-counters' assembly-count would; MEM062 counts messages kept alive by GC
    /// handles and the working set that unfreed native blocks add (the GC heap does not see them).
    /// </summary>
    public class Mem060To063RetentionTests
    {
        // ---------------------------------------------------------------- MEM060

        private const int Serializers = 200;

        private static readonly XmlSerializer OrderSerializer = new XmlSerializer(typeof(RetainedOrder), new XmlRootAttribute("order"));

        [Fact]
        public void MEM060_Flagged_SerializerWithRootPerMessage_LoadsAnAssemblyPerMessage()
        {
            var growth = AssemblyGrowth(() => SerializeWithNewSerializer(new RetainedOrder { Id = 1 }));
            if (growth < Serializers * 0.9)
            {
                throw new XunitException($"Expected about one new assembly per serializer; {Serializers} serializers loaded {growth}.");
            }
        }

        [Fact]
        public void MEM060_Fixed_StaticReadonlySerializer_LoadsNothingPerMessage()
        {
            SerializeWithStaticSerializer(new RetainedOrder { Id = 1 }); // warm-up: the one assembly of the static serializer
            var growth = AssemblyGrowth(() => SerializeWithStaticSerializer(new RetainedOrder { Id = 1 }));
            Assert.True(growth <= 1, $"Expected no new assemblies with one static serializer; {Serializers} messages loaded {growth}.");
        }

        private static int AssemblyGrowth(Action message)
        {
            RetentionHarness.ForceFullCollection();
            var before = AppDomain.CurrentDomain.GetAssemblies().Length;
            for (var i = 0; i < Serializers; i++)
            {
                message();
            }

            RetentionHarness.ForceFullCollection();
            return AppDomain.CurrentDomain.GetAssemblies().Length - before;
        }

        // The flagged form (MEM060).
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static string SerializeWithNewSerializer(RetainedOrder order)
        {
            var writer = new StringWriter();
            var serializer = new XmlSerializer(typeof(RetainedOrder), new XmlRootAttribute("order"));
            serializer.Serialize(writer, order);
            return writer.ToString();
        }

        // The form the code fix produces: the same creation in a static readonly field.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static string SerializeWithStaticSerializer(RetainedOrder order)
        {
            var writer = new StringWriter();
            var serializer = OrderSerializer;
            serializer.Serialize(writer, order);
            return writer.ToString();
        }

        // ---------------------------------------------------------------- MEM061

        private const int Loads = 100;

        // A small real assembly to load as bytes: the one that holds RetentionHarness (this test assembly).
        private static readonly byte[] PluginImage = File.ReadAllBytes(typeof(RetentionHarness).Assembly.Location);

        [Fact]
        public void MEM061_Flagged_AssemblyLoadOfBytesPerMessage_LoadsAnAssemblyPerMessage()
        {
            RetentionHarness.ForceFullCollection();
            var before = AppDomain.CurrentDomain.GetAssemblies().Length;
            for (var i = 0; i < Loads; i++)
            {
                LoadPluginIntoDefault();
            }

            RetentionHarness.ForceFullCollection();
            var growth = AppDomain.CurrentDomain.GetAssemblies().Length - before;
            if (growth < Loads * 0.9)
            {
                throw new XunitException($"Expected one more loaded assembly per Assembly.Load(byte[]); {Loads} loads added {growth}.");
            }
        }

        [Fact]
        public void MEM061_Fixed_CollectibleContextUnloaded_LoadsNothingThatStays()
        {
            RetentionHarness.ForceFullCollection();
            var before = AppDomain.CurrentDomain.GetAssemblies().Length;
            var contexts = new WeakReference[Loads];
            for (var i = 0; i < Loads; i++)
            {
                contexts[i] = LoadPluginIntoCollectibleContext();
            }

            for (var attempt = 0; attempt < 10 && Array.Exists(contexts, c => c.IsAlive); attempt++)
            {
                RetentionHarness.ForceFullCollection();
            }

            var growth = AppDomain.CurrentDomain.GetAssemblies().Length - before;
            Assert.True(growth <= 2, $"Expected the unloaded contexts' assemblies to be gone; {Loads} loads left {growth}.");
        }

        // The flagged form (MEM061).
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int LoadPluginIntoDefault()
        {
            var plugin = System.Reflection.Assembly.Load(PluginImage);
            return plugin.GetName().Name!.Length;
        }

        // The hand-written fix the page describes: a collectible context, unloaded after use.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static WeakReference LoadPluginIntoCollectibleContext()
        {
            var context = new AssemblyLoadContext("plugin", isCollectible: true);
            try
            {
                var plugin = context.LoadFromStream(new MemoryStream(PluginImage));
                GC.KeepAlive(plugin.GetName().Name);
            }
            finally
            {
                context.Unload();
            }

            return new WeakReference(context);
        }

        // ---------------------------------------------------------------- MEM062

        private const int Messages = 2_000;
        private const int NativeBlocks = 1_000;
        private const int BlockBytes = 64 * 1024;

        // What the flagged forms leaked, freed after each measurement so that later tests start clean.
        private static readonly List<GCHandle> LeakedHandles = new List<GCHandle>();
        private static readonly List<IntPtr> LeakedBlocks = new List<IntPtr>();

        [Fact]
        public void MEM062_Flagged_HandleNeverFreed_KeepsEveryMessage()
        {
            try
            {
                var result = RetentionHarness.Measure(Messages, tracker => PinAndForget(tracker));
                RetentionAssert.KeepsObjectsAlive(result);
            }
            finally
            {
                LeakedHandles.ForEach(h => h.Free());
                LeakedHandles.Clear();
            }
        }

        [Fact]
        public void MEM062_Fixed_HandleFreedInFinally_KeepsNothing()
        {
            var result = RetentionHarness.Measure(Messages, tracker => PinAndFree(tracker));
            RetentionAssert.ReleasesObjects(result);
        }

        [Fact]
        public void MEM062_Flagged_NativeBlockFreedOutsideFinally_GrowsTheWorkingSet()
        {
            try
            {
                var growth = WorkingSetGrowth(i => CopyFreeOutsideFinally(i));
                var leakedBytes = (long)NativeBlocks / 2 * BlockBytes;
                Assert.True(growth > leakedBytes / 2, $"Expected the working set to grow by about {leakedBytes:N0} bytes (every second message throws before the free); it grew by {growth:N0}.");
            }
            finally
            {
                LeakedBlocks.ForEach(Marshal.FreeHGlobal);
                LeakedBlocks.Clear();
            }
        }

        [Fact]
        public void MEM062_Fixed_NativeBlockFreedInFinally_KeepsTheWorkingSetFlat()
        {
            var growth = WorkingSetGrowth(i => CopyFreeInFinally(i));
            var wouldLeak = (long)NativeBlocks / 2 * BlockBytes;
            Assert.True(growth < wouldLeak / 4, $"Expected a flat working set with the free in finally; it grew by {growth:N0} bytes.");
        }

        private static long WorkingSetGrowth(Action<int> message)
        {
            RetentionHarness.ForceFullCollection();
            var before = Environment.WorkingSet;
            for (var i = 0; i < NativeBlocks; i++)
            {
                try
                {
                    message(i);
                }
                catch (InvalidDataException)
                {
                    // a malformed message: the handler fails, the worker goes on
                }
            }

            RetentionHarness.ForceFullCollection();
            return Environment.WorkingSet - before;
        }

        // The flagged form (MEM062, never freed): a Normal handle roots the message.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void PinAndForget(Tracker tracker)
        {
            var message = tracker.Track(new byte[256]);
            var handle = GCHandle.Alloc(message);
            LeakedHandles.Add(handle); // bookkeeping for the test's cleanup only
        }

        // The form the code fix produces.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void PinAndFree(Tracker tracker)
        {
            var message = tracker.Track(new byte[256]);
            var handle = GCHandle.Alloc(message, GCHandleType.Pinned);
            try
            {
                Marshal.WriteByte(handle.AddrOfPinnedObject(), 1);
            }
            finally
            {
                handle.Free();
            }
        }

        // The flagged form (MEM062, freed outside finally): every malformed message throws before the free.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void CopyFreeOutsideFinally(int message)
        {
            var buffer = Marshal.AllocHGlobal(BlockBytes);
            LeakedBlocks.Add(buffer); // bookkeeping for the test's cleanup only
            Fill(buffer, message);
            Marshal.FreeHGlobal(buffer);
            LeakedBlocks.Remove(buffer);
        }

        // The form the code fix produces.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void CopyFreeInFinally(int message)
        {
            var buffer = Marshal.AllocHGlobal(BlockBytes);
            try
            {
                Fill(buffer, message);
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
            }
        }

        private static readonly byte[] Payload = CreatePayload();

        private static byte[] CreatePayload()
        {
            var payload = new byte[BlockBytes];
            Array.Fill(payload, (byte)1);
            return payload;
        }

        private static void Fill(IntPtr buffer, int message)
        {
            Marshal.Copy(Payload, 0, buffer, BlockBytes); // touch every page, so it counts in the working set
            if (message % 2 == 1)
            {
                throw new InvalidDataException("malformed message");
            }
        }

        // ---------------------------------------------------------------- MEM063

        [Fact]
        public void MEM063_Flagged_InternOfMessageData_KeepsEveryDistinctValue()
        {
            var result = RetentionHarness.Measure(Messages, tracker => InternMessageField(tracker));
            RetentionAssert.KeepsObjectsAlive(result);
        }

        [Fact]
        public void MEM063_Fixed_CallRemoved_KeepsNothing()
        {
            var result = RetentionHarness.Measure(Messages, tracker => UseMessageField(tracker));
            RetentionAssert.ReleasesObjects(result);
        }

        // The flagged form (MEM063): a distinct value per message, interned. Each run of the test uses fresh values
        // (a new Guid), so a value interned by an earlier run cannot be the one tracked here.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int InternMessageField(Tracker tracker)
        {
            var symbol = tracker.Track(Guid.NewGuid().ToString("N"));
            return string.Intern(symbol).Length;
        }

        // The form the code fix produces: the call removed.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int UseMessageField(Tracker tracker)
        {
            var symbol = tracker.Track(Guid.NewGuid().ToString("N"));
            return symbol.Length;
        }
    }

    public sealed class RetainedOrder
    {
        public int Id { get; set; }
    }
}
