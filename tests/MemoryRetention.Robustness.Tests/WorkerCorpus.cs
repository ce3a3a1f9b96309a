using System.Collections.Generic;
using System.Text;

namespace MemoryRetention.Robustness.Tests
{
    /// <summary>
    /// Generates realistic worker code — handlers of several frameworks with streams, lambdas, static dictionaries,
    /// events, token registrations, timers, scoped services, channels and caches; flagged and careful forms mixed —
    /// for robustness runs and the benchmark. Deterministic for a given file count.
    /// </summary>
    public static class WorkerCorpus
    {
        /// <summary>The packages the corpus compiles against.</summary>
        public static readonly string[] Packages = MemoryRetention.Analyzers.Tests.Verifiers.Packages.Of(
            MemoryRetention.Analyzers.Tests.Verifiers.Packages.Hosting,
            MemoryRetention.Analyzers.Tests.Verifiers.Packages.Quartz,
            MemoryRetention.Analyzers.Tests.Verifiers.Packages.MassTransit,
            MemoryRetention.Analyzers.Tests.Verifiers.Packages.MediatR,
            MemoryRetention.Analyzers.Tests.Verifiers.Packages.Rebus,
            MemoryRetention.Analyzers.Tests.Verifiers.Packages.Caching,
            MemoryRetention.Analyzers.Tests.Verifiers.Packages.EntityFramework);

        public static IReadOnlyList<(string Path, string Text)> Generate(int files)
        {
            var result = new List<(string, string)>(files + 1) { ("Shared.cs", Shared) };
            for (var i = 0; i < files; i++)
            {
                result.Add(($"Worker{i}.cs", File(i)));
            }

            return result;
        }

        private const string Shared = @"
using System;
using Microsoft.EntityFrameworkCore;

namespace Corpus
{
    public sealed class Order { public int Id { get; set; } public string Customer { get; set; } = """"; }
    public sealed class OrdersDb : DbContext
    {
        public OrdersDb(DbContextOptions<OrdersDb> options) : base(options) { }
        public DbSet<Order> Orders => Set<Order>();
    }
    public static class Metrics
    {
        public static event EventHandler<string>? Recorded;
        public static void Record(string name) => Recorded?.Invoke(null, name);
    }
    public sealed record OrderSubmitted(int Id, string Customer);
    public sealed class Ping : MediatR.IRequest<string> { public int Id { get; set; } }
}
";

        private static string File(int i)
        {
            var b = new StringBuilder();
            b.Append(@"
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using MassTransit;
using MediatR;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Corpus.N").Append(i).Append(@"
{
");
            switch (i % 5)
            {
                case 0:
                    b.Append(@"
    public sealed class Worker : BackgroundService
    {
        private static readonly ConcurrentDictionary<string, string> Names = new();
        private readonly Channel<Order> _queue = Channel.CreateUnbounded<Order>();
        private readonly ILogger<Worker> _logger;
        private readonly IServiceScopeFactory _scopes;
        public Worker(ILogger<Worker> logger, IServiceScopeFactory scopes) { _logger = logger; _scopes = scopes; }

        private static void Remember(string key, string text) => Names[key] = text;

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await foreach (var order in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                _logger.BeginScope(""order {Id}"", order.Id);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var reader = new StreamReader(""orders/"" + order.Id);
                var text = await reader.ReadToEndAsync(timeout.Token);
                Names.TryAdd(order.Customer, text);
                Remember(order.Customer + ""/last"", text);   // a second add site, in another method: the finding must stay at the first
                await using var scope = _scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<OrdersDb>();
                var count = db.Orders.Count(o => o.Customer == order.Customer);
                stoppingToken.Register(() => _logger.LogInformation(""stopping {Id}"", order.Id));
            }
        }
    }
");
                    break;
                case 1:
                    b.Append(@"
    public sealed class ReportJob : IJob
    {
        private static readonly HttpClient Client = new();
        private readonly IMemoryCache _cache;
        public ReportJob(IMemoryCache cache) => _cache = cache;

        public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            using var response = await Client.GetAsync(""http://localhost/report"", cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            _cache.Set(context.FireInstanceId, body);
            var output = File.Create(Path.Combine(Path.GetTempPath(), context.FireInstanceId));
            await output.WriteAsync(new byte[16], cancellationToken);
            Metrics.Recorded += (s, name) => Console.WriteLine(body.Length + name);
            var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
            await ticker.WaitForNextTickAsync(cancellationToken);
        }
    }
");
                    break;
                case 2:
                    b.Append(@"
    public sealed class OrderConsumer : IConsumer<OrderSubmitted>
    {
        private readonly OrdersDb _db;
        public OrderConsumer(OrdersDb db) => _db = db;

        public async Task Consume(ConsumeContext<OrderSubmitted> context)
        {
            using var stream = new MemoryStream();
            var writer = new StreamWriter(stream, leaveOpen: true);
            await writer.WriteAsync(context.Message.Customer);
            await writer.FlushAsync();
            var order = await _db.Orders.FindAsync(context.Message.Id);
            var timer = new Timer(_ => Console.WriteLine(order?.Id), null, 1000, Timeout.Infinite);
            Func<int, int> square = x => x * x;
            var total = Enumerable.Range(0, 10).Select(square).Sum();
        }
    }
");
                    break;
                case 3:
                    b.Append(@"
    public sealed class PingHandler : IRequestHandler<Ping, string>
    {
        private static readonly List<string> Seen = new();
        private readonly ILogger<PingHandler> _logger;
        public PingHandler(ILogger<PingHandler> logger) => _logger = logger;

        public async Task<string> Handle(Ping request, CancellationToken cancellationToken)
        {
            Seen.Add(request.Id.ToString());
            using (_logger.BeginScope(""ping {Id}"", request.Id))
            {
                var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try { await Task.Delay(1, cts.Token); }
                finally { cts.Dispose(); }
            }

            EventHandler<string> handler = (s, n) => _logger.LogInformation(n);
            Metrics.Recorded += handler;
            try { Metrics.Record(""ping""); }
            finally { Metrics.Recorded -= handler; }
            return Seen.Count.ToString();
        }
    }
");
                    break;
                default:
                    b.Append(@"
    public sealed class Pump : BackgroundService
    {
        private readonly IServiceProvider _provider;
        public Pump(IServiceProvider provider) => _provider = provider;

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var scope = _provider.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<OrdersDb>();
            while (!stoppingToken.IsCancellationRequested)
            {
                var pending = db.Orders.Where(o => o.Id > 0).ToList();
                foreach (var order in pending) { await Task.Yield(); }
                await Task.WhenAny(Task.Delay(1000, stoppingToken), Task.Delay(Timeout.Infinite, stoppingToken));
                var other = _provider.GetRequiredService<OrdersDb>();
            }
        }
    }
");
                    break;
            }

            b.Append(@"
    public static class Helpers").Append(i).Append(@"
    {
        public static int Sum(IEnumerable<int> values) => values.Aggregate(0, (a, v) => a + v);
        public static string Describe(object o) => o switch { int n => ""int "" + n, string s => s, _ => o.ToString() ?? """" };
    }
}
");
            return b.ToString();
        }
    }
}
