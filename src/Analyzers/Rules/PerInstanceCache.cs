using System.Linq;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Handlers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM051's per-instance shape: a <c>System.Runtime.Caching.MemoryCache</c> created per unit of work — in a handler
    /// body, or in the constructor or a field initializer of a type created per unit of work (registered as scoped or
    /// transient, a per-invocation handler: the shared reachability's answer) — stored in a field or property, and never
    /// disposed by its type. Unlike <c>Microsoft.Extensions.Caching.Memory.MemoryCache</c>, each such instance registers
    /// itself with the runtime (strong GC handles to its stores, a statistics timer, <c>AppDomain</c> unload/exit event
    /// handlers) and stays reachable until <c>Dispose</c>: one cache, with every entry it holds, per message, forever.
    /// A creation held in a local is MEM020's (an undisposed disposable): one finding per object.
    /// </summary>
    public static class PerInstanceCache
    {
        /// <summary>Diagnostic property: the member the fix disposes in its type's <c>Dispose</c>.</summary>
        public const string DisposeMemberProperty = "disposeMember";

        public static void Analyze(OperationAnalysisContext context, IObjectCreationOperation creation, HandlerRecognizer handlers)
        {
            ISymbol? member = OperationTree.OuterConversion(creation).Parent switch
            {
                IFieldInitializerOperation initializer when initializer.InitializedFields.Length == 1 => initializer.InitializedFields[0],
                IPropertyInitializerOperation initializer when initializer.InitializedProperties.Length == 1 => initializer.InitializedProperties[0],
                ISimpleAssignmentOperation { Target: IFieldReferenceOperation field } => field.Field,
                ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } => property.Property,
                _ => null, // a local (MEM020's), `??=` (created once), an argument (handed on)
            };

            if (member is null || member.ContainingType is null)
            {
                return;
            }

            var code = handlers.Classify(creation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork || MemberDisposal.DisposedByItsType(member.ContainingType, member.Name, context.CancellationToken))
            {
                return;
            }

            // The fix disposes it with its owner: only for an instance member created once per instance (its
            // initializer or a constructor), so that Dispose releases the only cache the instance ever had.
            var properties = System.Collections.Immutable.ImmutableDictionary<string, string?>.Empty;
            if (!member.IsStatic
                && (OperationTree.OuterConversion(creation).Parent is IFieldInitializerOperation or IPropertyInitializerOperation
                    || (OperationTree.Root(creation) is IConstructorBodyOperation && Ownership.ContainingFunction(creation) is null)))
            {
                properties = properties.Add(DisposeMemberProperty, member.Name);
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM051_UnboundedCacheEntry,
                creation.Syntax.GetLocation(),
                properties,
                "The System.Runtime.Caching MemoryCache in '" + member.Name + "' is created " + code.Describe()
                + " and never disposed: its timers, GC handles and AppDomain event handlers keep every instance alive"));
        }
    }
}
