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
        public const string NeedsSizeProperty = "size";

        private static readonly ImmutableHashSet<string> ExpirationMembers = ImmutableHashSet.Create(
            "AbsoluteExpiration", "AbsoluteExpirationRelativeToNow", "SlidingExpiration",
            "SetAbsoluteExpiration", "SetSlidingExpiration", "SetOptions", "AddExpirationToken", "ExpirationTokens");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.MEM051_UnboundedCacheEntry);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = new RuleActions(ImmutableArray.Create(OperationKind.ObjectCreation, OperationKind.Invocation), symbolStarts: ImmutableArray.Create(SymbolKind.NamedType));

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var cacheExtensions = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.Caching.Memory.CacheExtensions");
            var entryOptions = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.Caching.Memory.MemoryCacheEntryOptions");
            var runtimeCache = KnownTypes.Get(context.Compilation, "System.Runtime.Caching.MemoryCache");
            if (cacheExtensions is null && runtimeCache is null)
            {
                return;
            }

            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            if (runtimeCache is not null)
            {
                // System.Runtime.Caching.MemoryCache created per unit of work into a field and never disposed.
                context.RegisterOperationAction(
                    c =>
                    {
                        var creation = (IObjectCreationOperation)c.Operation;
                        if (SymbolEqualityComparer.Default.Equals(creation.Type, runtimeCache))
                        {
                            PerInstanceCache.Analyze(c, creation, handlers);
                        }
                    },
                    OperationKind.ObjectCreation);
            }

            if (cacheExtensions is null)
            {
                return;
            }
            var compilation = context.Compilation;

            // Whether the cache an entry goes to has a SizeLimit (then the entry needs a size), decided per cache:
            // a field or property initialised or assigned in its type with `new MemoryCache(options)` has a limit when
            // those options set one; any other cache (an injected IMemoryCache) is the DI cache, limited when the
            // compilation configures AddMemoryCache with a SizeLimit (a lazy text check, at most once per compilation).
            // The answer per tree is kept with the (immutable) tree, so the next compilation of an edit rescans only the
            // edited document, not every document's text.
            var diCacheLimited = new System.Lazy<bool>(() => compilation.SyntaxTrees.Any(ConfiguresLimitedMemoryCache));
            var limitedMembers = new System.Collections.Concurrent.ConcurrentDictionary<ISymbol, bool>(SymbolEqualityComparer.Default);
            bool SizeLimitedCache(IInvocationOperation call)
            {
                ISymbol? member = (call.Arguments.Length > 0 ? OperationTree.SkipConversions(call.Arguments[0].Value) : null) switch
                {
                    IFieldReferenceOperation field => field.Field.OriginalDefinition,
                    IPropertyReferenceOperation property => property.Property.OriginalDefinition,
                    _ => null,
                };
                if (member is null)
                {
                    return diCacheLimited.Value;
                }

                return limitedMembers.GetOrAdd(member, m => CreatedLimit(m) ?? diCacheLimited.Value);
            }
            var memoryCache = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.Caching.Memory.MemoryCache");
            context.RegisterSymbolStartAction(c => OnType(c, memoryCache, cacheExtensions, handlers), SymbolKind.NamedType);

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
                            if (SizeLimitedCache(invocation))
                            {
                                detail = " and no size (the cache has a SizeLimit)";
                            }
                        }
                        else if (SizeLimitedCache(invocation) && entryOptions is not null && SymbolEqualityComparer.Default.Equals(extra[0].Parameter!.Type, entryOptions)
                            && OptionsState(extra[0].Value) == Expiration.Set && !SetsSize(extra[0].Value))
                        {
                            ReportIf(c, invocation, handlers, SetShape, "size (the cache has a SizeLimit, so it requires one)", fixable: false, expirationMissing: false);
                            return;
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
                        else if (SizeLimitedCache(invocation) && !SetsSize(lambda.Body))
                        {
                            detail = " and no size (the cache has a SizeLimit)";
                        }
                    }

                    if (shape is not null)
                    {
                        ReportIf(c, invocation, handlers, shape, detail, fixable: true);
                    }
                },
                OperationKind.Invocation);
        }

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SyntaxTree, object> LimitedMemoryCacheTrees =
            new System.Runtime.CompilerServices.ConditionalWeakTable<SyntaxTree, object>();

        private static readonly object Limited = true;
        private static readonly object NotLimited = false;

        /// <summary>Whether the tree calls <c>AddMemoryCache</c> with options that set a SizeLimit; decided once per tree.</summary>
        private static bool ConfiguresLimitedMemoryCache(SyntaxTree tree)
            => ReferenceEquals(LimitedMemoryCacheTrees.GetValue(tree, t =>
            {
                var text = t.TryGetText(out var known) ? known.ToString() : t.GetText().ToString();
                return text.Contains("AddMemoryCache") && text.Contains("SizeLimit")
                    && t.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>().Any(call =>
                        call.Expression is Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax { Name.Identifier.ValueText: "AddMemoryCache" }
                        && call.ArgumentList.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax>().Any(i => i.Identifier.ValueText == "SizeLimit"))
                    ? Limited
                    : NotLimited;
            }), Limited);

        /// <summary>
        /// For a field or property that its own type creates with <c>new MemoryCache(…)</c> (initializer or assignment):
        /// whether those options set a SizeLimit. Null when the member is not created there (injected, or unknown).
        /// </summary>
        private static bool? CreatedLimit(ISymbol member)
        {
            foreach (var reference in member.ContainingType?.DeclaringSyntaxReferences ?? ImmutableArray<SyntaxReference>.Empty)
            {
                foreach (var node in reference.GetSyntax().DescendantNodes())
                {
                    Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax? created = node switch
                    {
                        Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax declarator when declarator.Identifier.ValueText == member.Name => declarator.Initializer?.Value,
                        Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax property when property.Identifier.ValueText == member.Name => property.Initializer?.Value,
                        Microsoft.CodeAnalysis.CSharp.Syntax.AssignmentExpressionSyntax assignment
                            when (assignment.Left is Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax name && name.Identifier.ValueText == member.Name)
                                 || (assignment.Left is Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax access && access.Name.Identifier.ValueText == member.Name)
                            => assignment.Right,
                        _ => null,
                    };
                    if (created is Microsoft.CodeAnalysis.CSharp.Syntax.BaseObjectCreationExpressionSyntax creation)
                    {
                        return creation.ArgumentList?.Arguments.Any(a => a.Expression.DescendantNodesAndSelf().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax>().Any(i => i.Identifier.ValueText == "SizeLimit")) == true;
                    }
                }
            }

            return null;
        }

        private static void ReportIf(OperationAnalysisContext context, IInvocationOperation invocation, HandlerRecognizer handlers, string shape, string detail, bool fixable, bool expirationMissing = true)
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

            var properties = fixable ? ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, shape) : ImmutableDictionary<string, string?>.Empty;
            if (fixable && detail.Contains("SizeLimit"))
            {
                properties = properties.Add(NeedsSizeProperty, "true");
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM051_UnboundedCacheEntry,
                invocation.Syntax.GetLocation(),
                properties,
                "The cache entry added " + code.Describe() + " has no " + (expirationMissing ? "expiration" + detail : detail)
                + "; entries keyed by per-message data accumulate for the life of the process"));
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

        private static bool SetsSize(IOperation operation)
            => operation.DescendantsAndSelf().Any(o =>
                (o is IPropertyReferenceOperation { Property.Name: "Size" }) || (o is IInvocationOperation { TargetMethod.Name: "SetSize" }));

        /// <summary>
        /// A MemoryCache kept for the process (a static field or a long-lived handler's field) created without a
        /// SizeLimit, while handler code of the same type adds entries keyed by per-message data to it.
        /// </summary>
        private static void OnType(SymbolStartAnalysisContext context, INamedTypeSymbol? memoryCache, INamedTypeSymbol cacheExtensions, HandlerRecognizer handlers)
        {
            if (memoryCache is null)
            {
                return;
            }

            // Only types with a MemoryCache field get the per-operation actions (most types have none).
            var type = (INamedTypeSymbol)context.Symbol;
            // (typed MemoryCache or an interface it implements, such as IMemoryCache).
            if (!type.GetMembers().Any(m => m is IFieldSymbol field
                    && (SymbolEqualityComparer.Default.Equals(field.Type, memoryCache) || memoryCache.AllInterfaces.Contains(field.Type as INamedTypeSymbol, SymbolEqualityComparer.Default))))
            {
                return;
            }

            // Asked only for a `new MemoryCache` stored in an instance field (most such types inject IMemoryCache).
            var longLived = new System.Lazy<bool>(() => LifetimeService.For(handlers).LivesForProcess(type));
            var unlimited = new System.Collections.Concurrent.ConcurrentDictionary<IFieldSymbol, IOperation>(SymbolEqualityComparer.Default);
            var perMessageWrites = new System.Collections.Concurrent.ConcurrentDictionary<IFieldSymbol, bool>(SymbolEqualityComparer.Default);

            context.RegisterOperationAction(
                c =>
                {
                    var creation = (IObjectCreationOperation)c.Operation;
                    if (!SymbolEqualityComparer.Default.Equals(creation.Type, memoryCache))
                    {
                        return;
                    }

                    IFieldSymbol? field = OperationTree.OuterConversion(creation).Parent switch
                    {
                        IFieldInitializerOperation initializer when initializer.InitializedFields.Length == 1 => initializer.InitializedFields[0],
                        ISimpleAssignmentOperation { Target: IFieldReferenceOperation target } => target.Field,
                        _ => null,
                    };

                    var options = creation.Arguments.Select(a => a.Value is IConversionOperation conversion ? conversion.Operand : a.Value).OfType<IObjectCreationOperation>().FirstOrDefault();
                    var setsLimit = options?.Initializer?.Initializers.OfType<ISimpleAssignmentOperation>().Any(a => a.Target is IPropertyReferenceOperation { Property.Name: "SizeLimit" }) == true;
                    var inspectable = options is not null || creation.Arguments.Length == 0;
                    if (field is not null && inspectable && !setsLimit && (field.IsStatic || longLived.Value))
                    {
                        unlimited[field] = creation;
                    }
                },
                OperationKind.ObjectCreation);

            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    var method = invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod;
                    if (!SymbolEqualityComparer.Default.Equals(method.ContainingType, cacheExtensions)
                        || (method.Name != "Set" && method.Name != "GetOrCreate" && method.Name != "GetOrCreateAsync")
                        || invocation.Arguments.Length < 2)
                    {
                        return;
                    }

                    var receiver = invocation.Arguments[0].Value is IConversionOperation conversion ? conversion.Operand : invocation.Arguments[0].Value;
                    var key = invocation.Arguments[1].Value is IConversionOperation keyConversion ? keyConversion.Operand : invocation.Arguments[1].Value;
                    if (receiver is IFieldReferenceOperation field && !key.ConstantValue.HasValue && handlers.Classify(invocation, c.CancellationToken).RunsPerUnitOfWork)
                    {
                        perMessageWrites[field.Field.OriginalDefinition] = true;
                    }
                },
                OperationKind.Invocation);

            context.RegisterSymbolEndAction(c =>
            {
                foreach (var pair in unlimited)
                {
                    if (perMessageWrites.ContainsKey(pair.Key))
                    {
                        c.ReportDiagnostic(Diagnostic.Create(
                            Descriptors.MEM051_UnboundedCacheEntry,
                            pair.Value.Syntax.GetLocation(),
                            "The MemoryCache in '" + pair.Key.Name + "' has no SizeLimit while handler code adds entries to it; entries keyed by per-message data accumulate for the life of the process"));
                    }
                }
            });
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
