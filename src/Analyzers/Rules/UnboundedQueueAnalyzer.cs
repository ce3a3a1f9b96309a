using System.Collections.Immutable;
using System.Linq;
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

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.MEM050_UnboundedQueue);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var channel = KnownTypes.Get(context.Compilation, "System.Threading.Channels.Channel");
            var blockingCollection = KnownTypes.Get(context.Compilation, "System.Collections.Concurrent.BlockingCollection`1");
            var dataflowBlock = KnownTypes.Get(context.Compilation, "System.Threading.Tasks.Dataflow.IDataflowBlock");
            var concurrentQueue = KnownTypes.Get(context.Compilation, "System.Collections.Concurrent.ConcurrentQueue`1");
            var queue = KnownTypes.Get(context.Compilation, "System.Collections.Generic.Queue`1");
            if (channel is null && blockingCollection is null && dataflowBlock is null && concurrentQueue is null)
            {
                return;
            }

            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
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
                        && KnownTypes.IsOrDerivesFrom(type, dataflowBlock) && IsKeptBeyondOneUnitOfWork(creation) && !SetsBoundedCapacity(creation))
                    {
                        Report(c, creation, "The dataflow block '" + Display(type) + "'", DataflowKind);
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

        private static void Report(OperationAnalysisContext context, IOperation operation, string what, string kind)
            => context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM050_UnboundedQueue,
                operation.Syntax.GetLocation(),
                ImmutableDictionary<string, string?>.Empty.Add(KindProperty, kind),
                what));

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
}
