using System;
using System.Collections.Immutable;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers.Flow
{
    /// <summary>
    /// Per-compilation knowledge about disposable types: which types are disposable, which have nothing to
    /// release, which factory methods hand over a new instance, and which wrappers take ownership of what they wrap.
    /// </summary>
    public sealed class DisposableTypes
    {
        private static readonly ImmutableArray<string> NothingToReleaseNames = ImmutableArray.Create(
            "System.IO.MemoryStream",
            "System.IO.StringReader",
            "System.IO.StringWriter",
            "System.IO.UnmanagedMemoryStream",
            "System.Threading.Tasks.Task",
            "System.Threading.Tasks.Task`1",
            "System.Data.DataTable",
            "System.Data.DataSet",
            "System.Data.DataView",
            "System.Text.StringBuilder");

        /// <summary>(containing type, method names) pairs that return a new instance the caller owns.</summary>
        private static readonly ImmutableArray<(string Type, string[] Methods)> FactoryNames = ImmutableArray.Create(
            ("System.IO.File", new[] { "Open", "OpenRead", "OpenWrite", "OpenText", "Create", "CreateText", "AppendText", "OpenHandle" }),
            ("System.IO.FileInfo", new[] { "Open", "OpenRead", "OpenWrite", "OpenText", "Create", "CreateText", "AppendText" }),
            ("System.Net.Http.HttpClient", new[] { "GetAsync", "PostAsync", "PutAsync", "PatchAsync", "DeleteAsync", "SendAsync", "Send", "GetStreamAsync" }),
            ("System.Net.Http.HttpMessageInvoker", new[] { "SendAsync", "Send" }),
            ("System.Net.WebRequest", new[] { "GetResponse", "GetResponseAsync" }),
            ("System.Diagnostics.Process", new[] { "Start" }),
            ("System.Diagnostics.ActivitySource", new[] { "StartActivity", "CreateActivity" }),
            ("System.Threading.CancellationTokenSource", new[] { "CreateLinkedTokenSource" }),
            ("System.Text.Json.JsonDocument", new[] { "Parse", "ParseAsync", "ParseValue" }),
            ("Microsoft.Extensions.Logging.ILogger", new[] { "BeginScope" }),
            ("Microsoft.Extensions.Logging.LoggerExtensions", new[] { "BeginScope" }),
            ("Microsoft.Extensions.DependencyInjection.IServiceScopeFactory", new[] { "CreateScope", "CreateAsyncScope" }),
            ("Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions", new[] { "CreateScope", "CreateAsyncScope" }),
            ("Microsoft.EntityFrameworkCore.IDbContextFactory`1", new[] { "CreateDbContext", "CreateDbContextAsync" }),
            ("System.Data.Common.DbConnection", new[] { "CreateCommand", "BeginTransaction", "BeginTransactionAsync" }),
            ("System.Data.Common.DbCommand", new[] { "ExecuteReader", "ExecuteReaderAsync" }),
            ("System.Data.IDbConnection", new[] { "CreateCommand", "BeginTransaction" }),
            ("System.Data.IDbCommand", new[] { "ExecuteReader" }),
            ("System.IObservable`1", new[] { "Subscribe" }),
            ("System.ObservableExtensions", new[] { "Subscribe", "SubscribeSafe" }),
            ("Confluent.Kafka.ConsumerBuilder`2", new[] { "Build" }),
            ("Confluent.Kafka.ProducerBuilder`2", new[] { "Build" }),
            ("RabbitMQ.Client.IConnectionFactory", new[] { "CreateConnection", "CreateConnectionAsync" }),
            ("RabbitMQ.Client.ConnectionFactory", new[] { "CreateConnection", "CreateConnectionAsync" }),
            ("RabbitMQ.Client.IConnection", new[] { "CreateChannelAsync", "CreateModel" }),
            ("Microsoft.IO.RecyclableMemoryStreamManager", new[] { "GetStream" }));

        /// <summary>Library types whose static (extension) methods read the object passed to them and keep nothing.</summary>
        private static readonly ImmutableArray<string> ReadOnlyArgumentTypeNames = ImmutableArray.Create(
            "Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions",
            "Microsoft.Extensions.DependencyInjection.ServiceProviderKeyedServiceExtensions",
            "Microsoft.Extensions.Logging.LoggerFactoryExtensions");

        /// <summary>
        /// Types a library-registry rule (MEM065 meters and activity sources, MEM066 logger factories) reports instead
        /// of MEM020 (one finding per object).
        /// </summary>
        private static readonly ImmutableArray<string> LibraryRegistryTypeNames = ImmutableArray.Create(
            "System.Diagnostics.Metrics.Meter",
            "System.Diagnostics.ActivitySource",
            "Microsoft.Extensions.Logging.LoggerFactory");

        /// <summary>Wrappers that dispose what they wrap unless told <c>leaveOpen: true</c>.</summary>
        private static readonly ImmutableArray<string> OwningWrapperNames = ImmutableArray.Create(
            "System.IO.StreamReader",
            "System.IO.StreamWriter",
            "System.IO.BinaryReader",
            "System.IO.BinaryWriter",
            "System.IO.BufferedStream",
            "System.IO.Compression.GZipStream",
            "System.IO.Compression.DeflateStream",
            "System.IO.Compression.BrotliStream",
            "System.IO.Compression.ZLibStream",
            "System.IO.Compression.ZipArchive",
            "System.Security.Cryptography.CryptoStream",
            "System.Net.Security.SslStream",
            "System.Net.Security.NegotiateStream",
            "System.Net.Http.StreamContent",
            "System.Net.Http.HttpClient");

        private readonly ImmutableArray<(INamedTypeSymbol Type, ImmutableHashSet<string> Methods)> _factories;
        private readonly ImmutableHashSet<string> _factoryMethodNames;
        private readonly ImmutableHashSet<INamedTypeSymbol> _nothingToRelease;
        private readonly ImmutableHashSet<INamedTypeSymbol> _owningWrappers;
        private readonly ImmutableHashSet<INamedTypeSymbol> _timers;
        private readonly ImmutableHashSet<INamedTypeSymbol> _readOnlyArgumentTypes;
        private readonly ImmutableHashSet<INamedTypeSymbol> _libraryRegistryTypes;

        private DisposableTypes(Compilation compilation)
        {
            IDisposable = KnownTypes.Get(compilation, "System.IDisposable");
            IAsyncDisposable = KnownTypes.Get(compilation, "System.IAsyncDisposable");
            Stream = KnownTypes.Get(compilation, "System.IO.Stream");
            TextReader = KnownTypes.Get(compilation, "System.IO.TextReader");
            TextWriter = KnownTypes.Get(compilation, "System.IO.TextWriter");
            Task = KnownTypes.Get(compilation, "System.Threading.Tasks.Task");
            TaskOfT = KnownTypes.Get(compilation, "System.Threading.Tasks.Task`1");
            ValueTaskOfT = KnownTypes.Get(compilation, "System.Threading.Tasks.ValueTask`1");

            var factories = ImmutableArray.CreateBuilder<(INamedTypeSymbol, ImmutableHashSet<string>)>();
            foreach (var (typeName, methods) in FactoryNames)
            {
                var type = KnownTypes.Get(compilation, typeName);
                if (type is not null)
                {
                    factories.Add((type, ImmutableHashSet.Create(StringComparer.Ordinal, methods)));
                }
            }

            _factories = factories.ToImmutable();
            var names = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
            names.Add("Create");
            foreach (var (_, methods) in _factories)
            {
                names.UnionWith(methods);
            }

            _factoryMethodNames = names.ToImmutable();
            _nothingToRelease = ResolveSet(compilation, NothingToReleaseNames);
            _owningWrappers = ResolveSet(compilation, OwningWrapperNames);
            _timers = ResolveSet(compilation, TimerNames);
            _readOnlyArgumentTypes = ResolveSet(compilation, ReadOnlyArgumentTypeNames);
            _libraryRegistryTypes = ResolveSet(compilation, LibraryRegistryTypeNames);
            CancellationTokenSource = KnownTypes.Get(compilation, "System.Threading.CancellationTokenSource");
            TimeProvider = KnownTypes.Get(compilation, "System.TimeProvider");
        }

        public INamedTypeSymbol? IDisposable { get; }
        public INamedTypeSymbol? IAsyncDisposable { get; }
        public INamedTypeSymbol? Stream { get; }
        public INamedTypeSymbol? TextReader { get; }
        public INamedTypeSymbol? TextWriter { get; }
        public INamedTypeSymbol? Task { get; }
        public INamedTypeSymbol? TaskOfT { get; }
        public INamedTypeSymbol? ValueTaskOfT { get; }
        public INamedTypeSymbol? CancellationTokenSource { get; }
        public INamedTypeSymbol? TimeProvider { get; }

        /// <summary>Timer types (MEM033 reports these instead of MEM020).</summary>
        private static readonly ImmutableArray<string> TimerNames = ImmutableArray.Create(
            "System.Threading.Timer",
            "System.Timers.Timer",
            "System.Threading.PeriodicTimer",
            "System.Threading.ITimer");

        /// <summary>True for System.Threading.Timer, System.Timers.Timer, PeriodicTimer and ITimer (and subclasses).</summary>
        public bool IsTimer(ITypeSymbol? type)
        {
            for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
            {
                if (_timers.Contains(current.OriginalDefinition))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>True when <paramref name="method"/> is a library helper that only reads its arguments (<c>GetRequiredService</c>, <c>CreateLogger</c>).</summary>
        public bool OnlyReadsArguments(IMethodSymbol method)
            => method.IsStatic && method.ContainingType is { } containing && _readOnlyArgumentTypes.Contains(containing.OriginalDefinition);

        /// <summary>True for Meter, ActivitySource and LoggerFactory (and subclasses), which MEM065/MEM066 report.</summary>
        public bool IsLibraryRegistryType(ITypeSymbol? type)
        {
            for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
            {
                if (_libraryRegistryTypes.Contains(current.OriginalDefinition))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>True for CancellationTokenSource (and subclasses).</summary>
        public bool IsCancellationTokenSource(ITypeSymbol? type) => KnownTypes.IsOrDerivesFrom(type, CancellationTokenSource);

        /// <summary>Null when the compilation has no <c>System.IDisposable</c> (nothing to analyze).</summary>
        public static DisposableTypes? Create(Compilation compilation)
        {
            var types = new DisposableTypes(compilation);
            return types.IDisposable is null ? null : types;
        }

        /// <summary>True for a reference type that implements IDisposable or IAsyncDisposable.</summary>
        public bool IsDisposable(ITypeSymbol? type)
        {
            if (type is null || type.IsValueType || type.TypeKind == TypeKind.Error || type.TypeKind == TypeKind.TypeParameter)
            {
                return false;
            }

            return KnownTypes.IsOrDerivesFrom(type, IDisposable) || KnownTypes.IsOrDerivesFrom(type, IAsyncDisposable);
        }

        /// <summary>True when the type implements IAsyncDisposable.</summary>
        public bool IsAsyncDisposable(ITypeSymbol? type) => KnownTypes.IsOrDerivesFrom(type, IAsyncDisposable);

        /// <summary>True for types whose Dispose releases nothing that outlives the object (exact types only: a subclass may own more).</summary>
        public bool HasNothingToRelease(ITypeSymbol? type)
            => type is INamedTypeSymbol named && _nothingToRelease.Contains(named.OriginalDefinition);

        /// <summary>True when <paramref name="method"/> returns a new disposable the caller owns.</summary>
        public bool IsFactory(IMethodSymbol method)
        {
            // Cheap rejection first: this runs for every invocation in the compilation.
            if (!_factoryMethodNames.Contains(method.Name))
            {
                return false;
            }

            var original = method.ReducedFrom ?? method;
            var containing = original.ContainingType?.OriginalDefinition;
            if (containing is null)
            {
                return false;
            }

            foreach (var (type, methods) in _factories)
            {
                if (methods.Contains(original.Name) && KnownTypes.IsOrDerivesFrom(containing, type))
                {
                    return true;
                }
            }

            // SHA256.Create(), Aes.Create(), RandomNumberGenerator.Create(), …
            return original.IsStatic
                && original.Name == "Create"
                && containing.ContainingNamespace?.ToDisplayString() == "System.Security.Cryptography";
        }

        /// <summary>True when <paramref name="type"/> is a wrapper that disposes the object it is constructed over.</summary>
        public bool IsOwningWrapper(ITypeSymbol? type)
        {
            for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
            {
                if (_owningWrappers.Contains(current.OriginalDefinition))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>True for Stream, TextReader and TextWriter (and subclasses): parameters of these types are read, not owned.</summary>
        public bool IsStreamLike(ITypeSymbol? type)
            => KnownTypes.IsOrDerivesFrom(type, Stream) || KnownTypes.IsOrDerivesFrom(type, TextReader) || KnownTypes.IsOrDerivesFrom(type, TextWriter);

        private static ImmutableHashSet<INamedTypeSymbol> ResolveSet(Compilation compilation, ImmutableArray<string> names)
        {
            var builder = ImmutableHashSet.CreateBuilder<INamedTypeSymbol>(SymbolEqualityComparer.Default);
            foreach (var name in names)
            {
                var type = KnownTypes.Get(compilation, name);
                if (type is not null)
                {
                    builder.Add(type);
                }
            }

            return builder.ToImmutable();
        }
    }
}
