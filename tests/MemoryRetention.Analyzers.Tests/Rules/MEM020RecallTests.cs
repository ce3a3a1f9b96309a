using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM020 shapes of issue 16: using over an assignment, out parameters, factories of the compilation, partial disposal, task-wrapped creations, connections.</summary>
    public class MEM020RecallTests
    {
        // ---------------------------------------------------------------- using over an assignment

        [Fact]
        public Task UsingStatementOverAnAssignment_IsDisposing()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Threading.Tasks;
using MassTransit;

public sealed record Msg(string Path);

public sealed class Consumer : IConsumer<Msg>
{
    public async Task Consume(ConsumeContext<Msg> context)
    {
        FileStream stream;
        using (stream = new FileStream(context.Message.Path, FileMode.Open))
        {
            await stream.FlushAsync();
        }

        StreamReader reader = null;
        using (reader = File.OpenText(context.Message.Path))
        {
            await reader.ReadLineAsync();
        }
    }
}", Packages.MassTransit);

        [Fact]
        public Task AssignmentWithoutUsing_IsFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Threading.Tasks;
using MassTransit;

public sealed record Msg(string Path);

public sealed class Consumer : IConsumer<Msg>
{
    public async Task Consume(ConsumeContext<Msg> context)
    {
        FileStream stream;
        stream = {|MEM020:new FileStream(context.Message.Path, FileMode.Open)|};
        await stream.FlushAsync();
    }
}", Packages.MassTransit);

        // ---------------------------------------------------------------- out parameters

        private const string OutFactory = @"
    private static bool TryOpen(string path, out Stream stream)
    {
        if (!File.Exists(path))
        {
            stream = null;
            return false;
        }

        stream = File.OpenRead(path);
        return true;
    }
";

        [Fact]
        public Task OutParameterOfANewObject_NeverDisposed_IsFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Threading.Tasks;
using MassTransit;

public sealed record Msg(string Path);

public sealed class Consumer : IConsumer<Msg>
{
    public async Task Consume(ConsumeContext<Msg> context)
    {
        if (TryOpen(context.Message.Path, {|MEM020:out var stream|}))
        {
            await stream.FlushAsync();
        }
    }
" + OutFactory + "}", Packages.MassTransit);

        [Fact]
        public Task OutParameter_DisposedOrHandedOn_OrNotANewObject_IsNotFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using MassTransit;

public sealed record Msg(string Path);

public sealed class Consumer : IConsumer<Msg>
{
    private static readonly Stream Shared = new MemoryStream();
    private readonly List<Stream> _kept = new List<Stream>();

    public async Task Consume(ConsumeContext<Msg> context)
    {
        if (TryOpen(context.Message.Path, out var first))
        {
            using (first) { await first.FlushAsync(); }
        }

        if (TryOpen(context.Message.Path, out var second))
        {
            await second.FlushAsync();
            second.Dispose();
        }

        if (TryOpen(context.Message.Path, out var third))
        {
            _kept.Add(third);
        }

        TryGetShared(out var shared);       // hands out a shared instance: not the caller's
        await shared.FlushAsync();
    }

    private static bool TryGetShared(out Stream stream)
    {
        stream = Shared;
        return true;
    }
" + OutFactory + "}", Packages.MassTransit);

        // ---------------------------------------------------------------- factories of the compilation

        [Fact]
        public Task FactoryMethodPropertyAndAsyncFactory_OfTheCompilation_AreFollowed()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using MediatR;

public sealed record Export(string Path) : IRequest<string>;

public sealed class ExportHandler : IRequestHandler<Export, string>
{
    public async Task<string> Handle(Export request, CancellationToken cancellationToken)
    {
        var reader = {|MEM020:OpenReader(request.Path)|};
        var header = await reader.ReadLineAsync();
        var log = {|MEM020:LogFile|};
        log.WriteByte(1);
        var archive = await {|MEM020:OpenArchiveAsync(request.Path)|};
        archive.WriteByte(2);
        {|MEM020:Chained(request.Path)|}.ReadByte();
        return header;
    }

    private static StreamReader OpenReader(string path)
    {
        var reader = new StreamReader(path);
        reader.Peek();
        return reader;
    }

    private static FileStream LogFile => new FileStream(""log.txt"", FileMode.Append);

    private static async Task<Stream> OpenArchiveAsync(string path)
    {
        await Task.Yield();
        return path.Length > 0 ? File.OpenRead(path) : null;
    }

    private static Stream Chained(string path) => OpenFile(path);

    private static Stream OpenFile(string path) => new FileStream(path, FileMode.Open);
}", Packages.MediatR);

        [Fact]
        public Task MethodsThatDoNotHandOverANewObject_AreNotFollowed()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using MediatR;

public sealed record Export(string Path) : IRequest<string>;

public class ExportHandler : IRequestHandler<Export, string>
{
    private readonly Stream _log = new MemoryStream();
    private readonly List<Stream> _open = new List<Stream>();
    private Stream _cached;

    public async Task<string> Handle(Export request, CancellationToken cancellationToken)
    {
        Shared().WriteByte(1);
        Cached(request.Path).WriteByte(1);
        Tracked(request.Path).WriteByte(1);
        Overridable(request.Path).WriteByte(1);
        Recursive(3).WriteByte(1);
        Log.WriteByte(1);
        using var fine = OpenFile(request.Path);
        await fine.FlushAsync(cancellationToken);
        return string.Empty;
    }

    private Stream Shared() => _log;

    private Stream Cached(string path) => _cached ??= new FileStream(path, FileMode.Open);

    private Stream Tracked(string path)
    {
        var stream = new FileStream(path, FileMode.Open);
        _open.Add(stream);
        return stream;
    }

    protected virtual Stream Overridable(string path) => new FileStream(path, FileMode.Open);

    private Stream Recursive(int n) => n == 0 ? _log : Recursive(n - 1);

    private Stream Log => _log;

    private static Stream OpenFile(string path) => new FileStream(path, FileMode.Open);
}", Packages.MediatR);

        [Fact]
        public Task HelperReturningAReader_DroppedByTheCaller_InAWolverineHandler_IsFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Threading.Tasks;

public sealed record Import(string Path);

public static class ImportHandler
{
    public static async Task Handle(Import message)
    {
        var line = await {|MEM020:Readers.Open(message.Path)|}.ReadLineAsync();
    }
}

public static class Readers
{
    public static StreamReader Open(string path) => new StreamReader(File.OpenRead(path));
}", Packages.Wolverine);

        // ---------------------------------------------------------------- disposal on some paths only

        [Fact]
        public Task EarlyReturnOrContinueBeforeDispose_IsFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Quartz;

public sealed class ReportJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var stream = {|MEM020:new FileStream(""report.csv"", FileMode.Open)|};
        if (stream.Length == 0)
        {
            return;
        }

        await stream.FlushAsync(cancellationToken);
        stream.Dispose();
    }
}

public sealed class Importer : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var reader = {|MEM020:new StreamReader(""inbox.txt"")|};
            var line = await reader.ReadLineAsync();
            if (line is null)
            {
                continue;
            }

            reader.Dispose();
        }
    }
}", Packages.Of(Packages.Quartz, Packages.Hosting));

        [Fact]
        public Task EarlyExitsThatDisposeFirst_OrStayInsideTheScope_AreNotFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var first = new FileStream(""a"", FileMode.Open);
        if (first.Length == 0)
        {
            first.Dispose();
            return;
        }

        foreach (var name in new[] { ""x"", ""y"" })
        {
            if (name == ""x"")
            {
                continue;                       // stays inside the scope of 'first'
            }
        }

        await first.FlushAsync(cancellationToken);
        first.Dispose();

        var second = new FileStream(""b"", FileMode.Open);
        try
        {
            if (second.Length == 0)
            {
                return;
            }
        }
        finally
        {
            second.Dispose();
        }

        var third = new FileStream(""c"", FileMode.Open);
        System.Func<int> local = () => { return 1; }; // a lambda's return is not this method's
        third.Dispose();
    }
}", Packages.Quartz);

        [Fact]
        public Task ExceptionPathBeforeDispose_IsInfoBehindTheOption()
        {
            const string source = @"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var stream = {|#0:new FileStream(""report.csv"", FileMode.Open)|};
        await stream.FlushAsync(cancellationToken);
        stream.Dispose();

        var guarded = new FileStream(""other.csv"", FileMode.Open);
        try
        {
            await guarded.FlushAsync(cancellationToken);
        }
        catch
        {
            guarded.Dispose();
            throw;
        }

        guarded.Dispose();
    }
}";
            var quiet = VerifyMEM020.CreateTest(source.Replace("{|#0:", string.Empty).Replace(")|}", ")"), Packages.Quartz, null, System.Array.Empty<string>());
            var loud = VerifyMEM020.CreateTest(source, Packages.Quartz, "memory_retention.MEM020.report_exception_paths = true", System.Array.Empty<string>());
            loud.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.MEM020_UndisposedHandlerDisposable).WithLocation(0)
                .WithSeverity(DiagnosticSeverity.Info)
                .WithArguments("'FileStream'", "in Quartz job 'ReportJob.Execute'", "not disposed when line 12 throws before the 'Dispose' call"));
            return Task.WhenAll(quiet.RunAsync(), loud.RunAsync());
        }

        [Fact]
        public Task Fix_EarlyReturn_AddsUsingAndKeepsTheExplicitDispose()
            => VerifyMEM020.FixAsync(@"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var stream = {|MEM020:new FileStream(""report.csv"", FileMode.Open)|};
        if (stream.Length == 0)
        {
            return;
        }

        await stream.FlushAsync(cancellationToken);
        stream.Dispose(); // released before the move
        File.Move(""report.csv"", ""done.csv"");
    }
}", @"
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Quartz;

public sealed class ReportJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(""report.csv"", FileMode.Open);
        if (stream.Length == 0)
        {
            return;
        }

        await stream.FlushAsync(cancellationToken);
        stream.Dispose(); // released before the move
        File.Move(""report.csv"", ""done.csv"");
    }
}", Packages.Quartz);

        // ---------------------------------------------------------------- ambiguous ownership: leaveOpen, callees that do not keep

        [Fact]
        public Task WrapperWithLeaveOpen_OrACalleeThatDoesNotKeepIt_LeavesTheObjectWithTheCaller()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Text;
using System.Threading.Tasks;
using MassTransit;

public sealed record Msg(string Path);

public sealed class Checksum
{
    private long _total;
    public Checksum(Stream stream) { if (stream != null) { _total = stream.Length; } }   // reads it, keeps nothing
    public long Total => _total;
}

public sealed class Consumer : IConsumer<Msg>
{
    public async Task Consume(ConsumeContext<Msg> context)
    {
        var file = {|MEM020:File.OpenRead(context.Message.Path)|};
        using (var reader = new StreamReader(file, Encoding.UTF8, false, 1024, leaveOpen: true))   // the reader leaves it open
        {
            await reader.ReadLineAsync();
        }

        var measured = {|MEM020:new FileStream(context.Message.Path, FileMode.Open)|};
        var checksum = new Checksum(measured);

        var copied = {|MEM020:File.OpenRead(context.Message.Path)|};
        Copy(copied);
        var length = Measure({|MEM020:File.OpenRead(context.Message.Path)|});
    }

    private static void Copy(Stream source) => source.CopyTo(Stream.Null);   // a library method that only reads it

    private static long Measure(Stream source) => source.Length;
}", Packages.MassTransit);

        [Fact]
        public Task WrapperThatOwnsIt_OrACalleeThatKeepsOrDisposesIt_TakesOwnership()
            => VerifyMEM020.DiagnosticsAsync(@"
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using MassTransit;

public sealed record Msg(string Path);

public sealed class Keeper : IDisposable
{
    private readonly Stream _stream;
    public Keeper(Stream stream) { _stream = stream; }
    public void Dispose() => _stream.Dispose();
}

public sealed class Forwarder
{
    public Forwarder(Stream stream) : this(stream, 1) { }
    public Forwarder(Stream stream, int weight) { Registry.Open.Add(stream); }
}

public sealed class Later(Stream stream)                                 // a primary constructor captures it
{
    public long Length => stream.Length;
}

public static class Registry
{
    public static readonly List<Stream> Open = new List<Stream>();
}

public sealed class Consumer : IConsumer<Msg>
{
    private Func<long>? _pending;

    public Task Consume(ConsumeContext<Msg> context)
    {
        var path = context.Message.Path;
        using (var reader = new StreamReader(File.OpenRead(path), Encoding.UTF8, false, 1024, leaveOpen: false)) { }
        using var keeper = new Keeper(File.OpenRead(path));
        var forwarder = new Forwarder(File.OpenRead(path));
        var later = new Later(File.OpenRead(path));
        Close(File.OpenRead(path));
        Capture(File.OpenRead(path));
        Store(File.OpenRead(path));
        Hand(File.OpenRead(path));
        return Task.CompletedTask;
    }

    private static void Close(Stream stream) => stream.Dispose();
    private void Capture(Stream stream) => _pending = () => stream.Length;
    private static void Store(Stream stream) => Registry.Open.Add(stream);
    private static void Hand(Stream stream) => Store(stream);
}", Packages.MassTransit);

        // ---------------------------------------------------------------- task-wrapped creations

        [Fact]
        public Task TaskRunAndFromResult_OfANewObject_Awaited_AreFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Threading.Tasks;
using Rebus.Handlers;

public sealed class Ping { }

public sealed class PingHandler : IHandleMessages<Ping>
{
    public async Task Handle(Ping message)
    {
        var first = await {|MEM020:Task.Run(() => new FileStream(""a"", FileMode.Open))|};
        first.WriteByte(1);
        var second = await {|MEM020:Task.FromResult(File.OpenRead(""b""))|};
        second.ReadByte();
        using var third = await Task.Run(() => File.OpenRead(""c""));
        var pending = Task.Run(() => File.OpenRead(""d""));   // the task is kept, not awaited here
        await Keep(pending);
    }

    private static Task Keep(Task<FileStream> task) => task;
}", Packages.Rebus);

        // ---------------------------------------------------------------- per-request responses, readers, connections

        [Fact]
        public Task ConnectionsAndChannelsPerMessage_AreFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.Threading.Tasks;
using MassTransit;
using Npgsql;
using RabbitMQ.Client;

public sealed record Msg(string Id);

public sealed class Consumer : IConsumer<Msg>
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly IConnectionFactory _factory;

    public Consumer(NpgsqlDataSource dataSource, IConnectionFactory factory)
    {
        _dataSource = dataSource;
        _factory = factory;
    }

    public async Task Consume(ConsumeContext<Msg> context)
    {
        var connection = {|MEM020:new NpgsqlConnection(""Host=db"")|};
        await connection.OpenAsync();
        var pooled = await {|MEM020:_dataSource.OpenConnectionAsync()|};
        await using var fine = await _dataSource.OpenConnectionAsync();
        var broker = await {|MEM020:_factory.CreateConnectionAsync()|};
        var channel = await {|MEM020:broker.CreateChannelAsync()|};
        await channel.BasicPublishAsync(""ex"", ""key"", new byte[1]);
    }
}", Packages.Of(Packages.MassTransit, Packages.Npgsql, Packages.RabbitMQ));

        [Fact]
        public Task ResponsesAndReadersPerRequest_InMediatRWolverineAndWebJobs_AreFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Azure.WebJobs;

public sealed record Fetch(string Url) : IRequest<string>;

public sealed class FetchHandler : IRequestHandler<Fetch, string>
{
    private readonly HttpClient _client;
    public FetchHandler(HttpClient client) => _client = client;

    public async Task<string> Handle(Fetch request, CancellationToken cancellationToken)
    {
        var response = await {|MEM020:_client.SendAsync(new HttpRequestMessage(HttpMethod.Get, request.Url), cancellationToken)|};
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }
}

public sealed record Download(string Url);

public sealed class DownloadHandler
{
    private readonly HttpClient _client;
    public DownloadHandler(HttpClient client) => _client = client;

    public async Task Handle(Download message)
    {
        var stream = await {|MEM020:_client.GetStreamAsync(message.Url)|};
        await stream.CopyToAsync(Stream.Null);
    }
}

public sealed class Functions
{
    [FunctionName(""ReadBlob"")]
    public static async Task Run(string path)
    {
        var reader = {|MEM020:File.OpenText(path)|};
        await reader.ReadToEndAsync();
    }
}", Packages.Of(Packages.MediatR, Packages.Wolverine, Packages.WebJobs));

        [Fact]
        public Task ResponsesAndReadersPerRequest_DisposedOrHandedBack_AreNotFlagged()
            => VerifyMEM020.DiagnosticsAsync(@"
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Azure.WebJobs;

public sealed record Fetch(string Url) : IRequest<HttpResponseMessage>;

public sealed class FetchHandler : IRequestHandler<Fetch, HttpResponseMessage>
{
    private readonly HttpClient _client;
    public FetchHandler(HttpClient client) => _client = client;

    // The response is the handler's result: the caller owns it.
    public Task<HttpResponseMessage> Handle(Fetch request, CancellationToken cancellationToken)
        => _client.GetAsync(request.Url, cancellationToken);
}

public sealed record Download(string Url);

public sealed class DownloadHandler
{
    private readonly HttpClient _client;
    public DownloadHandler(HttpClient client) => _client = client;

    public async Task Handle(Download message)
    {
        using var response = await _client.GetAsync(message.Url);
        await using var stream = await response.Content.ReadAsStreamAsync();
        await stream.CopyToAsync(Stream.Null);
    }
}

public sealed class Functions
{
    [FunctionName(""ReadBlob"")]
    public static async Task<string> Run(string path)
    {
        using (var reader = File.OpenText(path))
        {
            return await reader.ReadToEndAsync();
        }
    }

    [FunctionName(""OpenBlob"")]
    public static Stream Open(string path) => File.OpenRead(path);   // returned to the host, which disposes it
}", Packages.Of(Packages.MediatR, Packages.Wolverine, Packages.WebJobs));

        [Fact]
        public Task IncompleteShapes_DoNotCrash()
            => VerifyMEM020.NoCrashAsync(@"
using System.IO;
using System.Threading.Tasks;
using MassTransit;

public sealed record Msg(string Path);

public sealed class Consumer : IConsumer<Msg>
{
    public async Task Consume(ConsumeContext<Msg> context)
    {
        using (stream = new FileStream(
        TryOpen(out var
        var x = await Task.Run(() => new
        var y = Open(
        if (x.Length == 0) return
        x.Dispose(
    }

    private static bool TryOpen(out Stream s) { s = new FileStream(; }
    private static Stream Open(string p) => 
}", Packages.MassTransit);
    }
}
