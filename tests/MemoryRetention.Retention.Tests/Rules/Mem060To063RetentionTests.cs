using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Xml.Serialization;
using MemoryRetention.Retention.Tests.Harness;
using Xunit;
using Xunit.Sdk;

namespace MemoryRetention.Retention.Tests.Rules
{
    /// <summary>
    /// Runtime registries: what the runtime itself keeps after a per-message call. MEM060 counts loaded assemblies
    /// (AppDomain.GetAssemblies), as dotnet-counters' assembly-count would.
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
    }

    public sealed class RetainedOrder
    {
        public int Id { get; set; }
    }
}
