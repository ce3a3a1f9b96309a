using System.Collections.Immutable;
using System.Linq;
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

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.MEM050_UnboundedQueue);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var channel = KnownTypes.Get(context.Compilation, "System.Threading.Channels.Channel");
            var blockingCollection = KnownTypes.Get(context.Compilation, "System.Collections.Concurrent.BlockingCollection`1");
            var dataflowBlock = KnownTypes.Get(context.Compilation, "System.Threading.Tasks.Dataflow.IDataflowBlock");
            if (channel is null && blockingCollection is null && dataflowBlock is null)
            {
                return;
            }

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
                    var creation = (IObjectCreationOperation)c.Operation;
                    var type = creation.Type as INamedTypeSymbol;
                    if (type is null || !IsKeptBeyondOneUnitOfWork(creation))
                    {
                        return;
                    }

                    if (blockingCollection is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, blockingCollection))
                    {
                        if (!creation.Arguments.Any(a => a.Parameter?.Name == "boundedCapacity"))
                        {
                            Report(c, creation, "The BlockingCollection '" + Display(type) + "'", BlockingCollectionKind);
                        }
                    }
                    else if (dataflowBlock is not null && KnownTypes.IsOrDerivesFrom(type, dataflowBlock) && !SetsBoundedCapacity(creation))
                    {
                        Report(c, creation, "The dataflow block '" + Display(type) + "'", DataflowKind);
                    }
                },
                OperationKind.ObjectCreation);
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
