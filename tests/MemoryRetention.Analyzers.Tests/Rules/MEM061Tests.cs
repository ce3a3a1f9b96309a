using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    public class MEM061Tests
    {
        private static readonly string[] Scripting = { "Microsoft.CodeAnalysis.CSharp.Scripting", "Microsoft.CodeAnalysis.Scripting.Common", "Microsoft.CodeAnalysis.Common" };

        [Fact]
        public Task MEM061_LoadBytesAndScriptsPerMessage_AreWarnings_VaryingPaths_AreSuggestions()
        {
            var test = VerifyMEM061.CreateTest(@"
using System.IO;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.Extensions.Hosting;
using Quartz;

public sealed class Plugin { public byte[] Image { get; set; } public string Path { get; set; } public string Rule { get; set; } }

public sealed class PluginConsumer : IConsumer<Plugin>
{
    public async Task Consume(ConsumeContext<Plugin> context)
    {
        var loaded = {|#0:Assembly.Load(context.Message.Image)|};
        var fromFile = {|#1:Assembly.LoadFrom(context.Message.Path)|};
        var result = await {|#2:CSharpScript.EvaluateAsync<bool>(context.Message.Rule)|};
    }
}

public sealed class RuleWorker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var rule = File.ReadAllText(""rule.csx"");
            await {|#3:CSharpScript.RunAsync(rule)|};
            {|#4:Assembly.Load(File.ReadAllBytes(""plugin.dll""))|};
            await Task.Delay(1000, stoppingToken);
        }
    }
}

public sealed class PluginJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        {|#5:Assembly.LoadFile(context.MergedJobDataMap.GetString(""path""))|};
        return default;
    }
}", Packages.Of(Packages.Hosting, Packages.MassTransit, Packages.Quartz, Scripting), null, System.Array.Empty<string>());
            test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM061_AssemblyLoadPerUnitOfWork).WithLocation(0).WithArguments("'Assembly.Load'", "in MassTransit consumer 'PluginConsumer.Consume'", "every call adds one more"));
            test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM061_AssemblyLoadPerUnitOfWork).WithLocation(1).WithSeverity(DiagnosticSeverity.Info).WithArguments("'Assembly.LoadFrom'", "in MassTransit consumer 'PluginConsumer.Consume'", "every distinct path adds one more"));
            test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM061_AssemblyLoadPerUnitOfWork).WithLocation(2).WithArguments("'CSharpScript.EvaluateAsync'", "in MassTransit consumer 'PluginConsumer.Consume'", "every call adds one more"));
            test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM061_AssemblyLoadPerUnitOfWork).WithLocation(3).WithArguments("'CSharpScript.RunAsync'", "in every iteration of a worker loop of hosted service 'RuleWorker.ExecuteAsync'", "every call adds one more"));
            test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM061_AssemblyLoadPerUnitOfWork).WithLocation(4).WithArguments("'Assembly.Load'", "in every iteration of a worker loop of hosted service 'RuleWorker.ExecuteAsync'", "every call adds one more"));
            test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM061_AssemblyLoadPerUnitOfWork).WithLocation(5).WithSeverity(DiagnosticSeverity.Info).WithArguments("'Assembly.LoadFile'", "in Quartz job 'PluginJob.Execute'", "every distinct path adds one more"));
            return test.RunAsync(CancellationToken.None);
        }

        [Fact]
        public Task MEM061_LookAlikes_AreNotFlagged()
            => VerifyMEM061.DiagnosticsAsync(@"
using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Hosting;

public sealed class Plugin { public byte[] Image { get; set; } public string Hash { get; set; } }

public sealed class PluginConsumer : IConsumer<Plugin>
{
    private static readonly ConcurrentDictionary<string, Assembly> ByHash = new ConcurrentDictionary<string, Assembly>();
    private const string PluginPath = ""plugins/rules.dll"";

    public Task Consume(ConsumeContext<Plugin> context)
    {
        var cached = ByHash.GetOrAdd(context.Message.Hash, _ => Assembly.Load(context.Message.Image));  // cached by content
        var one = Assembly.LoadFrom(PluginPath);                                                        // one path: loaded once
        var byName = Assembly.Load(""System.Text.Json"");                                                 // by name: resolved once
        var context2 = new AssemblyLoadContext(""plugin"", isCollectible: true);                          // collectible, unloaded
        try
        {
            context2.LoadFromStream(new MemoryStream(context.Message.Image));
        }
        finally
        {
            context2.Unload();
        }

        Expression<Func<int, int>> square = x => x * x;
        var compiled = square.Compile();                                                                // collectible delegate
        return Task.CompletedTask;
    }
}

public sealed class Startup : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var plugin = Assembly.Load(File.ReadAllBytes(""plugin.dll""));                                   // once, before the loop
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(1000, stoppingToken);
        }
    }
}

public static class NotAHandler
{
    public static Assembly Load(byte[] image) => Assembly.Load(image);
}", Packages.Of(Packages.Hosting, Packages.MassTransit));

        [Fact]
        public Task MEM061_WithoutTheScriptingPackage_OnlyAssemblyLoadsAreSeen()
            => VerifyMEM061.DiagnosticsAsync(@"
using System.Reflection;
using System.Threading.Tasks;
using MassTransit;

namespace Microsoft.CodeAnalysis.CSharp.Scripting
{
    // A look-alike of the project's own, not the Roslyn scripting package: not a script evaluation.
    public static class CSharpScript
    {
        public static Task<object> EvaluateAsync(string code) => Task.FromResult<object>(code);
    }
}

public sealed class Plugin { public byte[] Image { get; set; } public string Rule { get; set; } }

public sealed class PluginConsumer : IConsumer<Plugin>
{
    public async Task Consume(ConsumeContext<Plugin> context)
    {
        await Microsoft.CodeAnalysis.CSharp.Scripting.CSharpScript.EvaluateAsync(context.Message.Rule);
        {|MEM061:Assembly.Load(context.Message.Image)|};
    }
}", Packages.MassTransit);

        [Fact]
        public Task IncompleteCode_DoesNotCrash()
            => VerifyMEM061.NoCrashAsync(@"
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.Extensions.Hosting;

public sealed class Poller : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Assembly.Load(
            Assembly.LoadFrom(missing);
            await CSharpScript.EvaluateAsync(
            var a = Assembly.Load(new byte[] { 
", Packages.Of(Packages.Hosting, Scripting));
    }
}
