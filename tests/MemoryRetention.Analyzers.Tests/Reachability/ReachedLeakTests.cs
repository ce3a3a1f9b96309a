using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Reachability
{
    /// <summary>
    /// Every per-unit-of-work rule flags its leak where per-unit-of-work code reaches it through calls — one and two
    /// calls deep, four (the depth bound), through an interface implemented in the project, through a DI-registered
    /// implementation, in the constructor of a per-message object, around mutual recursion — and stays silent for the
    /// look-alikes: the same helper called only at startup, five calls deep (a bound hit), an interface with more
    /// implementations than the dispatch cap and no registration, and a helper only recursion calls.
    /// </summary>
    public class ReachedLeakTests
    {
        /// <summary>A rule's leak: the members it needs in the leaking class, and the leaking statements (with markup).</summary>
        public sealed class Leak
        {
            public Leak(string rule, string usings, string members, string body, string[] packages, string extraTypes = "")
            {
                Rule = rule;
                Usings = usings;
                Members = members;
                Body = body;
                Packages = packages;
                ExtraTypes = extraTypes;
            }

            public string Rule { get; }
            public string Usings { get; }
            public string Members { get; }
            public string Body { get; }
            public string[] Packages { get; }
            public string ExtraTypes { get; }

            /// <summary>The body with the markup removed (for look-alikes).</summary>
            public string Plain => System.Text.RegularExpressions.Regex.Replace(Body, @"\{\|MEM\d+:(.*?)\|\}", "$1");
        }

        private static readonly Dictionary<string, Leak> Leaks = new[]
        {
            new Leak("MEM010", "", "", @"var buffer = {|MEM010:new byte[100_000]|};
        Last = buffer;", Verifiers.Packages.Quartz),
            new Leak("MEM011", "", "", @"var payload = new byte[4096];
        {|MEM011:Kept = payload|};", Verifiers.Packages.Quartz),
            new Leak("MEM012", "using System.IO;", "", @"var stream = {|MEM012:new MemoryStream()|};
        stream.WriteByte(1);
        Last = stream.ToArray();", Verifiers.Packages.Quartz),
            new Leak("MEM013", "using System.Buffers;", "", @"var lost = {|MEM013:ArrayPool<byte>.Shared.Rent(4096)|};
        lost[0] = 1;", Verifiers.Packages.Quartz),
            new Leak("MEM020", "using System.IO;", "", @"var stream = {|MEM020:new FileStream(input, FileMode.Open)|};
        stream.ReadByte();", Verifiers.Packages.Quartz),
            new Leak("MEM030", "", "", @"{|MEM030:Metrics.Recorded += (sender, name) => Console.WriteLine(input)|};", Verifiers.Packages.Quartz, @"
public static class Metrics
{
    public static event EventHandler<string> Recorded;
    public static void Record(string name) => Recorded?.Invoke(null, name);
}"),
            new Leak("MEM031", "", "", @"{|MEM031:Shutdown.Stopping.Register(() => Console.WriteLine(input))|};", Verifiers.Packages.Of(Verifiers.Packages.Hosting, Verifiers.Packages.Quartz), @"
public static class Shutdown
{
    public static readonly CancellationTokenSource Source = new CancellationTokenSource();
    public static CancellationToken Stopping => Source.Token;
}"),
            new Leak("MEM032", "", "", @"var linked = {|MEM032:CancellationTokenSource.CreateLinkedTokenSource(token)|};
        Console.WriteLine(linked.Token.IsCancellationRequested);", Verifiers.Packages.Quartz),
            new Leak("MEM033", "", "", @"{|MEM033:new Timer(_ => Console.WriteLine(input), null, 1000, 1000)|};", Verifiers.Packages.Quartz),
            new Leak("MEM051", "using Microsoft.Extensions.Caching.Memory;", "    private static IMemoryCache Cache => Caches.Shared;", @"{|MEM051:Cache.Set(input, 42)|};", Verifiers.Packages.Of(Verifiers.Packages.Caching, Verifiers.Packages.Quartz), @"
public static class Caches
{
    public static IMemoryCache Shared { get; set; }
}"),
        }.ToDictionary(l => l.Rule);

        public static IEnumerable<object[]> Rules => Leaks.Keys.Select(k => new object[] { k });

        private const string Header = @"using System;
using System.Threading;
using System.Threading.Tasks;
using Quartz;
";

        // The leaking class: the leak in a method (or, for constructor shapes, in the constructor).
        private static string Leaky(Leak leak, string body, bool inConstructor = false, string baseList = "") => @"
public sealed class Leaky" + baseList + @"
{
    public static object Last;
    public static byte[] Kept;
" + leak.Members + @"
" + (inConstructor
            ? @"    public Leaky(string input, CancellationToken token)
    {
        " + body + @"
    }

    public Leaky() { }
"
            : @"    public void Leak(string input, CancellationToken token)
    {
        " + body + @"
    }
") + @"}
";

        private static string Source(Leak leak, string types)
        {
            return Header + leak.Usings + "\n" + types + leak.ExtraTypes + "\n";
        }

        private static string Job(string call, string members = "") => @"
public sealed class ReportJob : IJob
{
" + members + @"
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        " + call + @"
        return default;
    }
}
";

        private static Task Verify(Leak leak, string source) => ReachVerify.DiagnosticsAsync(leak.Rule, source, leak.Packages);

        // ---------------------------------------------------------------- flagged where the handler reaches the leak

        [Theory]
        [MemberData(nameof(Rules))]
        public Task OneCallDeep(string rule)
        {
            var leak = Leaks[rule];
            return Verify(leak, Source(leak, Job("new Leaky().Leak(context.FireInstanceId, cancellationToken);") + Leaky(leak, leak.Body)));
        }

        [Theory]
        [MemberData(nameof(Rules))]
        public Task TwoCallsDeep_ThroughAStaticHelper(string rule)
        {
            var leak = Leaks[rule];
            return Verify(leak, Source(leak, Job("Steps.Run(context.FireInstanceId, cancellationToken);") + @"
public static class Steps
{
    public static void Run(string input, CancellationToken token) => new Leaky().Leak(input, token);
}
" + Leaky(leak, leak.Body)));
        }

        [Theory]
        [MemberData(nameof(Rules))]
        public Task FourCallsDeep_TheDepthBound(string rule)
        {
            var leak = Leaks[rule];
            return Verify(leak, Source(leak, Job("Steps.One(context.FireInstanceId, cancellationToken);") + @"
public static class Steps
{
    public static void One(string input, CancellationToken token) => Two(input, token);
    private static void Two(string input, CancellationToken token) => Three(input, token);
    private static void Three(string input, CancellationToken token) => new Leaky().Leak(input, token);
}
" + Leaky(leak, leak.Body)));
        }

        [Theory]
        [MemberData(nameof(Rules))]
        public Task ThroughAnInterfaceImplementedInTheProject(string rule)
        {
            var leak = Leaks[rule];
            return Verify(leak, Source(leak, Job("_leaky.Leak(context.FireInstanceId, cancellationToken);", @"    private readonly ILeaky _leaky;
    public ReportJob(ILeaky leaky) => _leaky = leaky;
") + @"
public interface ILeaky { void Leak(string input, CancellationToken token); }
" + Leaky(leak, leak.Body, baseList: " : ILeaky")));
        }

        [Theory]
        [MemberData(nameof(Rules))]
        public Task ThroughADiRegisteredImplementation_AmongManyImplementations(string rule)
        {
            var leak = Leaks[rule];
            return Verify(leak, Source(leak, Job("_leaky.Leak(context.FireInstanceId, cancellationToken);", @"    private readonly ILeaky _leaky;
    public ReportJob(ILeaky leaky) => _leaky = leaky;
") + @"
public interface ILeaky { void Leak(string input, CancellationToken token); }
" + ManyOtherImplementations + @"
public static class Startup
{
    public static void Configure(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
        => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddScoped<ILeaky, Leaky>(services);
}
" + Leaky(leak, leak.Body, baseList: " : ILeaky")), Verifiers.Packages.Of(leak.Packages, Verifiers.Packages.Hosting));
        }

        [Theory]
        [MemberData(nameof(Rules))]
        public Task InTheConstructorOfAPerMessageObject(string rule)
        {
            var leak = Leaks[rule];
            return Verify(leak, Source(leak, Job("GC.KeepAlive(new Leaky(context.FireInstanceId, cancellationToken));") + Leaky(leak, leak.Body, inConstructor: true)));
        }

        [Theory]
        [MemberData(nameof(Rules))]
        public Task AroundMutualRecursion(string rule)
        {
            var leak = Leaks[rule];
            return Verify(leak, Source(leak, Job("Ping.A(context.FireInstanceId, cancellationToken, 3);") + @"
public static class Ping
{
    public static void A(string input, CancellationToken token, int n) { if (n > 0) B(input, token, n - 1); }
    private static void B(string input, CancellationToken token, int n) { A(input, token, n); new Leaky().Leak(input, token); }
}
" + Leaky(leak, leak.Body)));
        }

        // ---------------------------------------------------------------- look-alikes: silent

        [Theory]
        [MemberData(nameof(Rules))]
        public Task SameHelperCalledOnlyAtStartup(string rule)
        {
            var leak = Leaks[rule];
            return Verify(leak, Source(leak, Job("Console.WriteLine(context.FireInstanceId);") + @"
public sealed class Warmup : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        new Leaky().Leak(""warm-up"", cancellationToken);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
" + Leaky(leak, leak.Plain)), Verifiers.Packages.Of(leak.Packages, Verifiers.Packages.Hosting));
        }

        [Theory]
        [MemberData(nameof(Rules))]
        public Task FiveCallsDeep_BoundHit_Silent(string rule)
        {
            var leak = Leaks[rule];
            return Verify(leak, Source(leak, Job("Steps.One(context.FireInstanceId, cancellationToken);") + @"
public static class Steps
{
    public static void One(string input, CancellationToken token) => Two(input, token);
    private static void Two(string input, CancellationToken token) => Three(input, token);
    private static void Three(string input, CancellationToken token) => Four(input, token);
    private static void Four(string input, CancellationToken token) => new Leaky().Leak(input, token);
}
" + Leaky(leak, leak.Plain)));
        }

        [Theory]
        [MemberData(nameof(Rules))]
        public Task ManyImplementationsWithoutRegistration_BoundHit_Silent(string rule)
        {
            var leak = Leaks[rule];
            return Verify(leak, Source(leak, Job("_leaky.Leak(context.FireInstanceId, cancellationToken);", @"    private readonly ILeaky _leaky;
    public ReportJob(ILeaky leaky) => _leaky = leaky;
") + @"
public interface ILeaky { void Leak(string input, CancellationToken token); }
" + ManyOtherImplementations + Leaky(leak, leak.Plain, baseList: " : ILeaky")));
        }

        [Theory]
        [MemberData(nameof(Rules))]
        public Task HelperOnlyRecursionCalls_Silent(string rule)
        {
            var leak = Leaks[rule];
            return Verify(leak, Source(leak, Job("Console.WriteLine(context.FireInstanceId);") + @"
public static class Loop
{
    public static void Spin(string input, CancellationToken token, int n) { if (n > 0) Spin(input, token, n - 1); new Leaky().Leak(input, token); }
}
" + Leaky(leak, leak.Plain)));
        }

        private static Task Verify(Leak leak, string source, string[] packages) => ReachVerify.DiagnosticsAsync(leak.Rule, source, packages);

        private static readonly string ManyOtherImplementations = string.Concat(Enumerable.Range(1, 9).Select(i =>
            "public sealed class Other" + i + " : ILeaky { public void Leak(string input, CancellationToken token) { } }\n"));
    }
}
