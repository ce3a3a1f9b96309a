using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Flow
{
    /// <summary>
    /// Per-compilation answers to "does this object outlive the current unit of work?": process-lifetime
    /// cancellation tokens (the host's stopping token, <c>IHostApplicationLifetime.ApplicationStopping</c>, fields of
    /// long-lived handlers) and long-lived publishers (static members, injected services, long-lived handler instances).
    /// Conservative: unknown means not long-lived.
    /// </summary>
    public sealed class LongLivedSources
    {
        private readonly HandlerRecognizer _handlers;
        private readonly LifetimeService _lifetimes;
        private readonly INamedTypeSymbol? _cancellationToken;
        private readonly INamedTypeSymbol? _cancellationTokenSource;
        private readonly INamedTypeSymbol? _hostApplicationLifetime;
        private readonly INamedTypeSymbol? _hangfireJobCancellationToken;
        private readonly INamedTypeSymbol? _coravelCancellableInvocable;
        private readonly INamedTypeSymbol? _appDomain;

        public LongLivedSources(Compilation compilation, HandlerRecognizer handlers)
        {
            _handlers = handlers;
            _lifetimes = LifetimeService.For(handlers);
            _cancellationToken = KnownTypes.Get(compilation, "System.Threading.CancellationToken");
            _cancellationTokenSource = KnownTypes.Get(compilation, "System.Threading.CancellationTokenSource");
            _hostApplicationLifetime = KnownTypes.Get(compilation, "Microsoft.Extensions.Hosting.IHostApplicationLifetime");
            _hangfireJobCancellationToken = KnownTypes.Get(compilation, "Hangfire.IJobCancellationToken");
            _coravelCancellableInvocable = KnownTypes.Get(compilation, "Coravel.Invocable.ICancellableInvocable");
            _appDomain = KnownTypes.Get(compilation, "System.AppDomain");
        }

        public INamedTypeSymbol? CancellationToken => _cancellationToken;

        public INamedTypeSymbol? CancellationTokenSource => _cancellationTokenSource;

        /// <summary>
        /// A short description ("the host's stopping token 'stoppingToken'") when <paramref name="token"/> is a
        /// cancellation token that lives for the process; otherwise null.
        /// </summary>
        public string? DescribeProcessLifetimeToken(IOperation? token)
        {
            token = Unwrap(token);
            switch (token)
            {
                case IParameterReferenceOperation parameter
                    when parameter.Parameter.ContainingSymbol is IMethodSymbol method
                         && _handlers.GetEntryPoint(method) is { RunsOnce: true, InstanceLifetime: HandlerLifetime.LongLived }:
                    return "the host's stopping token '" + parameter.Parameter.Name + "'";

                case IPropertyReferenceOperation property when IsLifetimeToken(property.Property):
                    return "'" + property.Property.ContainingType.Name + "." + property.Property.Name + "'";

                case IPropertyReferenceOperation property when IsCoravelSchedulerToken(property.Property):
                    // Coravel's scheduler sets ICancellableInvocable.CancellationToken to its own token, one for the
                    // process (cancelled at shutdown); the queue's ICancellableTask.Token is a source per queued item.
                    return "Coravel's scheduler token '" + property.Property.Name + "' (one for the process)";

                case IFieldReferenceOperation field when IsLongLivedMember(field.Field, field.Instance):
                    return "the long-lived token '" + field.Field.Name + "'";

                case IPropertyReferenceOperation { Property.Name: "Token" } sourceToken
                    when sourceToken.Instance is IFieldReferenceOperation sourceField
                         && SymbolEqualityComparer.Default.Equals(sourceField.Field.Type, _cancellationTokenSource)
                         && IsLongLivedMember(sourceField.Field, sourceField.Instance):
                    return "the token of the long-lived '" + sourceField.Field.Name + "'";

                case IPropertyReferenceOperation property
                    when SymbolEqualityComparer.Default.Equals(property.Type, _cancellationToken)
                         && property.Property.IsStatic:
                    return "the static token '" + property.Property.Name + "'";

                default:
                    return null;
            }
        }

        /// <summary>
        /// A short description when <paramref name="instance"/> (the receiver of an event) lives longer than the
        /// current unit of work: null receiver of a static event (pass null), <c>AppDomain.CurrentDomain</c>, a static
        /// member, an injected service held in a field, or this/fields of a long-lived handler.
        /// </summary>
        public string? DescribeLongLivedPublisher(ISymbol member, IOperation? instance)
        {
            if (member.IsStatic)
            {
                return "the static event '" + member.ContainingType?.Name + "." + member.Name + "'";
            }

            instance = Unwrap(instance);
            switch (instance)
            {
                case IPropertyReferenceOperation { Property.IsStatic: true } property:
                    return SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, _appDomain)
                        ? "'AppDomain.CurrentDomain'"
                        : "the static '" + property.Property.ContainingType?.Name + "." + property.Property.Name + "'";

                case IFieldReferenceOperation { Field.IsStatic: true } staticField:
                    return "the static '" + staticField.Field.Name + "'";

                case IFieldReferenceOperation field when field.Instance is IInstanceReferenceOperation:
                    // A field of the handler: injected services outlive a per-invocation handler; anything a long-lived handler holds lives for the process.
                    if (IsLongLivedType(field.Field.ContainingType))
                    {
                        return "'" + field.Field.Name + "' of a long-lived handler";
                    }

                    return IsAssignedFromConstructorParameter(field.Field) ? "the injected '" + field.Field.Name + "'" : null;

                case IPropertyReferenceOperation property when property.Instance is IInstanceReferenceOperation:
                    return IsLongLivedType(property.Property.ContainingType) ? "'" + property.Property.Name + "' of a long-lived handler" : null;

                case IParameterReferenceOperation parameter when parameter.Parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor }:
                    return "the injected '" + parameter.Parameter.Name + "'";

                case IInstanceReferenceOperation self when self.Type is INamedTypeSymbol selfType && IsLongLivedType(selfType):
                    return "the long-lived handler itself";

                default:
                    return null;
            }
        }

        /// <summary>The lifetime service these answers come from.</summary>
        public LifetimeService Lifetimes => _lifetimes;

        /// <summary>True when instances of <paramref name="type"/> live for the process (see <see cref="LifetimeService"/>).</summary>
        public bool IsLongLivedType(INamedTypeSymbol? type) => _lifetimes.LivesForProcess(type);

        /// <summary>A field that outlives one invocation: static, or of a type that lives for the process (read through <c>this</c>).</summary>
        public bool IsLongLivedMember(IFieldSymbol field, IOperation? instance) => _lifetimes.IsLongLivedMember(field, instance);

        private bool IsLifetimeToken(IPropertySymbol property)
        {
            var containing = property.ContainingType?.OriginalDefinition;
            if (_hostApplicationLifetime is not null && KnownTypes.IsOrDerivesFrom(containing, _hostApplicationLifetime))
            {
                return property.Name == "ApplicationStopping" || property.Name == "ApplicationStarted" || property.Name == "ApplicationStopped";
            }

            return _hangfireJobCancellationToken is not null
                && KnownTypes.IsOrDerivesFrom(containing, _hangfireJobCancellationToken)
                && property.Name == "ShutdownToken";
        }

        private bool IsCoravelSchedulerToken(IPropertySymbol property)
            => _coravelCancellableInvocable is not null
               && property.Name == "CancellationToken"
               && !property.IsStatic
               && SymbolEqualityComparer.Default.Equals(property.Type, _cancellationToken)
               && KnownTypes.IsOrDerivesFrom(property.ContainingType, _coravelCancellableInvocable);

        /// <summary>True when a constructor of the field's type assigns the field from one of its parameters (an injected dependency).</summary>
        private static bool IsAssignedFromConstructorParameter(IFieldSymbol field)
        {
            foreach (var reference in field.DeclaringSyntaxReferences)
            {
                // Cheap syntactic check: the field's declaring type has a constructor parameter of the field's type.
                if (field.ContainingType is null)
                {
                    return false;
                }

                foreach (var constructor in field.ContainingType.InstanceConstructors)
                {
                    foreach (var parameter in constructor.Parameters)
                    {
                        if (SymbolEqualityComparer.Default.Equals(parameter.Type, field.Type))
                        {
                            return true;
                        }
                    }
                }

                return false;
            }

            return false;
        }

        private static IOperation? Unwrap(IOperation? operation)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            return operation;
        }
    }
}
