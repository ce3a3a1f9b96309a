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
    /// MEM060: an <c>XmlSerializer</c> built per unit of work with a constructor whose generated assembly the runtime
    /// does not cache (everything but <c>(Type)</c> and <c>(Type, string)</c>), or <c>XmlSerializer.FromTypes</c>.
    /// Silent when the serializer is stored (a field, a dictionary, a lazy or GetOrAdd factory): that is the cache
    /// (<see cref="StoredValues"/>).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class XmlSerializerAnalyzer : MemoryAnalyzerBase
    {
        /// <summary>Diagnostic property: which rewrite the fixer may apply.</summary>
        public const string FixProperty = "fix";

        /// <summary>Every argument is static-invariant: the creation moves to a static readonly field.</summary>
        public const string StaticFieldFix = "static";

        /// <summary>Only the Type argument varies: a static ConcurrentDictionary keyed by the type.</summary>
        public const string CacheByTypeFix = "cacheByType";

        private const string XmlSerializerName = "System.Xml.Serialization.XmlSerializer";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.MEM060_XmlSerializerPerUnitOfWork);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = RuleActions.Of(OperationKind.ObjectCreation, OperationKind.Invocation);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            // System.Private.Xml is referenced by every .NET project, but the type is resolved once per compilation and
            // the rule needs a handler framework to find per-message code at all.
            var serializer = KnownTypes.Get(context.Compilation, XmlSerializerName);
            if (serializer is null)
            {
                return;
            }

            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            if (!handlers.HasAnyFramework)
            {
                return;
            }

            var type = KnownTypes.Get(context.Compilation, "System.Type");
            var index = LocalReferenceIndex.For(context.Compilation);

            context.RegisterOperationAction(
                c =>
                {
                    var creation = (IObjectCreationOperation)c.Operation;
                    if (!SymbolEqualityComparer.Default.Equals(creation.Type, serializer) || creation.Constructor is not { } constructor || IsCachedConstructor(constructor, type))
                    {
                        return;
                    }

                    var arguments = "'new XmlSerializer(" + string.Join(", ", constructor.Parameters.Select(p => p.Type.Name)) + ")'";
                    Analyze(c, creation, arguments, FixFor(creation), handlers, index);
                },
                OperationKind.ObjectCreation);

            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    if (invocation.TargetMethod.Name != "FromTypes" || !SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, serializer))
                    {
                        return;
                    }

                    Analyze(c, invocation, "'XmlSerializer.FromTypes'", null, handlers, index);
                },
                OperationKind.Invocation);
        }

        /// <summary>The two constructors that look their generated assembly up in the runtime's cache.</summary>
        private static bool IsCachedConstructor(IMethodSymbol constructor, INamedTypeSymbol? type)
        {
            var parameters = constructor.Parameters;
            if (parameters.Length == 0 || !SymbolEqualityComparer.Default.Equals(parameters[0].Type, type))
            {
                // XmlSerializer(XmlTypeMapping) and the protected parameterless constructor of generated serializers:
                // the mapping form generates per call too; the protected one is never called with 'new'.
                return parameters.Length == 0;
            }

            return parameters.Length == 1 || (parameters.Length == 2 && parameters[1].Type.SpecialType == SpecialType.System_String);
        }

        private static void Analyze(OperationAnalysisContext context, IOperation creation, string arguments, string? fix, HandlerRecognizer handlers, LocalReferenceIndex index)
        {
            var code = handlers.Classify(creation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork || StoredValues.IsStored(creation, index, context.CancellationToken))
            {
                return;
            }

            var properties = fix is null ? ImmutableDictionary<string, string?>.Empty : ImmutableDictionary<string, string?>.Empty.Add(FixProperty, fix);
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM060_XmlSerializerPerUnitOfWork, creation.Syntax.GetLocation(), properties, arguments, code.Describe()));
        }

        private static string? FixFor(IObjectCreationOperation creation)
        {
            if (creation.Initializer is not null || creation.Arguments.Any(a => a.ArgumentKind != ArgumentKind.Explicit))
            {
                return null;
            }

            if (creation.Arguments.All(a => StaticInvariance.IsInvariant(a.Value)))
            {
                return StaticFieldFix;
            }

            return creation.Arguments.Length > 1
                && creation.Arguments[0].Parameter?.Ordinal == 0
                && creation.Arguments.Skip(1).All(a => StaticInvariance.IsInvariant(a.Value))
                    ? CacheByTypeFix
                    : null;
        }
    }
}
