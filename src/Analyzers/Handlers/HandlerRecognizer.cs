using System.Runtime.CompilerServices;
using System.Threading;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>
    /// Task-handler recognition, built once per compilation and shared by every rule. It answers: is this method or
    /// lambda a task-handler entry point (of which framework), does its instance live for the process, and is a
    /// given operation inside the per-iteration body of a worker loop.
    /// Thread-safe; holds only per-compilation state.
    /// </summary>
    /// <remarks>
    /// The façade over the rooms that do the work, each in its own file:
    /// <see cref="HandlerCatalogSymbols"/> (the catalog and options resolved against the compilation),
    /// <see cref="EntryPointRecognizer"/> (which methods and lambdas are entry points),
    /// <see cref="HandlerLifetimeResolver"/> (how long a handler's instance lives),
    /// <see cref="WorkerLoopRecognizer"/> (which loops run per message, tick or item),
    /// <see cref="CodeClassifier"/> (where an operation runs), <see cref="Handlers.Reachability"/> (what that code reaches
    /// through calls), and the lazily built <see cref="RegistrationIndex"/>.
    /// </remarks>
    public sealed class HandlerRecognizer
    {
        private readonly HandlerCatalogSymbols _symbols;
        private readonly object _registrationGate = new object();
        private volatile RegistrationIndex? _registrationIndex;

        private HandlerRecognizer(Compilation compilation, MemoryRetentionOptions options)
        {
            _symbols = new HandlerCatalogSymbols(compilation, options);
            EntryPoints = new EntryPointRecognizer(this, _symbols);
            Lifetimes = new HandlerLifetimeResolver(this, _symbols);
            WorkerLoops = new WorkerLoopRecognizer(_symbols);
            Classifier = new CodeClassifier(this);
            Reachability = new Reachability(this, compilation);
        }

        /// <summary>The compilation this recognizer was built for.</summary>
        public Compilation Compilation => _symbols.Compilation;

        /// <summary>The options the recognizer was built with.</summary>
        public MemoryRetentionOptions Options => _symbols.Options;

        /// <summary>True when at least one handler framework (or a custom contract) is present in the compilation.</summary>
        public bool HasAnyFramework =>
            !_symbols.Interfaces.IsEmpty || !_symbols.BaseClasses.IsEmpty || !_symbols.Registrations.IsEmpty || !_symbols.Events.IsEmpty || !_symbols.MethodAttributes.IsEmpty
            || !_symbols.CustomHandlerTypes.IsEmpty || !_symbols.CustomAttributes.IsEmpty || !_symbols.CustomMethods.IsEmpty || _symbols.KafkaConsumer is not null || _symbols.ChannelReader is not null;

        internal EntryPointRecognizer EntryPoints { get; }

        internal HandlerLifetimeResolver Lifetimes { get; }

        internal WorkerLoopRecognizer WorkerLoops { get; }

        internal CodeClassifier Classifier { get; }

        /// <summary>What per-unit-of-work code reaches through calls (built on demand, shared by every rule).</summary>
        internal Reachability Reachability { get; }

        /// <summary>Registration facts of the compilation, built on first use (at most once).</summary>
        internal RegistrationIndex Registrations
        {
            get
            {
                var index = _registrationIndex;
                if (index is not null)
                {
                    return index;
                }

                lock (_registrationGate)
                {
                    return _registrationIndex ??= RegistrationIndex.Build(_symbols.Compilation, _symbols.HangfireClients);
                }
            }
        }

        // One recognizer per compilation, shared by every rule of the package (as the SDK's analyzers share their
        // well-known-type providers): the caches and the lazy registration index are then built once, not once per
        // analyzer. Weakly keyed by the compilation, so nothing outlives it.
        private static readonly ConditionalWeakTable<Compilation, Shared> PerCompilation = new ConditionalWeakTable<Compilation, Shared>();

        private sealed class Shared
        {
            public Shared(AnalyzerOptions? options, HandlerRecognizer recognizer)
            {
                Options = options;
                Recognizer = recognizer;
            }

            public AnalyzerOptions? Options { get; }

            public HandlerRecognizer Recognizer { get; }
        }

        /// <summary>
        /// The recognizer for a compilation — built on first use and shared by all rules analyzing that compilation with
        /// the same options. Call from a compilation-start action.
        /// </summary>
        public static HandlerRecognizer Create(Compilation compilation, AnalyzerOptions? options)
        {
            var shared = PerCompilation.GetValue(compilation, c => new Shared(options, new HandlerRecognizer(c, MemoryRetentionOptions.Read(options))));
            return ReferenceEquals(shared.Options, options)
                ? shared.Recognizer
                : new HandlerRecognizer(compilation, MemoryRetentionOptions.Read(options)); // other options: not shared
        }

        /// <summary>The entry point that <paramref name="method"/> is, or null.</summary>
        public HandlerEntryPoint? GetEntryPoint(IMethodSymbol? method) => EntryPoints.GetEntryPoint(method);

        /// <summary>
        /// For a handler type (a type with entry points), its framework and instance lifetime: long-lived for
        /// hosted services, actors, grains, Mediator handlers and per-invocation handlers the compilation registers
        /// as singletons; per invocation otherwise. Null for a type that is not a handler.
        /// </summary>
        public (HandlerFramework Framework, HandlerLifetime Lifetime)? GetHandlerType(INamedTypeSymbol? type) => Lifetimes.GetHandlerType(type);

        /// <summary>True when the compilation registers <paramref name="type"/> as a singleton (AddSingleton, AddHostedService…).</summary>
        public bool IsRegisteredSingleton(INamedTypeSymbol? type) => Lifetimes.IsRegisteredSingleton(type);

        /// <summary>True when the compilation registers <paramref name="type"/> as a scoped service (AddScoped, AddDbContext…).</summary>
        public bool IsRegisteredScoped(INamedTypeSymbol? type) => Lifetimes.IsRegisteredScoped(type);


        /// <summary>
        /// The entry point a lambda or anonymous method is, when it is passed to a registration call (a Quartz
        /// delegate job, an Akka <c>Receive</c>, a timer callback, a consumer's <c>ReceivedAsync +=</c> …), or null.
        /// </summary>
        public HandlerEntryPoint? GetLambdaEntryPoint(IAnonymousFunctionOperation lambda) => EntryPoints.GetLambdaEntryPoint(lambda);

        /// <summary>
        /// Classifies where <paramref name="operation"/> runs: in a per-invocation entry point's body (including
        /// lambdas and local functions created there), in the per-iteration body of a worker loop, in the
        /// run-once part of a hosted service, or in none of these.
        /// </summary>
        public HandlerCode Classify(IOperation operation, CancellationToken cancellationToken = default) => Classifier.Classify(operation, cancellationToken);

        /// <summary>True when <paramref name="loop"/> is a worker loop: its body runs once per message, tick or item.</summary>
        public bool IsWorkerLoop(ILoopOperation loop, HandlerEntryPoint? enclosingEntryPoint, CancellationToken cancellationToken = default)
            => WorkerLoops.IsWorkerLoop(loop, enclosingEntryPoint, cancellationToken);
    }
}
