using System.Linq;
using System.Threading;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM030's RabbitMQ shape: an eventing consumer created per request or RPC call and started with
    /// <c>BasicConsumeAsync</c> on a channel that outlives the call. The channel keeps every started consumer until its
    /// tag is cancelled, so a handler that is never removed and a tag that is never cancelled keep one consumer (and
    /// what its handler captures) per call. Resolved once per compilation; null when RabbitMQ.Client is not referenced.
    /// </summary>
    internal sealed class RabbitConsumerTypes
    {
        private readonly INamedTypeSymbol? _asyncConsumer;
        private readonly INamedTypeSymbol? _consumer;

        private RabbitConsumerTypes(INamedTypeSymbol? asyncConsumer, INamedTypeSymbol? consumer)
        {
            _asyncConsumer = asyncConsumer;
            _consumer = consumer;
        }

        public static RabbitConsumerTypes? Create(Compilation compilation)
        {
            var asyncConsumer = KnownTypes.Get(compilation, "RabbitMQ.Client.Events.AsyncEventingBasicConsumer");
            var consumer = KnownTypes.Get(compilation, "RabbitMQ.Client.Events.EventingBasicConsumer");
            return asyncConsumer is null && consumer is null ? null : new RabbitConsumerTypes(asyncConsumer, consumer);
        }

        /// <summary>The consumer's delivery event (<c>ReceivedAsync</c>, <c>Received</c>).</summary>
        public bool IsConsumerEvent(IEventSymbol @event)
        {
            var containing = @event.ContainingType?.OriginalDefinition;
            return (@event.Name == "ReceivedAsync" || @event.Name == "Received")
                && (SymbolEqualityComparer.Default.Equals(containing, _asyncConsumer) || SymbolEqualityComparer.Default.Equals(containing, _consumer));
        }

        /// <summary>
        /// The channel (described for a message) when the subscribed consumer is a local created in this body, started
        /// with <c>BasicConsume(Async)</c> on a channel this body does not own (a field, property or parameter), the same
        /// handler is never removed (<c>-= null</c> and <c>-=</c> with a new lambda remove nothing), and nothing in the
        /// type cancels a consumer tag. Otherwise null (silent).
        /// </summary>
        public string? DescribePerCallConsumer(IEventAssignmentOperation subscription, IEventReferenceOperation eventReference, IOperation handler, CancellationToken cancellationToken)
        {
            if (OperationTree.SkipConversions(eventReference.Instance) is not ILocalReferenceOperation consumerReference)
            {
                return null;
            }

            var consumer = consumerReference.Local;
            var created = false;
            string? channel = null;
            foreach (var operation in OperationTree.Root(subscription).Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, consumer):
                        created |= OperationTree.SkipConversions(declarator.Initializer?.Value) is IObjectCreationOperation;
                        break;
                    case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, consumer):
                        created |= OperationTree.SkipConversions(assignment.Value) is IObjectCreationOperation;
                        break;
                    case IInvocationOperation { TargetMethod.Name: "BasicConsumeAsync" or "BasicConsume" } consume
                        when consume.Arguments.Any(a => OperationTree.SkipConversions(a.Value) is ILocalReferenceOperation passed && SymbolEqualityComparer.Default.Equals(passed.Local, consumer)):
                        channel ??= DescribeChannel(consume.Instance ?? (consume.Arguments.Length > 0 ? consume.Arguments[0].Value : null));
                        break;
                    case IEventAssignmentOperation { Adds: false, EventReference: IEventReferenceOperation removed } remove
                        when SymbolEqualityComparer.Default.Equals(removed.Event.OriginalDefinition, eventReference.Event.OriginalDefinition)
                             && SameHandler(handler, remove.HandlerValue):
                        return null;
                }
            }

            return created && channel is not null && !CancelsATag(subscription, cancellationToken) ? channel : null;
        }

        /// <summary>A channel the body does not own: a field, a property or a parameter (a local channel is closed with it).</summary>
        private static string? DescribeChannel(IOperation? channel)
            => OperationTree.SkipConversions(channel) switch
            {
                IFieldReferenceOperation field => "the channel '" + field.Field.Name + "'",
                IPropertyReferenceOperation property => "the channel '" + property.Property.Name + "'",
                IParameterReferenceOperation parameter => "the channel '" + parameter.Parameter.Name + "'",
                _ => null,
            };

        /// <summary>Same delegate identity: a local, field or method group (a lambda or null never matches).</summary>
        private static bool SameHandler(IOperation added, IOperation removed)
        {
            var a = Unwrap(added);
            var b = Unwrap(removed);
            return (a, b) switch
            {
                (ILocalReferenceOperation x, ILocalReferenceOperation y) => SymbolEqualityComparer.Default.Equals(x.Local, y.Local),
                (IFieldReferenceOperation x, IFieldReferenceOperation y) => SymbolEqualityComparer.Default.Equals(x.Field, y.Field),
                (IMethodReferenceOperation x, IMethodReferenceOperation y) => SymbolEqualityComparer.Default.Equals(x.Method, y.Method),
                _ => false,
            };
        }

        private static IOperation? Unwrap(IOperation? operation)
        {
            while (operation is IConversionOperation or IDelegateCreationOperation)
            {
                operation = operation is IConversionOperation conversion ? conversion.Operand : ((IDelegateCreationOperation)operation).Target;
            }

            return operation;
        }

        /// <summary>Any <c>BasicCancel(Async)</c> in the containing type (syntax only): a tag cancelled anywhere counts.</summary>
        private static bool CancelsATag(IOperation origin, CancellationToken cancellationToken)
        {
            var type = origin.Syntax.FirstAncestorOrSelf<TypeDeclarationSyntax>();
            return type is not null
                && type.DescendantNodes().OfType<SimpleNameSyntax>().Any(name =>
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    return name.Identifier.ValueText is "BasicCancelAsync" or "BasicCancel";
                });
        }
    }
}
