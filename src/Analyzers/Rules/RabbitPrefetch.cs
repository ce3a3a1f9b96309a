using System.Linq;
using System.Threading;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM050's broker shape: a long-lived RabbitMQ consumer started with <c>BasicConsume(Async)</c> on a channel with
    /// no prefetch limit. Without <c>BasicQos(Async)</c> (or with <c>prefetchCount: 0</c>), and always with
    /// <c>autoAck: true</c>, the broker pushes every ready message of the queue to the client, which buffers the
    /// deliveries in an unbounded in-process queue until the handler gets to them: a backlog on the broker becomes a
    /// backlog in the worker's memory. Resolved once per compilation; null when RabbitMQ.Client is not referenced.
    /// </summary>
    internal sealed class RabbitPrefetch
    {
        private static readonly string[] ChannelFactories = { "CreateChannelAsync", "CreateChannel", "CreateModel" };

        private readonly INamedTypeSymbol? _channel;
        private readonly INamedTypeSymbol? _model;

        private RabbitPrefetch(INamedTypeSymbol? channel, INamedTypeSymbol? model)
        {
            _channel = channel;
            _model = model;
        }

        /// <summary>RabbitMQ.Client 7 (<c>IChannel</c>) or 6 (<c>IModel</c>); null when neither is referenced.</summary>
        public static RabbitPrefetch? Create(Compilation compilation)
        {
            var channel = KnownTypes.Get(compilation, "RabbitMQ.Client.IChannel");
            var model = KnownTypes.Get(compilation, "RabbitMQ.Client.IModel");
            return channel is null && model is null ? null : new RabbitPrefetch(channel, model);
        }

        /// <summary>
        /// For a <c>BasicConsume(Async)</c> call: what to report (the consumer described for the message), or null.
        /// Silent when the call runs per unit of work (a consumer per RPC call is MEM030's), for the direct reply-to
        /// pseudo queue (which requires <c>autoAck</c>), when the channel is not created by this code (a parameter, an
        /// injected channel: whoever created it may have set the prefetch), or when the type sets a prefetch limit
        /// anywhere (<c>BasicQos(Async)</c> with a <c>prefetchCount</c> that is not the constant 0).
        /// </summary>
        public string? Describe(IInvocationOperation invocation, HandlerRecognizer handlers, CancellationToken cancellationToken)
        {
            var method = invocation.TargetMethod;
            if (method.Name != "BasicConsumeAsync" && method.Name != "BasicConsume")
            {
                return null;
            }

            var receiver = invocation.Instance ?? (method.IsExtensionMethod && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
            receiver = OperationTree.SkipConversions(receiver);
            if (receiver is null || !IsChannel(receiver.Type))
            {
                return null;
            }

            var queue = Argument(invocation, "queue");
            if (queue?.ConstantValue is { HasValue: true, Value: string name } && name.StartsWith("amq.rabbitmq.reply-to", System.StringComparison.Ordinal))
            {
                return null;
            }

            var queueText = queue?.ConstantValue is { HasValue: true, Value: string constant } ? "'" + constant + "'" : "its queue";
            var autoAck = Argument(invocation, "autoAck")?.ConstantValue is { HasValue: true, Value: true };

            if (handlers.Classify(invocation, cancellationToken).RunsPerUnitOfWork)
            {
                return null;
            }

            if (autoAck)
            {
                return "The RabbitMQ consumer of " + queueText + " (autoAck: true, so no prefetch limit applies: the broker pushes every ready message into the client's unbounded delivery queue)";
            }

            if (!CreatedHere(receiver, cancellationToken))
            {
                return null;
            }

            var type = (invocation.SemanticModel?.GetEnclosingSymbol(invocation.Syntax.SpanStart, cancellationToken))?.ContainingType;
            var prefetch = PrefetchIn(type, cancellationToken);
            if (prefetch == Prefetch.Limited)
            {
                return null;
            }

            return "The RabbitMQ consumer of " + queueText + (prefetch == Prefetch.Zero
                ? " (BasicQos with prefetchCount 0, which means no limit: the broker pushes every ready message into the client's unbounded delivery queue)"
                : " (no BasicQos prefetch limit on its channel: the broker pushes every ready message into the client's unbounded delivery queue)");
        }

        private bool IsChannel(ITypeSymbol? type)
        {
            if (type is not INamedTypeSymbol named)
            {
                return false;
            }

            bool Is(INamedTypeSymbol? candidate)
                => candidate is not null && (SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, candidate) || named.AllInterfaces.Contains(candidate, SymbolEqualityComparer.Default));

            return Is(_channel) || Is(_model);
        }

        private static IOperation? Argument(IInvocationOperation invocation, string parameter)
            => OperationTree.SkipConversions(invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == parameter)?.Value);

        /// <summary>
        /// The channel is created by this code: a local initialised from <c>CreateChannel(Async)</c>/<c>CreateModel</c>,
        /// or a field/property that its type assigns from one of them.
        /// </summary>
        private static bool CreatedHere(IOperation receiver, CancellationToken cancellationToken)
        {
            switch (receiver)
            {
                case ILocalReferenceOperation local:
                    foreach (var reference in local.Local.DeclaringSyntaxReferences)
                    {
                        if (reference.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } value } && CallsChannelFactory(value))
                        {
                            return true;
                        }
                    }

                    return false;

                case IFieldReferenceOperation field:
                    return AssignedFromChannelFactory(field.Field, cancellationToken);

                case IPropertyReferenceOperation property:
                    return AssignedFromChannelFactory(property.Property, cancellationToken);

                default:
                    return false;
            }
        }

        private static bool AssignedFromChannelFactory(ISymbol member, CancellationToken cancellationToken)
        {
            foreach (var reference in member.ContainingType?.DeclaringSyntaxReferences ?? default)
            {
                foreach (var node in reference.GetSyntax(cancellationToken).DescendantNodes())
                {
                    var value = node switch
                    {
                        AssignmentExpressionSyntax assignment when LastName(assignment.Left) == member.Name => assignment.Right,
                        VariableDeclaratorSyntax declarator when declarator.Identifier.ValueText == member.Name => declarator.Initializer?.Value,
                        PropertyDeclarationSyntax declaration when declaration.Identifier.ValueText == member.Name => declaration.Initializer?.Value,
                        _ => null,
                    };
                    if (value is not null && CallsChannelFactory(value))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static string? LastName(ExpressionSyntax expression) => expression switch
        {
            IdentifierNameSyntax name => name.Identifier.ValueText,
            MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
            _ => null,
        };

        private static bool CallsChannelFactory(ExpressionSyntax value)
            => value.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>().Any(call =>
                call.Expression switch
                {
                    MemberAccessExpressionSyntax access => ChannelFactories.Contains(access.Name.Identifier.ValueText),
                    IdentifierNameSyntax name => ChannelFactories.Contains(name.Identifier.ValueText),
                    _ => false,
                });

        private enum Prefetch
        {
            None,
            Zero,
            Limited,
        }

        /// <summary>
        /// The prefetch the type sets (syntax only, read once per consume call, which is rare): a <c>BasicQos(Async)</c>
        /// call whose <c>prefetchCount</c> (the second argument, or named) is anything but the literal 0 sets a limit.
        /// </summary>
        private static Prefetch PrefetchIn(INamedTypeSymbol? type, CancellationToken cancellationToken)
        {
            var result = Prefetch.None;
            foreach (var reference in type?.DeclaringSyntaxReferences ?? default)
            {
                foreach (var call in reference.GetSyntax(cancellationToken).DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    var name = call.Expression switch
                    {
                        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
                        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                        _ => null,
                    };
                    if (name != "BasicQos" && name != "BasicQosAsync")
                    {
                        continue;
                    }

                    var arguments = call.ArgumentList.Arguments;
                    var count = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "prefetchCount")
                        ?? (arguments.Count > 1 && arguments[1].NameColon is null ? arguments[1] : null);
                    if (count is null)
                    {
                        continue; // half-typed
                    }

                    if (count.Expression is LiteralExpressionSyntax literal && literal.IsKind(SyntaxKind.NumericLiteralExpression) && literal.Token.ValueText == "0")
                    {
                        result = Prefetch.Zero;
                        continue;
                    }

                    return Prefetch.Limited;
                }
            }

            return result;
        }
    }
}
