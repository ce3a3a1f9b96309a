using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    public class MEM063Tests
    {
        [Fact]
        public Task MEM063_InternOfMessageFileAndRequestData()
            => VerifyMEM063.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Quartz;

public sealed class Trade { public string Symbol { get; set; } public string Trader { get; set; } }

public sealed class TradeConsumer : IConsumer<Trade>
{
    private readonly List<string> _symbols = new List<string>();

    public Task Consume(ConsumeContext<Trade> context)
    {
        var symbol = {|MEM063:string.Intern(context.Message.Symbol)|};
        var trader = {|MEM063:System.String.Intern(context.Message.Trader + "":"" + symbol)|};
        return Task.CompletedTask;
    }
}

public sealed class Importer : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var line in File.ReadLines(""feed.csv""))
            {
                var key = {|MEM063:string.Intern(line.Split(',')[0])|};
            }

            await Task.Delay(1000, stoppingToken);
        }
    }
}

public sealed class TagJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        {|MEM063:string.Intern(context.FireInstanceId)|};
        return default;
    }
}", Packages.Of(Packages.Hosting, Packages.MassTransit, Packages.Quartz));

        [Fact]
        public Task MEM063_LookAlikes_AreNotFlagged()
            => VerifyMEM063.DiagnosticsAsync(@"
using System;
using System.Threading.Tasks;
using MassTransit;

public enum Side { Buy, Sell }

public sealed class Trade { public string Symbol { get; set; } public Side Side { get; set; } public bool Urgent { get; set; } }

public sealed class TradeConsumer : IConsumer<Trade>
{
    private const string Prefix = ""trade:"";
    private static readonly string Queue = ""trades"";

    public Task Consume(ConsumeContext<Trade> context)
    {
        var a = string.Intern(""constant"");
        var b = string.Intern(Prefix + ""buy"");
        var c = string.Intern(Queue);
        var d = string.Intern(context.Message.Side.ToString());                   // an enum's names: a closed set
        var e = string.Intern(context.Message.Urgent ? ""urgent"" : ""normal"");
        var f = string.Intern(context.Message.GetType().Name);                      // the program's types
        var g = string.Intern(nameof(Trade));
        var h = string.IsInterned(context.Message.Symbol);                          // looks up, never adds
        return Task.CompletedTask;
    }
}

public static class NotAHandler
{
    public static string Normalize(string value) => string.Intern(value);
}", Packages.MassTransit);

        [Fact]
        public Task MEM063_Fix_RemovesTheCall_FixAll()
            => VerifyMEM063.FixAsync(@"
using System.Threading.Tasks;
using MassTransit;

public sealed class Trade { public string Symbol { get; set; } public string Trader { get; set; } }

public sealed class TradeConsumer : IConsumer<Trade>
{
    public Task Consume(ConsumeContext<Trade> context)
    {
        var symbol = /* the ticker */ {|MEM063:string.Intern(context.Message.Symbol)|}; // dedupe
        var length = {|MEM063:string.Intern(context.Message.Trader + symbol)|}.Length;
        {|MEM063:string.Intern(symbol)|};
        return Task.CompletedTask;
    }
}", @"
using System.Threading.Tasks;
using MassTransit;

public sealed class Trade { public string Symbol { get; set; } public string Trader { get; set; } }

public sealed class TradeConsumer : IConsumer<Trade>
{
    public Task Consume(ConsumeContext<Trade> context)
    {
        var symbol = /* the ticker */ context.Message.Symbol; // dedupe
        var length = (context.Message.Trader + symbol).Length;
        {|MEM063:string.Intern(symbol)|};
        return Task.CompletedTask;
    }
}", Packages.MassTransit);

        [Fact]
        public Task IncompleteCode_DoesNotCrash()
            => VerifyMEM063.NoCrashAsync(@"
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var a = string.Intern(
            var b = string.Intern(missing.Name);
            string.Intern(a, b);
            var c = string.Intern(stoppingToken.ToString()).
", Packages.Hosting);
    }
}
