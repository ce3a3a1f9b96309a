using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

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
            ("System.Data.Common.DbDataSource", new[] { "CreateConnection", "OpenConnection", "OpenConnectionAsync", "CreateCommand", "CreateBatch" }),
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
        private readonly Compilation _compilation;

        // Per compilation (this object is created at compilation start): whether a source method hands over a new object.
        private readonly ConcurrentDictionary<ISymbol, bool> _sourceFactories = new ConcurrentDictionary<ISymbol, bool>(SymbolEqualityComparer.Default);

        // Per compilation: whether a constructor or method of this compilation keeps what it is given in a parameter.
        private readonly ConcurrentDictionary<IParameterSymbol, bool> _keepsArgument = new ConcurrentDictionary<IParameterSymbol, bool>(SymbolEqualityComparer.Default);

        private DisposableTypes(Compilation compilation)
        {
            _compilation = compilation;
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

        /// <summary>
        /// The compilation's disposable types, built once and shared by every rule (its caches of source factories and
        /// argument-keeping parameters too); null when the compilation has no <c>System.IDisposable</c> (nothing to analyze).
        /// </summary>
        public static DisposableTypes? Create(Compilation compilation)
        {
            var types = PerCompilation.GetValue(compilation, c => new DisposableTypes(c));
            return types.IDisposable is null ? null : types;
        }

        // Weakly keyed by the compilation: nothing outlives it.
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Compilation, DisposableTypes> PerCompilation =
            new System.Runtime.CompilerServices.ConditionalWeakTable<Compilation, DisposableTypes>();

        /// <summary>True for a reference type that implements IDisposable or IAsyncDisposable.</summary>
        public bool IsDisposable(ITypeSymbol? type)
        {
            if (type is null || type.IsValueType || type.TypeKind == TypeKind.Error || type.TypeKind == TypeKind.TypeParameter)
            {
                return false;
            }

            // Asked for every `new` and every call's result: one pass over the interfaces of the type's definition (a
            // construction implements what its definition does, and neither interface is generic), instead of two
            // passes over a construction's substituted interfaces.
            var definition = type.OriginalDefinition;
            if (IsDisposableInterface(definition))
            {
                return true;
            }

            foreach (var implemented in definition.AllInterfaces)
            {
                if (IsDisposableInterface(implemented))
                {
                    return true;
                }
            }

            return false;
        }

        private bool IsDisposableInterface(ITypeSymbol type)
            => SymbolEqualityComparer.Default.Equals(type, IDisposable) || (IAsyncDisposable is not null && SymbolEqualityComparer.Default.Equals(type, IAsyncDisposable));

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
                && KnownTypes.IsNamespace(containing.ContainingNamespace, "System.Security.Cryptography");
        }

        /// <summary>
        /// True when a method (or property getter) of this compilation returns a new disposable the caller owns: every
        /// <c>return</c> hands back a new object, another factory's result (awaited in an async method), a local that
        /// only holds such an object and goes nowhere else, or <c>null</c>. Decided once per method per compilation;
        /// overridable, abstract, partial and iterator methods never count (another body may run, or none).
        /// </summary>
        public bool IsSourceFactory(IMethodSymbol? method, CancellationToken cancellationToken)
            => method is not null && IsSourceFactory(method, null, cancellationToken);

        /// <summary>
        /// True when the <c>out</c> parameter of a method of this compilation is only ever assigned a new disposable
        /// (<c>TryCreate(out var stream)</c>), or null/default: the caller owns what it gets.
        /// </summary>
        public bool IsSourceOutFactory(IParameterSymbol parameter, CancellationToken cancellationToken)
        {
            if (parameter.RefKind != RefKind.Out || !IsDisposable(parameter.Type) || HasNothingToRelease(parameter.Type)
                || parameter.ContainingSymbol is not IMethodSymbol method || !HasOwnBody(method))
            {
                return false;
            }

            return _sourceFactories.GetOrAdd(parameter, p => ComputeOutFactory((IParameterSymbol)p, method, cancellationToken));
        }

        /// <summary>
        /// <c>Task.Run(() =&gt; new T())</c>, <c>Task.Factory.StartNew(…)</c>, <c>Task.FromResult(new T())</c>: a task whose
        /// result is a new object (the caller owns it once it awaits the task).
        /// </summary>
        public bool IsTaskWrappedCreation(IInvocationOperation invocation, CancellationToken cancellationToken)
        {
            var method = invocation.TargetMethod;
            if ((method.Name != "Run" && method.Name != "FromResult" && method.Name != "StartNew") || invocation.Arguments.Length == 0)
            {
                return false;
            }

            var containing = method.ContainingType;
            if (containing is null || containing.ContainingNamespace?.ToDisplayString() != "System.Threading.Tasks"
                || (containing.Name != "Task" && containing.Name != "TaskFactory"))
            {
                return false;
            }

            var argument = invocation.Arguments[0].Value;
            if (method.Name == "FromResult")
            {
                return IsNewObject(argument, null, cancellationToken);
            }

            return OperationTree.SkipConversions(argument) is IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda }
                && ReturnsOnlyNewObjects(lambda.Body, lambda, null, cancellationToken);
        }

        private bool IsSourceFactory(IMethodSymbol method, HashSet<ISymbol>? inProgress, CancellationToken cancellationToken)
        {
            method = method.ReducedFrom ?? method;
            if (!HasOwnBody(method) || method.IsAsync && method.ReturnsVoid)
            {
                return false;
            }

            var returned = method.ReturnType;
            if (returned is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } task
                && (SymbolEqualityComparer.Default.Equals(task.OriginalDefinition, TaskOfT) || SymbolEqualityComparer.Default.Equals(task.OriginalDefinition, ValueTaskOfT)))
            {
                returned = task.TypeArguments[0];
            }

            if (!IsDisposable(returned) || HasNothingToRelease(returned))
            {
                return false;
            }

            if (_sourceFactories.TryGetValue(method, out var known))
            {
                return known;
            }

            inProgress ??= new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            if (!inProgress.Add(method))
            {
                return false; // recursion: not proven
            }

            var result = Body(method, cancellationToken) is { } body && ReturnsOnlyNewObjects(body, body, inProgress, cancellationToken);
            inProgress.Remove(method);
            return _sourceFactories.GetOrAdd(method, result);
        }

        private static bool HasOwnBody(IMethodSymbol method)
            => method.Locations.Length > 0
               && method.Locations[0].IsInSource
               && method.DeclaringSyntaxReferences.Length == 1
               && !method.IsAbstract
               && !method.IsVirtual
               && !method.IsExtern
               && (!method.IsOverride || method.IsSealed || method.ContainingType?.IsSealed == true)
               && !method.IsImplicitlyDeclared;

        private IOperation? Body(IMethodSymbol method, CancellationToken cancellationToken)
        {
            var syntax = method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
            if (!_compilation.ContainsSyntaxTree(syntax.SyntaxTree))
            {
                return null;
            }

            var model = _compilation.GetSemanticModel(syntax.SyntaxTree);
            return model.GetOperation(syntax, cancellationToken);
        }

        /// <summary>Every return of <paramref name="body"/> (not of a nested function) hands back a new object; at least one return.</summary>
        private bool ReturnsOnlyNewObjects(IOperation body, IOperation function, HashSet<ISymbol>? inProgress, CancellationToken cancellationToken)
        {
            var any = false;
            foreach (var operation in body.DescendantsAndSelf())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (operation is not IReturnOperation @return || !ReferenceEquals(OwnerFunction(@return, function), function))
                {
                    continue;
                }

                if (@return.Kind != OperationKind.Return || @return.ReturnedValue is null)
                {
                    return false; // an iterator, or a void-like return
                }

                var value = OperationTree.SkipConversions(@return.ReturnedValue)!;
                if (IsNullValue(value))
                {
                    continue;
                }

                if (value is ILocalReferenceOperation local ? !IsLocalOnlyHoldingNewObject(local, body, function, inProgress, cancellationToken) : !IsNewObject(value, inProgress, cancellationToken))
                {
                    return false;
                }

                any = true;
            }

            return any;
        }

        private static bool IsNullValue(IOperation value)
            => value is IDefaultValueOperation || (value.ConstantValue.HasValue && value.ConstantValue.Value is null);

        /// <summary>A new object: a constructor call, a factory's (awaited) result, or a conditional of those and null.</summary>
        private bool IsNewObject(IOperation? value, HashSet<ISymbol>? inProgress, CancellationToken cancellationToken)
        {
            value = OperationTree.SkipConversions(value);
            if (value is IParenthesizedOperation parenthesized)
            {
                value = OperationTree.SkipConversions(parenthesized.Operand);
            }

            if (value is IAwaitOperation awaited)
            {
                value = OperationTree.SkipConversions(awaited.Operation);
                if (value is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured })
                {
                    value = OperationTree.SkipConversions(configured);
                }
            }

            switch (value)
            {
                case IObjectCreationOperation creation:
                    return IsDisposable(creation.Type);
                case IInvocationOperation invocation:
                    return IsFactory(invocation.TargetMethod)
                        || IsSourceFactory(invocation.TargetMethod, inProgress, cancellationToken)
                        || IsTaskWrappedCreation(invocation, cancellationToken);
                case IConditionalOperation conditional:
                    var whenTrueNull = conditional.WhenTrue is not null && IsNullValue(OperationTree.SkipConversions(conditional.WhenTrue)!);
                    var whenFalseNull = conditional.WhenFalse is not null && IsNullValue(OperationTree.SkipConversions(conditional.WhenFalse)!);
                    return !(whenTrueNull && whenFalseNull)
                        && (whenTrueNull || IsNewObject(conditional.WhenTrue, inProgress, cancellationToken))
                        && (whenFalseNull || IsNewObject(conditional.WhenFalse, inProgress, cancellationToken));
                default:
                    return false;
            }
        }

        /// <summary>
        /// <c>var reader = new StreamReader(path); reader.Peek(); return reader;</c>: the local is declared with a new
        /// object, never reassigned, and otherwise only read (members called or set), never stored, passed or captured.
        /// </summary>
        private bool IsLocalOnlyHoldingNewObject(ILocalReferenceOperation returned, IOperation body, IOperation function, HashSet<ISymbol>? inProgress, CancellationToken cancellationToken)
        {
            var local = returned.Local;
            var initialized = false;
            foreach (var operation in body.Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (operation is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
                {
                    if (initialized || declarator.Initializer is null || !IsNewObject(declarator.Initializer.Value, inProgress, cancellationToken))
                    {
                        return false;
                    }

                    initialized = true;
                    continue;
                }

                if (operation is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
                {
                    continue;
                }

                if (!ReferenceEquals(OwnerFunction(reference, function), function))
                {
                    return false; // captured
                }

                var use = OperationTree.OuterConversion(reference);
                switch (use.Parent)
                {
                    case IReturnOperation:
                        break;
                    case IPropertyReferenceOperation property when ReferenceEquals(property.Instance, use):
                        break;
                    case IFieldReferenceOperation field when ReferenceEquals(field.Instance, use):
                        break;
                    case IEventReferenceOperation @event when ReferenceEquals(@event.Instance, use):
                        break;
                    case IInvocationOperation invocation when ReferenceEquals(invocation.Instance, use) && invocation.TargetMethod.Name != "Dispose" && invocation.TargetMethod.Name != "DisposeAsync" && invocation.TargetMethod.Name != "Close":
                        break;
                    default:
                        return false;
                }
            }

            return initialized;
        }

        /// <summary>The function (<paramref name="function"/> or a nested lambda / local function) that owns <paramref name="operation"/>.</summary>
        private static IOperation? OwnerFunction(IOperation operation, IOperation function)
        {
            for (var current = operation.Parent; current is not null; current = current.Parent)
            {
                if (ReferenceEquals(current, function))
                {
                    return function;
                }

                if (current is IAnonymousFunctionOperation || current is ILocalFunctionOperation)
                {
                    return current;
                }
            }

            return function;
        }

        private bool ComputeOutFactory(IParameterSymbol parameter, IMethodSymbol method, CancellationToken cancellationToken)
        {
            var body = Body(method, cancellationToken);
            if (body is null)
            {
                return false;
            }

            var any = false;
            foreach (var operation in body.Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (operation is not IParameterReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Parameter, parameter))
                {
                    continue;
                }

                if (!ReferenceEquals(OwnerFunction(reference, body), body))
                {
                    return false;
                }

                var use = OperationTree.OuterConversion(reference);
                if (use.Parent is ISimpleAssignmentOperation assignment && ReferenceEquals(assignment.Target, use))
                {
                    var value = OperationTree.SkipConversions(assignment.Value)!;
                    if (IsNullValue(value))
                    {
                        continue;
                    }

                    if (!IsNewObject(value, null, cancellationToken))
                    {
                        return false;
                    }

                    any = true;
                    continue;
                }

                // Read after it was set: only calls and member reads on it, nothing that stores it.
                switch (use.Parent)
                {
                    case IPropertyReferenceOperation property when ReferenceEquals(property.Instance, use):
                    case IInvocationOperation invocation when ReferenceEquals(invocation.Instance, use) && invocation.TargetMethod.Name != "Dispose" && invocation.TargetMethod.Name != "DisposeAsync":
                        continue;
                    default:
                        return false;
                }
            }

            return any;
        }

        /// <summary>
        /// Whether a constructor or method of this compilation keeps (or disposes) the object it is given in
        /// <paramref name="parameter"/>: true unless its one body is visible and only uses the parameter by calling or
        /// reading members of it (not <c>Dispose</c>/<c>Close</c>), comparing it with null, testing its type, or passing
        /// it to a library method that only reads it. Stored, returned, assigned, captured by a lambda, passed to other
        /// code of the compilation or to a library method that may keep it, an async or iterator body, a primary
        /// constructor, an overridable member: kept — in doubt the callee owns it and the caller is not blamed.
        /// Decided once per parameter per compilation; no recursion into other methods.
        /// </summary>
        public bool KeepsArgument(IParameterSymbol parameter, CancellationToken cancellationToken)
        {
            parameter = parameter.OriginalDefinition;
            if (parameter.ContainingSymbol is not IMethodSymbol method || !HasOwnBody(method) || method.IsAsync)
            {
                return true;
            }

            if (_keepsArgument.TryGetValue(parameter, out var known))
            {
                return known;
            }

            return _keepsArgument.GetOrAdd(parameter, ComputeKeepsArgument(parameter, method, cancellationToken));
        }

        private bool ComputeKeepsArgument(IParameterSymbol parameter, IMethodSymbol method, CancellationToken cancellationToken)
        {
            // A primary constructor's parameters are captured by the members that use them.
            var syntax = method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
            if (method.MethodKind == MethodKind.Constructor && syntax is not Microsoft.CodeAnalysis.CSharp.Syntax.ConstructorDeclarationSyntax)
            {
                return true;
            }

            var body = Body(method, cancellationToken);
            if (body is null)
            {
                return true;
            }

            foreach (var operation in body.Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (operation is IReturnOperation { Kind: OperationKind.YieldReturn or OperationKind.YieldBreak })
                {
                    return true; // an iterator: the body runs later, if ever
                }

                if (operation is not IParameterReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Parameter, parameter))
                {
                    continue;
                }

                if (!ReferenceEquals(OwnerFunction(reference, body), body))
                {
                    return true; // captured by a lambda or local function
                }

                var use = OperationTree.OuterConversion(reference);
                switch (use.Parent)
                {
                    case IPropertyReferenceOperation property when ReferenceEquals(property.Instance, use):
                    case IFieldReferenceOperation field when ReferenceEquals(field.Instance, use):
                    case IInvocationOperation invocation when ReferenceEquals(invocation.Instance, use) && !IsDisposeName(invocation.TargetMethod.Name):
                    case IBinaryOperation:
                    case IIsPatternOperation:
                    case IIsTypeOperation:
                    case INameOfOperation:
                        continue;
                    case IConditionalAccessOperation conditional when ReferenceEquals(conditional.Operation, use)
                        && conditional.WhenNotNull is IPropertyReferenceOperation or IInvocationOperation
                        && !(conditional.WhenNotNull is IInvocationOperation { TargetMethod.Name: var name } && IsDisposeName(name)):
                        continue;
                    case IArgumentOperation argument when argument.Parent is IInvocationOperation { TargetMethod: var callee }
                        && !(callee.Locations.Length > 0 && callee.Locations[0].IsInSource)
                        && !Ownership.ArgumentTakesOwnership(argument, this, cancellationToken):
                        continue; // a library method that only reads it (CopyToAsync(stream), Serialize(stream, …))
                    default:
                        return true;
                }
            }

            return false;
        }

        private static bool IsDisposeName(string name) => name == "Dispose" || name == "DisposeAsync" || name == "Close" || name == "Release";

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
