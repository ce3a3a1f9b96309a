using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM051 in every handler framework the issue lists: Hangfire, Coravel, Quartz, Azure Functions (WebJobs), keys from message data.</summary>
    public class MEM051RecallTests
    {
        [Fact]
        public Task EntriesWithoutExpiration_InHangfireCoravelQuartzAndFunctions_AreFlagged()
            => VerifyMEM051.DiagnosticsAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Coravel.Invocable;
using Hangfire;
using Microsoft.Azure.WebJobs;
using Microsoft.Extensions.Caching.Memory;
using Quartz;

public sealed class InvoiceJob
{
    private readonly IMemoryCache _cache;
    public InvoiceJob(IMemoryCache cache) => _cache = cache;

    [AutomaticRetry(Attempts = 3)]
    public void Render(int invoiceId) => {|MEM051:_cache.Set(""invoice:"" + invoiceId, new byte[16])|};
}

public static class Scheduling
{
    public static void Schedule(int id) => BackgroundJob.Enqueue<InvoiceJob>(job => job.Render(id));
}

public sealed class SyncInvocable : IInvocable, IInvocableWithPayload<string>
{
    private readonly IMemoryCache _cache;
    public SyncInvocable(IMemoryCache cache) => _cache = cache;
    public string Payload { get; set; }
    public Task Invoke() { {|MEM051:_cache.Set(Payload, Payload.Length)|}; return Task.CompletedTask; }
}

public sealed class PriceJob : IJob
{
    private readonly IMemoryCache _cache;
    public PriceJob(IMemoryCache cache) => _cache = cache;
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var sku = context.MergedJobDataMap.GetString(""sku"");
        var price = {|MEM051:_cache.GetOrCreate(sku, entry => 42)|};
        return default;
    }
}

public sealed class Functions
{
    private readonly IMemoryCache _cache;
    public Functions(IMemoryCache cache) => _cache = cache;

    [FunctionName(""Lookup"")]
    public async Task Run(string customerId)
        => await {|MEM051:_cache.GetOrCreateAsync(""customer:"" + customerId, entry => Task.FromResult(customerId.Length))|};
}", Packages.Of(Packages.Caching, Packages.Hosting, Packages.Hangfire, Packages.Coravel, Packages.Quartz, Packages.WebJobs));

        [Fact]
        public Task ConstantKeysAndExpiringEntries_InTheSameFrameworks_AreNotFlagged()
            => VerifyMEM051.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Coravel.Invocable;
using Microsoft.Extensions.Caching.Memory;
using Quartz;

public sealed class SyncInvocable : IInvocable
{
    private readonly IMemoryCache _cache;
    public SyncInvocable(IMemoryCache cache) => _cache = cache;
    public Task Invoke()
    {
        _cache.Set(""last-run"", DateTime.UtcNow);                                        // one entry
        _cache.Set(Guid.NewGuid().ToString(), 1, TimeSpan.FromMinutes(5));               // expires
        return Task.CompletedTask;
    }
}

public sealed class PriceJob : IJob
{
    private readonly IMemoryCache _cache;
    public PriceJob(IMemoryCache cache) => _cache = cache;
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var sku = context.MergedJobDataMap.GetString(""sku"");
        _cache.GetOrCreate(sku, entry => { entry.SlidingExpiration = TimeSpan.FromMinutes(1); return 42; });
        return default;
    }
}", Packages.Of(Packages.Caching, Packages.Hosting, Packages.Coravel, Packages.Quartz));
    }
}
