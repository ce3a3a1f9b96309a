using Xunit;
using Xunit.Sdk;

namespace MemoryRetention.Retention.Tests.Harness
{
    /// <summary>Assertions with generous margins, so that the results are stable on a busy 2-core CI machine.</summary>
    public static class RetentionAssert
    {
        /// <summary>The flagged form: at least <paramref name="minimumFraction"/> of the tracked objects survive a full GC.</summary>
        public static void KeepsObjectsAlive(RetentionResult result, double minimumFraction = 0.9)
        {
            Assert.True(result.Tracked > 0, "The run tracked nothing: " + result);
            if (result.Alive < result.Tracked * minimumFraction)
            {
                throw new XunitException($"Expected the flagged form to keep at least {minimumFraction:P0} of its objects alive; {result}");
            }
        }

        /// <summary>The fixed form: at most <paramref name="maximumAlive"/> tracked objects survive a full GC.</summary>
        public static void ReleasesObjects(RetentionResult result, int maximumAlive = 2)
        {
            Assert.True(result.Tracked > 0, "The run tracked nothing: " + result);
            if (result.Alive > maximumAlive)
            {
                throw new XunitException($"Expected the fixed form to release its objects (at most {maximumAlive} alive); {result}");
            }
        }

        /// <summary>The GC heap grew by at least <paramref name="minimumBytes"/>.</summary>
        public static void HeapGrows(RetentionResult result, long minimumBytes)
        {
            if (result.HeapGrowthBytes < minimumBytes)
            {
                throw new XunitException($"Expected the heap to grow by at least {minimumBytes:N0} bytes; {result}");
            }
        }

        /// <summary>The GC heap grew by at most <paramref name="maximumBytes"/>.</summary>
        public static void HeapStaysFlat(RetentionResult result, long maximumBytes)
        {
            if (result.HeapGrowthBytes > maximumBytes)
            {
                throw new XunitException($"Expected the heap to stay within {maximumBytes:N0} bytes of where it started; {result}");
            }
        }
    }
}
