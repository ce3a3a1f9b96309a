using System.Linq;
using System.Threading.Tasks;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace MemoryRetention.Robustness.Tests
{
    /// <summary>
    /// The registration index binds every DI registration call of the compilation. On a small project that was the
    /// largest cost of MEM040 (the first constructor-injected class built it, to ask whether 'ILogger&lt;T&gt;' is
    /// registered as scoped). A syntax-only check (does any registration write the type's name?) comes first now:
    /// counted here by the registration calls bound, never timed.
    /// </summary>
    public class RegistrationIndexCostTests
    {
        private readonly ITestOutputHelper _output;

        public RegistrationIndexCostTests(ITestOutputHelper output) => _output = output;

        private const string Worker = @"
using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Small;

public interface IOrderService { Task<int> ProcessAsync(CancellationToken cancellationToken); }
public sealed class OrderService : IOrderService
{
    private readonly ILogger<OrderService> _logger;
    public OrderService(ILogger<OrderService> logger) => _logger = logger;
    public Task<int> ProcessAsync(CancellationToken cancellationToken) => Task.FromResult(1);
}

public sealed class Worker : BackgroundService
{
    private readonly ILogger<Worker> _logger;
    private readonly IServiceScopeFactory _scopes;
    private readonly DEPENDENCY _dependency;
    public Worker(ILogger<Worker> logger, IServiceScopeFactory scopes, DEPENDENCY dependency) { _logger = logger; _scopes = scopes; STORE }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await using var scope = _scopes.CreateAsyncScope();
            var orders = scope.ServiceProvider.GetRequiredService<IOrderService>();
            await orders.ProcessAsync(stoppingToken);
            await Task.Delay(1000, stoppingToken);
        }
    }
}

public sealed class Clock { public DateTime Now => DateTime.UtcNow; }
";

        private const string Startup = @"
using Microsoft.Extensions.DependencyInjection;

namespace Small;

public static class Startup
{
    public static IServiceCollection AddOrders(this IServiceCollection services)
    {
        services.AddScoped<IOrderService, OrderService>();
        services.AddHostedService<Worker>();
        return services;
    }
}
";

        private static async Task<(long Bound, Diagnostic[] Mem040)> AnalyzeAsync(string dependency, string store)
        {
            var compilation = Runner.Compile(new[] { ("Worker.cs", Worker.Replace("DEPENDENCY", dependency).Replace("STORE", store)), ("Startup.cs", Startup) });
            var result = await Runner.AnalyzeAsync(compilation);
            Assert.Empty(result.Exceptions);
            var bound = WorkCounters.Of(compilation.SyntaxTrees.Single(t => t.FilePath == "Startup.cs")).RegistrationCallsBound;
            return (bound, result.Diagnostics.Where(d => d.Id == "MEM040").ToArray());
        }

        [Fact]
        public async Task ConstructorsWhoseParametersNoRegistrationNames_BindNoRegistrationCall()
        {
            // Every rule runs; the hosted service's constructor takes a logger, a scope factory and a clock, none of which
            // a registration names: nothing needs to know how the compilation registers them.
            var quiet = await AnalyzeAsync("Clock", "_dependency = dependency;");
            _output.WriteLine($"unnamed parameters: {quiet.Bound} registration calls bound, {quiet.Mem040.Length} MEM040");
            Assert.Empty(quiet.Mem040);
            Assert.Equal(0, quiet.Bound);

            // The control: a parameter a scoped registration names is found, so the index is built and the captive reported.
            var captive = await AnalyzeAsync("IOrderService", "_dependency = dependency;");
            _output.WriteLine($"a registered parameter: {captive.Bound} registration calls bound, {captive.Mem040.Length} MEM040");
            Assert.Equal(2, captive.Bound);
            Assert.Single(captive.Mem040);
        }
    }
}
