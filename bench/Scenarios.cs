using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Xml.Linq;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MemoryRetention.Bench
{
    /// <summary>
    /// The inputs of the scenarios users feel: a tiny worker project and an empty class library (the fixed cost per
    /// compilation), a solution of many small projects, and the edit loop. Every call makes a new compilation, as a
    /// build or an edit does; metadata references are shared between them, as the compiler server and the IDE share them.
    /// </summary>
    public static class Scenarios
    {
        private static readonly Lazy<ImmutableArray<MetadataReference>> LazyHosting = new Lazy<ImmutableArray<MetadataReference>>(LoadHosting);

        /// <summary>The .NET reference pack plus Microsoft.Extensions.Hosting and its closure (what <c>dotnet new worker</c> references).</summary>
        public static ImmutableArray<MetadataReference> HostingReferences => LazyHosting.Value;

        private static readonly CSharpParseOptions Parse = new CSharpParseOptions(LanguageVersion.Latest);

        // What the SDK adds to a worker project with ImplicitUsings enabled.
        private const string WorkerGlobalUsings = @"
global using global::Microsoft.Extensions.Configuration;
global using global::Microsoft.Extensions.DependencyInjection;
global using global::Microsoft.Extensions.Hosting;
global using global::Microsoft.Extensions.Logging;
global using global::System;
global using global::System.Collections.Generic;
global using global::System.IO;
global using global::System.Linq;
global using global::System.Net.Http;
global using global::System.Threading;
global using global::System.Threading.Tasks;
";

        private const string TinyWorkerProgram = @"
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddHostedService<Worker>();
builder.Build().Run();

public sealed class Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(1000, stoppingToken);
        }
    }
}
";

        /// <summary>The tiny worker's Program.cs (the SDK adds the global usings of a worker project).</summary>
        public static string TinyWorkerSource => TinyWorkerProgram.TrimStart();

        /// <summary>The 15-line worker of the issue: Host.CreateApplicationBuilder and one BackgroundService.</summary>
        public static Compilation TinyWorker() => CSharpCompilation.Create(
            "TinyWorker",
            new[]
            {
                CSharpSyntaxTree.ParseText(TinyWorkerProgram, Parse, "Program.cs"),
                CSharpSyntaxTree.ParseText(WorkerGlobalUsings, Parse, "TinyWorker.GlobalUsings.g.cs"),
            },
            HostingReferences,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        /// <summary><c>dotnet new classlib</c>: one empty class, the .NET reference pack only.</summary>
        public static Compilation EmptyLibrary() => CSharpCompilation.Create(
            "EmptyLibrary",
            new[] { CSharpSyntaxTree.ParseText("namespace EmptyLibrary;\n\npublic class Class1\n{\n}\n", Parse, "Class1.cs") },
            FrameworkReferences.NetCore,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        /// <summary>
        /// One small project of a many-project solution: <paramref name="files"/> files referencing the hosting
        /// packages — a hosted worker, options, services and plain types, the code of a typical microservice project,
        /// with nothing to report.
        /// </summary>
        public static Compilation SmallProject(int project, int files)
        {
            var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(WorkerGlobalUsings, Parse, "GlobalUsings.g.cs") };
            for (var i = 0; i < files; i++)
            {
                trees.Add(CSharpSyntaxTree.ParseText(SmallProjectFile(project, i), Parse, $"P{project}/File{i}.cs"));
            }

            return CSharpCompilation.Create(
                $"Project{project}",
                trees,
                HostingReferences,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        }

        private static string SmallProjectFile(int project, int i)
        {
            var ns = $"Service{project}";
            switch (i % 5)
            {
                case 0:
                    return $@"
namespace {ns};

public sealed class Worker{i} : BackgroundService
{{
    private readonly ILogger<Worker{i}> _logger;
    private readonly IServiceScopeFactory _scopes;

    public Worker{i}(ILogger<Worker{i}> logger, IServiceScopeFactory scopes)
    {{
        _logger = logger;
        _scopes = scopes;
    }}

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {{
        while (!stoppingToken.IsCancellationRequested)
        {{
            using var scope = _scopes.CreateScope();
            var service = scope.ServiceProvider.GetRequiredService<IOrderService{i + 1}>();
            var count = await service.ProcessAsync(stoppingToken);
            _logger.LogInformation(""Processed {{Count}}"", count);
            await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
        }}
    }}
}}
";
                case 1:
                    return $@"
namespace {ns};

public interface IOrderService{i}
{{
    Task<int> ProcessAsync(CancellationToken cancellationToken);
}}

public sealed class OrderService{i} : IOrderService{i}
{{
    private readonly OrderOptions{i + 1} _options;

    public OrderService{i}(Microsoft.Extensions.Options.IOptions<OrderOptions{i + 1}> options) => _options = options.Value;

    public async Task<int> ProcessAsync(CancellationToken cancellationToken)
    {{
        var total = 0;
        foreach (var item in Enumerable.Range(0, _options.BatchSize))
        {{
            cancellationToken.ThrowIfCancellationRequested();
            total += item % 3 == 0 ? item : 1;
        }}

        await Task.Yield();
        return total;
    }}
}}
";
                case 2:
                    return $@"
namespace {ns};

public sealed class OrderOptions{i}
{{
    public int BatchSize {{ get; set; }} = 100;
    public string Queue {{ get; set; }} = ""orders"";
    public TimeSpan Interval {{ get; set; }} = TimeSpan.FromSeconds(30);
}}

public sealed record Order{i}(int Id, string Customer, decimal Amount)
{{
    public bool IsLarge => Amount > 1000m;
}}
";
                case 3:
                    return $@"
namespace {ns};

public static class ServiceCollectionExtensions{i}
{{
    public static IServiceCollection AddOrders{i}(this IServiceCollection services, IConfiguration configuration)
    {{
        services.Configure<OrderOptions{i - 1}>(configuration.GetSection(""Orders""));
        services.AddScoped<IOrderService{i - 2}, OrderService{i - 2}>();
        services.AddHostedService<Worker{i - 3}>();
        return services;
    }}
}}
";
                default:
                    return $@"
namespace {ns};

public sealed class OrderFormatter{i}
{{
    private readonly System.Text.StringBuilder _builder = new System.Text.StringBuilder();

    public string Format(IEnumerable<(int Id, string Customer)> orders)
    {{
        _builder.Clear();
        foreach (var (id, customer) in orders)
        {{
            _builder.Append(id).Append(':').Append(customer).AppendLine();
        }}

        return _builder.ToString();
    }}

    public static IReadOnlyList<string> Split(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}}
";
            }
        }

        private static ImmutableArray<MetadataReference> LoadHosting()
        {
            var root = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NuGetPackageRoot").Value!;
            var builder = ImmutableArray.CreateBuilder<MetadataReference>();
            builder.AddRange(FrameworkReferences.NetCore);
            var props = XDocument.Load(Path.Combine(AppContext.BaseDirectory, "HostingPackages.props"));
            foreach (var element in props.Descendants("BenchHostingPackage"))
            {
                var id = (string)element.Attribute("Include")!;
                var version = ((string)element.Attribute("Version")!).Trim('[', ']');
                var lib = Path.Combine(root, id.ToLowerInvariant(), version, "lib");
                var folder = new[] { "net10.0", "net9.0", "net8.0", "netstandard2.1", "netstandard2.0" }
                    .Select(tfm => Path.Combine(lib, tfm))
                    .FirstOrDefault(f => Directory.Exists(f) && Directory.EnumerateFiles(f, "*.dll").Any())
                    ?? throw new InvalidOperationException($"{id} {version} is not restored under {lib}; run 'dotnet restore bench'.");
                builder.AddRange(Directory.EnumerateFiles(folder, "*.dll").OrderBy(f => f, StringComparer.Ordinal).Select(f => (MetadataReference)MetadataReference.CreateFromFile(f)));
            }

            return builder.ToImmutable();
        }
    }
}
