using System.Collections.Immutable;
using System.Linq;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM050: a work queue kept beyond one unit of work (a field, or a DI singleton) with no capacity:
    /// <c>Channel.CreateUnbounded</c>, <c>new BlockingCollection&lt;T&gt;()</c> without a bounded capacity, and
    /// TPL Dataflow blocks whose options do not set <c>BoundedCapacity</c>.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class UnboundedQueueAnalyzer : MemoryAnalyzerBase
    {
        public const string KindProperty = "kind";
        public const string ChannelKind = "channel";
        public const string BlockingCollectionKind = "blockingcollection";
        public const string DataflowKind = "dataflow";
        public const string QueueFieldKind = "queue";
        public const string PrefetchKind = "prefetch";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.MEM050_UnboundedQueue);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = new RuleActions(ImmutableArray.Create(OperationKind.Invocation, OperationKind.ObjectCreation), symbolStarts: ImmutableArray.Create(SymbolKind.NamedType));

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var channel = KnownTypes.Get(context.Compilation, "System.Threading.Channels.Channel");
            var blockingCollection = KnownTypes.Get(context.Compilation, "System.Collections.Concurrent.BlockingCollection`1");
            var dataflowBlock = KnownTypes.Get(context.Compilation, "System.Threading.Tasks.Dataflow.IDataflowBlock");
            var concurrentQueue = KnownTypes.Get(context.Compilation, "System.Collections.Concurrent.ConcurrentQueue`1");
            var queue = KnownTypes.Get(context.Compilation, "System.Collections.Generic.Queue`1");
            var rabbit = RabbitPrefetch.Create(context.Compilation);
            if (channel is null && blockingCollection is null && dataflowBlock is null && concurrentQueue is null && rabbit is null)
            {
                return;
            }

            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            if (rabbit is not null)
            {
                // A long-lived RabbitMQ consumer without a prefetch limit: the broker's backlog moves into the client's memory.
                context.RegisterOperationAction(
                    c =>
                    {
                        var invocation = (IInvocationOperation)c.Operation;
                        if (invocation.TargetMethod.Name.StartsWith("BasicConsume", System.StringComparison.Ordinal)
                            && rabbit.Describe(invocation, handlers, c.CancellationToken) is { } what)
                        {
                            Report(c, invocation, what, PrefetchKind);
                        }
                    },
                    OperationKind.Invocation);
            }

            context.RegisterSymbolStartAction(c => OnType(c, concurrentQueue, queue, handlers), SymbolKind.NamedType);

            if (channel is not null)
            {
                context.RegisterOperationAction(
                    c =>
                    {
                        var invocation = (IInvocationOperation)c.Operation;
                        if (invocation.TargetMethod.Name == "CreateUnbounded"
                            && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, channel)
                            && IsKeptBeyondOneUnitOfWork(invocation))
                        {
                            Report(c, invocation, "The unbounded channel '" + Display(invocation.Type) + "'", ChannelKind);
                        }
                    },
                    OperationKind.Invocation);
            }

            context.RegisterOperationAction(
                c =>
                {
                    // Cheap type checks first (every `new` in the compilation comes here): the dataflow blocks live in the
                    // dataflow assembly, so only its types need the interface walk.
                    var creation = (IObjectCreationOperation)c.Operation;
                    if (creation.Type is not INamedTypeSymbol type)
                    {
                        return;
                    }

                    if (blockingCollection is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, blockingCollection))
                    {
                        if (!creation.Arguments.Any(a => a.Parameter?.Name == "boundedCapacity") && IsKeptBeyondOneUnitOfWork(creation))
                        {
                            Report(c, creation, "The BlockingCollection '" + Display(type) + "'", BlockingCollectionKind);
                        }
                    }
                    else if (dataflowBlock is not null && SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, dataflowBlock.ContainingAssembly)
                        && KnownTypes.IsOrDerivesFrom(type, dataflowBlock) && !SetsBoundedCapacity(creation))
                    {
                        if (IsKeptBeyondOneUnitOfWork(creation))
                        {
                            Report(c, creation, "The dataflow block '" + Display(type) + "'", DataflowKind, DataflowFix.OptionsTypeFor(creation, type, c.CancellationToken));
                        }
                        else if (IsRunOnceLocalFedPerIteration(creation, handlers, c.CancellationToken))
                        {
                            Report(c, creation, "The dataflow block '" + Display(type) + "' (created once, fed in every iteration of the worker loop)", DataflowKind);
                        }
                    }
                },
                OperationKind.ObjectCreation);
        }

        private sealed class QueueState
        {
            public bool Enqueued;
            public bool Dequeued;
            public bool Bounded;
            public bool Escapes;
        }

        /// <summary>
        /// ConcurrentQueue / Queue fields used as work queues: enqueued in one place, dequeued in another, with no size
        /// check before the Enqueue. Private fields only (all uses are in the type), decided at the end of the type.
        /// </summary>
        private static void OnType(SymbolStartAnalysisContext context, INamedTypeSymbol? concurrentQueue, INamedTypeSymbol? queue, HandlerRecognizer handlers)
        {
            var type = (INamedTypeSymbol)context.Symbol;

            // Only queues that live for the process: static fields, or fields of a type that does (a hosted service, a
            // long-lived handler, a registered singleton). A pump owned by one call (a synchronization context created
            // per RunSync) drains with its owner.
            // Decided only for types that have a queue field (most have none): the lifetime lookup is cached, but the
            // registration index behind it is built on first use.
            bool? typeLivesForProcess = null;
            var states = new System.Collections.Concurrent.ConcurrentDictionary<IFieldSymbol, QueueState>(SymbolEqualityComparer.Default);
            foreach (var member in type.GetMembers())
            {
                if (member is IFieldSymbol { DeclaredAccessibility: Accessibility.Private, IsImplicitlyDeclared: false } field
                    && field.Type is INamedTypeSymbol fieldType
                    && (SymbolEqualityComparer.Default.Equals(fieldType.OriginalDefinition, concurrentQueue) || SymbolEqualityComparer.Default.Equals(fieldType.OriginalDefinition, queue))
                    && (field.IsStatic || (typeLivesForProcess ??= LifetimeService.For(handlers).LivesForProcess(type))))
                {
                    states[field] = new QueueState();
                }
            }

            if (states.IsEmpty || type.GetTypeMembers().Length > 0)
            {
                return;
            }

            context.RegisterOperationAction(
                c =>
                {
                    var reference = (IFieldReferenceOperation)c.Operation;
                    if (!states.TryGetValue(reference.Field.OriginalDefinition, out var state))
                    {
                        return;
                    }

                    lock (state)
                    {
                        switch (reference.Parent)
                        {
                            case IInvocationOperation invocation when ReferenceEquals(invocation.Instance, reference):
                                switch (invocation.TargetMethod.Name)
                                {
                                    case "Enqueue":
                                        if (IsGuardedByCount(invocation, reference.Field))
                                        {
                                            state.Bounded = true;
                                        }
                                        else if (IsPoolReturn(invocation, c.ContainingSymbol))
                                        {
                                            // An object pool: what comes back was rented before, so the pool holds at
                                            // most the peak of concurrent borrowers. Not a work queue.
                                        }
                                        else
                                        {
                                            state.Enqueued = true;
                                        }

                                        break;
                                    case "TryDequeue":
                                    case "Dequeue":
                                        state.Dequeued = true;
                                        break;
                                    case "Clear":
                                        state.Bounded = true;
                                        break;
                                }

                                break;
                            case IPropertyReferenceOperation { Property.Name: "Count" }:
                                state.Bounded = true; // a size check somewhere: assume it bounds the queue
                                break;
                            case IPropertyReferenceOperation:
                            case IFieldInitializerOperation:
                            case IForEachLoopOperation:
                            case ILockOperation:
                                break;
                            case ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Target, reference) && c.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor }:
                                break;
                            default:
                                state.Escapes = true;
                                break;
                        }
                    }
                },
                OperationKind.FieldReference);

            context.RegisterSymbolEndAction(c =>
            {
                foreach (var pair in states)
                {
                    var state = pair.Value;
                    if (state.Enqueued && state.Dequeued && !state.Bounded && !state.Escapes && pair.Key.Locations.Length > 0)
                    {
                        c.ReportDiagnostic(Diagnostic.Create(
                            Descriptors.MEM050_UnboundedQueue,
                            pair.Key.Locations[0],
                            ImmutableDictionary<string, string?>.Empty.Add(KindProperty, QueueFieldKind),
                            "The work queue '" + pair.Key.Name + "' (" + Display(pair.Key.Type) + ", enqueued and dequeued with no size check before Enqueue)"));
                    }
                }
            });
        }

        private static readonly string[] PoolReturnNames = { "Return", "Release", "Dispose", "Recycle", "Free", "GiveBack", "Put" };

        /// <summary>
        /// <c>_pool.Enqueue(item)</c> in <c>Return(T item)</c> / <c>Release</c> / <c>Dispose</c> (of a parameter or of
        /// <c>this</c>): an object coming back to a pool.
        /// </summary>
        private static bool IsPoolReturn(IInvocationOperation enqueue, ISymbol? containing)
        {
            if (containing is not IMethodSymbol method || enqueue.Arguments.Length != 1)
            {
                return false;
            }

            var name = method.Name;
            if (!PoolReturnNames.Any(n => name.StartsWith(n, System.StringComparison.Ordinal)))
            {
                return false;
            }

            var value = OperationTree.SkipConversions(enqueue.Arguments[0].Value);
            return value is IParameterReferenceOperation || value is IInstanceReferenceOperation;
        }

        private static bool IsGuardedByCount(IOperation operation, IFieldSymbol field)
        {
            for (var current = operation.Parent; current is not null; current = current.Parent)
            {
                if (current is IConditionalOperation conditional
                    && conditional.Condition.DescendantsAndSelf().OfType<IPropertyReferenceOperation>().Any(p => p.Property.Name == "Count" && p.Instance is IFieldReferenceOperation f && SymbolEqualityComparer.Default.Equals(f.Field, field)))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Diagnostic property of a dataflow finding the fix can bound: the options type to create or extend.</summary>
        public const string OptionsTypeProperty = "options";

        private static void Report(OperationAnalysisContext context, IOperation operation, string what, string kind, string? optionsType = null)
        {
            var properties = ImmutableDictionary<string, string?>.Empty.Add(KindProperty, kind);
            if (optionsType is not null)
            {
                properties = properties.Add(OptionsTypeProperty, optionsType);
            }

            context.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM050_UnboundedQueue, operation.Syntax.GetLocation(), properties, what));
        }

        /// <summary>
        /// A block held in a local of a once-per-process body (<c>ExecuteAsync</c> before its loop) and fed
        /// (<c>Post</c>/<c>SendAsync</c>) in the worker loop: it lives as long as the loop and grows with what it is fed.
        /// </summary>
        private static bool IsRunOnceLocalFedPerIteration(IObjectCreationOperation creation, HandlerRecognizer handlers, System.Threading.CancellationToken cancellationToken)
        {
            var use = OperationTree.OuterConversion(creation);
            if (use.Parent is not IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }
                || handlers.Classify(creation, cancellationToken).Kind != HandlerCodeKind.RunOnceBody)
            {
                return false;
            }

            foreach (var operation in OperationTree.Root(creation).Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (operation is ILocalReferenceOperation reference
                    && SymbolEqualityComparer.Default.Equals(reference.Local, declarator.Symbol)
                    && DataflowFix.FeedingCall(reference) is "Post" or "SendAsync" or "OfferMessage"
                    && handlers.Classify(reference, cancellationToken).Kind == HandlerCodeKind.WorkerLoopBody)
                {
                    return true;
                }
            }

            return false;
        }

        private static string Display(ITypeSymbol? type)
            => type?.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) ?? "queue";

        /// <summary>Stored in a field or property (or its initializer), or registered with DI: it outlives one unit of work.</summary>
        private static bool IsKeptBeyondOneUnitOfWork(IOperation operation)
        {
            var current = operation;
            while (current.Parent is IConversionOperation)
            {
                current = current.Parent;
            }

            switch (current.Parent)
            {
                case IFieldInitializerOperation:
                case IPropertyInitializerOperation:
                    return true;
                case ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Value, current):
                    return assignment.Target is IFieldReferenceOperation || assignment.Target is IPropertyReferenceOperation;
                case IArgumentOperation { Parent: IInvocationOperation invocation }:
                    return invocation.TargetMethod.Name.StartsWith("AddSingleton", System.StringComparison.Ordinal)
                        || invocation.TargetMethod.Name.StartsWith("TryAddSingleton", System.StringComparison.Ordinal);
                default:
                    return false;
            }
        }

        /// <summary>True when the block's options are created inline with BoundedCapacity set, or are not inspectable (then silent).</summary>
        private static bool SetsBoundedCapacity(IObjectCreationOperation creation)
        {
            foreach (var argument in creation.Arguments)
            {
                var type = argument.Parameter?.Type;
                if (type is null || !type.Name.EndsWith("BlockOptions", System.StringComparison.Ordinal))
                {
                    continue;
                }

                var value = argument.Value;
                while (value is IConversionOperation conversion)
                {
                    value = conversion.Operand;
                }

                if (value is IObjectCreationOperation options)
                {
                    return options.Initializer?.Initializers.OfType<ISimpleAssignmentOperation>()
                        .Any(a => a.Target is IPropertyReferenceOperation { Property.Name: "BoundedCapacity" }) == true;
                }

                if (value is IDefaultValueOperation || value.ConstantValue.HasValue)
                {
                    return false;
                }

                return true; // options built elsewhere: cannot tell, stay silent
            }

            return false;
        }
    }

    /// <summary>
    /// When MEM050's fix may bound a dataflow block: a private field's ActionBlock/TransformBlock/TransformManyBlock/
    /// BufferBlock, with no options or inline options, fed only with <c>SendAsync</c> in its type. A bounded block's
    /// <c>Post</c> returns <c>false</c> and drops the message when the block is full, so a block anything <c>Post</c>s
    /// to (or that escapes the type) gets no fix: bounding it would turn queueing into silent loss.
    /// </summary>
    internal static class DataflowFix
    {
        private static readonly ImmutableHashSet<string> SafeCalls = ImmutableHashSet.Create(
            System.StringComparer.Ordinal, "SendAsync", "Complete", "Fault", "LinkTo", "Receive", "ReceiveAsync", "TryReceive", "TryReceiveAll", "OutputAvailableAsync", "AsObservable", "AsObserver");

        /// <summary>The options type the fix creates or extends, or null when no safe fix exists.</summary>
        public static string? OptionsTypeFor(IObjectCreationOperation creation, INamedTypeSymbol type, System.Threading.CancellationToken cancellationToken)
        {
            var optionsType = type.OriginalDefinition.MetadataName switch
            {
                "ActionBlock`1" or "TransformBlock`2" or "TransformManyBlock`2" => "ExecutionDataflowBlockOptions",
                "BufferBlock`1" => "DataflowBlockOptions",
                _ => null, // BatchBlock needs BoundedCapacity >= batch size; Broadcast/WriteOnce keep one item
            };

            var field = TargetField(creation);
            if (optionsType is null || field is null || field.DeclaredAccessibility != Accessibility.Private || creation.SemanticModel is null
                || field.ContainingType.DeclaringSyntaxReferences.Length != 1)
            {
                return null;
            }

            var typeSyntax = field.ContainingType.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
            if (typeSyntax.SyntaxTree != creation.Syntax.SyntaxTree)
            {
                return null;
            }

            var model = creation.SemanticModel;
            foreach (var node in typeSyntax.DescendantNodes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (node is not Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax identifier || identifier.Identifier.ValueText != field.Name
                    || model.GetOperation(identifier, cancellationToken) is not IFieldReferenceOperation reference
                    || !SymbolEqualityComparer.Default.Equals(reference.Field.OriginalDefinition, field.OriginalDefinition))
                {
                    continue;
                }

                var use = OperationTree.OuterConversion(reference);
                switch (use.Parent)
                {
                    case ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Target, use) && ReferenceEquals(OperationTree.SkipConversions(assignment.Value), creation):
                    case IPropertyReferenceOperation:
                        continue;
                    case IInvocationOperation or IArgumentOperation when FeedingCall(reference) is { } call && SafeCalls.Contains(call):
                        continue;
                    default:
                        return null;
                }
            }

            return optionsType;
        }

        /// <summary>The name of the call that uses the block: <c>block.Post(x)</c>, <c>DataflowBlock.SendAsync(block, x)</c>, <c>source.LinkTo(block)</c>.</summary>
        public static string? FeedingCall(IOperation reference)
        {
            var use = OperationTree.OuterConversion(reference);
            return use.Parent switch
            {
                IInvocationOperation invocation when ReferenceEquals(invocation.Instance, use) => invocation.TargetMethod.Name,
                IArgumentOperation { Parent: IInvocationOperation invocation } => invocation.TargetMethod.Name,
                _ => null,
            };
        }

        private static IFieldSymbol? TargetField(IOperation creation)
        {
            var use = OperationTree.OuterConversion(creation);
            return use.Parent switch
            {
                IFieldInitializerOperation initializer when initializer.InitializedFields.Length == 1 => initializer.InitializedFields[0],
                ISimpleAssignmentOperation { Target: IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } target } => target.Field,
                _ => null,
            };
        }
    }
}
