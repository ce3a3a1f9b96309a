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
    /// MEM051: handler code adds an IMemoryCache entry with no absolute or sliding expiration (or with
    /// CacheItemPriority.NeverRemove): <c>cache.Set(key, value)</c>, <c>Set(key, value, options)</c> with options that set
    /// no expiration, <c>GetOrCreate(Async)</c> whose factory sets none. Constant keys (one entry) are not reported.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class UnboundedCacheEntryAnalyzer : MemoryAnalyzerBase
    {
        public const string ShapeProperty = "shape";
        public const string SetShape = "set";
        public const string FactoryShape = "factory";

        private static readonly ImmutableHashSet<string> ExpirationMembers = ImmutableHashSet.Create(
            "AbsoluteExpiration", "AbsoluteExpirationRelativeToNow", "SlidingExpiration",
            "SetAbsoluteExpiration", "SetSlidingExpiration", "SetOptions", "AddExpirationToken", "ExpirationTokens");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.MEM051_UnboundedCacheEntry);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var cacheExtensions = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.Caching.Memory.CacheExtensions");
            var entryOptions = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.Caching.Memory.MemoryCacheEntryOptions");
            if (cacheExtensions is null)
            {
                return;
            }

            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    var method = invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod;
                    if (!SymbolEqualityComparer.Default.Equals(method.ContainingType, cacheExtensions))
                    {
                        return;
                    }

                    string? shape = null;
                    string detail = string.Empty;
                    if (method.Name == "Set")
                    {
                        var extra = invocation.Arguments.Where(a => a.Parameter is not null && a.Parameter.Ordinal >= 3).ToList();
                        if (extra.Count == 0)
                        {
                            shape = SetShape;
                        }
                        else if (entryOptions is not null && SymbolEqualityComparer.Default.Equals(extra[0].Parameter!.Type, entryOptions))
                        {
                            var state = OptionsState(extra[0].Value);
                            if (state == Expiration.None || state == Expiration.NeverRemove)
                            {
                                // Options built inline without expiration: the fix would have to edit them; reported without one.
                                ReportIf(c, invocation, handlers, SetShape, state == Expiration.NeverRemove ? " (CacheItemPriority.NeverRemove)" : string.Empty, fixable: false);
                            }

                            return;
                        }
                    }
                    else if (method.Name == "GetOrCreate" || method.Name == "GetOrCreateAsync")
                    {
                        var factory = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 2)?.Value;
                        var lambda = factory?.DescendantsAndSelf().OfType<IAnonymousFunctionOperation>().FirstOrDefault();
                        if (lambda is null || SetsExpiration(lambda.Body))
                        {
                            return;
                        }

                        shape = FactoryShape;
                        if (lambda.Body.DescendantsAndSelf().OfType<IFieldReferenceOperation>().Any(f => f.Field.Name == "NeverRemove"))
                        {
                            detail = " (CacheItemPriority.NeverRemove)";
                        }
                    }

                    if (shape is not null)
                    {
                        ReportIf(c, invocation, handlers, shape, detail, fixable: true);
                    }
                },
                OperationKind.Invocation);
        }

        private static void ReportIf(OperationAnalysisContext context, IInvocationOperation invocation, HandlerRecognizer handlers, string shape, string detail, bool fixable)
        {
            // The key: a constant key is one entry, not an accumulation.
            var key = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 1)?.Value;
            while (key is IConversionOperation conversion)
            {
                key = conversion.Operand;
            }

            if (key is null || key.ConstantValue.HasValue)
            {
                return;
            }

            var code = handlers.Classify(invocation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM051_UnboundedCacheEntry,
                invocation.Syntax.GetLocation(),
                fixable ? ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, shape) : ImmutableDictionary<string, string?>.Empty,
                code.Describe(),
                detail));
        }

        private enum Expiration
        {
            Set,
            None,
            NeverRemove,
            Unknown,
        }

        private static Expiration OptionsState(IOperation value)
        {
            while (value is IConversionOperation conversion)
            {
                value = conversion.Operand;
            }

            if (value is not IObjectCreationOperation creation)
            {
                return Expiration.Unknown;
            }

            var assignments = creation.Initializer?.Initializers.OfType<ISimpleAssignmentOperation>().ToList() ?? new System.Collections.Generic.List<ISimpleAssignmentOperation>();
            if (assignments.Any(a => a.Target is IPropertyReferenceOperation { Property.Name: "Priority" } && a.Value.DescendantsAndSelf().OfType<IFieldReferenceOperation>().Any(f => f.Field.Name == "NeverRemove")))
            {
                return Expiration.NeverRemove;
            }

            return assignments.Any(a => a.Target is IPropertyReferenceOperation property && ExpirationMembers.Contains(property.Property.Name))
                ? Expiration.Set
                : Expiration.None;
        }

        private static bool SetsExpiration(IOperation body)
        {
            foreach (var operation in body.DescendantsAndSelf())
            {
                switch (operation)
                {
                    case IPropertyReferenceOperation property when ExpirationMembers.Contains(property.Property.Name):
                        return true;
                    case IInvocationOperation invocation when ExpirationMembers.Contains(invocation.TargetMethod.Name):
                        return true;
                }
            }

            return false;
        }
    }
}
