using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM001: a private static collection that task-handler code adds to and that nothing in its type removes from.
    /// MEM002: the same for private instance fields of long-lived handlers (hosted services, singletons, actors, grains,
    /// Mediator handlers), and for a local collection declared before a worker loop and added to inside it.
    /// Per type (symbol start/end): all uses of a private field are in its type, so "nothing removes" is decided there.
    /// Reachability: the add runs per unit of work — in handler code, or in code it reaches through calls (the shared
    /// <see cref="HandlerRecognizer.Classify"/> answer; see docs/reachability.md for what is followed and its bounds).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class GrowingCollectionAnalyzer : MemoryAnalyzerBase
    {
        public const string FixProperty = "fix";
        public const string ScopedFix = "scoped";

        /// <summary>Set when a bounded-cache rewrite may apply: Microsoft.Extensions.Caching.Memory is referenced and the field is a private dictionary.</summary>
        public const string BoundedProperty = "bounded";

        /// <summary>
        /// The collections the rule tracks, by their simple metadata name. A field's or local's type is compared with
        /// <see cref="KnownTypes.HasMetadataName"/>, not with looked-up symbols: the question is asked per field and
        /// per loop, and needs no symbol of its own.
        /// </summary>
        private static readonly Dictionary<string, string> CollectionNames = new[]
        {
            "System.Collections.Generic.Dictionary`2",
            "System.Collections.Generic.List`1",
            "System.Collections.Generic.HashSet`1",
            "System.Collections.Generic.Queue`1",
            "System.Collections.Generic.Stack`1",
            "System.Collections.Generic.SortedDictionary`2",
            "System.Collections.Generic.SortedList`2",
            "System.Collections.Generic.SortedSet`1",
            "System.Collections.Generic.LinkedList`1",
            "System.Collections.Concurrent.ConcurrentDictionary`2",
            "System.Collections.Concurrent.ConcurrentBag`1",
            "System.Collections.Concurrent.ConcurrentQueue`1",
            "System.Collections.Concurrent.ConcurrentStack`1",
            "System.Collections.Immutable.ImmutableList`1",
            "System.Collections.Immutable.ImmutableDictionary`2",
            "System.Collections.Immutable.ImmutableHashSet`1",
            "System.Text.StringBuilder",
        }.ToDictionary(n => n.Substring(n.LastIndexOf('.') + 1), System.StringComparer.Ordinal);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            Descriptors.MEM001_StaticCollectionGrows,
            Descriptors.MEM002_HandlerCollectionGrows);


        /// <inheritdoc />
        protected override RuleActions Actions { get; } = new RuleActions(ImmutableArray.Create(OperationKind.Loop), symbolStarts: ImmutableArray.Create(SymbolKind.NamedType));

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            var lifetimes = LifetimeService.For(handlers);

            // A bounded-cache rewrite needs Microsoft.Extensions.Caching.Memory (one lookup) and a dictionary field.
            var boundable = KnownTypes.Get(context.Compilation, "Microsoft.Extensions.Caching.Memory.MemoryCache") is not null;
            context.RegisterSymbolStartAction(c => OnType(c, handlers, lifetimes, boundable), SymbolKind.NamedType);
            context.RegisterOperationAction(c => AnalyzeLocalCollections(c, (ILoopOperation)c.Operation, handlers), OperationKind.Loop);
        }

        private static bool IsCollection(ITypeSymbol? type)
            => type is INamedTypeSymbol named
                && CollectionNames.TryGetValue(named.OriginalDefinition.MetadataName, out var fullName)
                && KnownTypes.HasMetadataName(named, fullName);

        private static bool IsBoundableDictionary(ITypeSymbol type)
            => IsCollection(type) && ((INamedTypeSymbol)type).OriginalDefinition.MetadataName is "Dictionary`2" or "ConcurrentDictionary`2";

        private sealed class FieldState
        {
            public FieldState(IFieldSymbol field) => Field = field;

            public IFieldSymbol Field { get; }
            /// <summary>
            /// The adds, classified only at the type's end, when the rest is known: a collection that shrinks or escapes
            /// needs no answer at all, and by then the analyzer driver has bound every member of the type, so following a
            /// call into another member of it binds nothing new.
            /// </summary>
            public List<(IOperation Site, ISymbol? Method)> Adds { get; } = new List<(IOperation, ISymbol?)>();
            public bool Shrinks { get; set; }

            /// <summary>Public methods whose only job is an explicit unsubscribe of an observer passed in (`Leave(observer)`).</summary>
            public HashSet<IMethodSymbol> ExplicitUnsubscribes { get; } = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            public bool Escapes { get; set; }
            public HashSet<ISymbol> UsedIn { get; } = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        }

        private static void OnType(SymbolStartAnalysisContext context, HandlerRecognizer handlers, LifetimeService lifetimes, bool boundable)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            // The lifetime is asked only at the type's end, and only for an instance collection that grows (nothing in
            // the type shrinks it, nothing hands it on): the first question builds the compilation's registration index
            // and "held for the process" scan, which a type whose collections are bounded never needs. (Only a class
            // can live for the process: LifetimeService answers no for anything else.)
            var states = new ConcurrentDictionary<IFieldSymbol, FieldState>(SymbolEqualityComparer.Default);
            foreach (var member in type.GetMembers())
            {
                if (member is IFieldSymbol { DeclaredAccessibility: Accessibility.Private, IsConst: false, IsImplicitlyDeclared: false } field
                    && IsCollection(field.Type)
                    && !IsTypeLookupMemo(field.Type)
                    && (field.IsStatic || type.TypeKind == TypeKind.Class))
                {
                    states[field] = new FieldState(field);
                }
            }

            // Nested types can reach private fields too; their uses would be invisible here, so stay silent then.
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

                    var method = c.ContainingSymbol;
                    lock (state)
                    {
                        state.UsedIn.Add(method);
                    }

                    Classify(c, reference, state, method, handlers);
                },
                OperationKind.FieldReference);

            context.RegisterSymbolEndAction(c => Report(c, states, boundable, handlers, lifetimes, type));
        }

        private static void Classify(OperationAnalysisContext context, IFieldReferenceOperation reference, FieldState state, ISymbol method, HandlerRecognizer handlers)
        {
            IOperation current = reference;
            while (current.Parent is IConversionOperation)
            {
                current = current.Parent;
            }

            // Initializers and constructors fill a collection once: neither growth nor shrinking.
            // A handler lambda registered in a constructor (an Akka ReceiveActor's `Receive<T>(m => …)`) runs per message, though.
            var inInitialization = (method is IMethodSymbol { MethodKind: MethodKind.StaticConstructor or MethodKind.Constructor } || method is IFieldSymbol)
                && !(Ownership.ContainingFunction(reference) is IAnonymousFunctionOperation && handlers.Classify(reference, context.CancellationToken).RunsPerUnitOfWork);

            switch (current.Parent)
            {
                case IInvocationOperation invocation when ReferenceEquals(invocation.Instance, current):
                    var name = invocation.TargetMethod.Name;
                    if (CollectionMembers.Removals.Contains(name))
                    {
                        lock (state)
                        {
                            if (IsExplicitUnsubscribe(invocation, state.Field, method) is { } unsubscribe)
                            {
                                state.ExplicitUnsubscribes.Add(unsubscribe);
                            }
                            else
                            {
                                state.Shrinks = true;
                            }
                        }
                    }
                    else if (CollectionMembers.Adds.Contains(name) && !inInitialization)
                    {
                        // `_map = _map.Add(k, v)` on an immutable collection is an add too (handled by the assignment below).
                        if (!HasConstantKey(invocation))
                        {
                            if (!IsGuardedByCount(invocation, state.Field))
                            {
                                lock (state)
                                {
                                    state.Adds.Add((invocation, method));
                                }
                            }
                            else
                            {
                                lock (state)
                                {
                                    state.Shrinks = true; // bounded by a Count check
                                }
                            }
                        }
                    }

                    break;

                case IPropertyReferenceOperation property when ReferenceEquals(property.Instance, current):
                    if (property.Property.IsIndexer && property.Parent is ISimpleAssignmentOperation indexerSet && ReferenceEquals(indexerSet.Target, property) && !inInitialization)
                    {
                        var key = property.Arguments.Length > 0 ? property.Arguments[0].Value : null;
                        if (key is not null && !IsClosedKey(key))
                        {
                            lock (state)
                            {
                                state.Adds.Add((indexerSet, method));
                            }
                        }
                    }
                    else if (property.Property.Name == "Count" && IsInCondition(property))
                    {
                        lock (state)
                        {
                            state.Shrinks = true; // a size check somewhere: assume it bounds the collection
                        }
                    }

                    break;

                case ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Target, current):
                    if (!inInitialization)
                    {
                        // Reassigned: `_items = new List<T>()` resets it; `_set = _set.Add(x)` grows an immutable one.
                        if (assignment.Value is IInvocationOperation { Instance: IFieldReferenceOperation source } grow
                            && SymbolEqualityComparer.Default.Equals(source.Field, state.Field)
                            && CollectionMembers.Adds.Contains(grow.TargetMethod.Name))
                        {
                            lock (state)
                            {
                                state.Adds.Add((assignment, method));
                            }
                        }
                        else
                        {
                            lock (state)
                            {
                                state.Shrinks = true;
                            }
                        }
                    }

                    break;

                case IForEachLoopOperation:
                case IPropertyReferenceOperation:
                case IMethodReferenceOperation:
                case ILockOperation:
                    break;

                default:
                    // Handed to other code (which may remove from it), or used in a way not understood: stay silent.
                    lock (state)
                    {
                        state.Escapes = true;
                    }

                    break;
            }
        }

        /// <summary>
        /// A removal of an observer or subscriber (an interface or delegate element) passed in as a parameter of a public
        /// method, outside any lambda, catch or finally: `public Task Leave(IChatObserver o) { _observers.Remove(o); }`.
        /// Returns that method.
        /// </summary>
        private static IMethodSymbol? IsExplicitUnsubscribe(IInvocationOperation removal, IFieldSymbol field, ISymbol? method)
        {
            if (method is not IMethodSymbol { MethodKind: MethodKind.Ordinary, DeclaredAccessibility: Accessibility.Public } unsubscribe
                || field.Type is not INamedTypeSymbol { TypeArguments.Length: > 0 } collection
                || collection.TypeArguments[collection.TypeArguments.Length - 1].TypeKind is not (TypeKind.Interface or TypeKind.Delegate)
                || removal.TargetMethod.Name is not ("Remove" or "TryRemove")
                || Ownership.ContainingFunction(removal) is not null
                || !removal.Arguments.Any(a => OperationTree.SkipConversions(a.Value) is IParameterReferenceOperation p && SymbolEqualityComparer.Default.Equals(p.Parameter.ContainingSymbol, unsubscribe)))
            {
                return null;
            }

            for (var current = removal.Parent; current is not null; current = current.Parent)
            {
                if (current is ICatchClauseOperation || (current.Parent is ITryOperation @try && ReferenceEquals(@try.Finally, current)))
                {
                    return null; // a cleanup path
                }
            }

            return unsubscribe;
        }

        /// <summary>
        /// Whether the compilation calls the unsubscribe method inside a catch or finally (a subscriber that leaves on
        /// failure too). Asked only for observer sets whose only removal is an explicit unsubscribe; the call sites come
        /// from the shared call-site index (one syntax pass per compilation), matched by name.
        /// </summary>
        private static bool IsCalledOnFailurePath(HandlerRecognizer handlers, IMethodSymbol unsubscribe, CancellationToken cancellationToken)
        {
            foreach (var site in handlers.Reachability.CallSitesNamed(unsubscribe.Name, cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (site is Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax { Expression: Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax }
                    && site.Ancestors().Any(a => a is Microsoft.CodeAnalysis.CSharp.Syntax.CatchClauseSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.FinallyClauseSyntax))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool HasConstantKey(IInvocationOperation invocation)
        {
            // Dictionary-like adds with a constant or enum key are a small closed set.
            if (invocation.Arguments.Length == 0)
            {
                return false;
            }

            var first = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value;
            var isKeyed = invocation.TargetMethod.Parameters.Length >= 2 || invocation.TargetMethod.Name.StartsWith("GetOrAdd", System.StringComparison.Ordinal);
            return isKeyed && first is not null && IsClosedKey(first);
        }

        /// <summary>
        /// A key from a small closed set: a constant, an enum or a bool; a static readonly or const field; a value read
        /// from configuration (<c>IOptions&lt;T&gt;.Value.X</c>, <c>IOptionsMonitor&lt;T&gt;.CurrentValue.X</c>,
        /// <c>IConfiguration["x"]</c>); the iteration variable of a foreach over a constant array, a static readonly
        /// field or configuration; or a concatenation of those. A key that comes from message data is none of these.
        /// </summary>
        private static bool IsClosedKey(IOperation value)
        {
            value = OperationTree.SkipConversions(value) ?? value;
            if (IsConstantOrEnum(value))
            {
                return true;
            }

            switch (value)
            {
                case IFieldReferenceOperation field when field.Field.IsConst || (field.Field.IsStatic && field.Field.IsReadOnly && field.Field.Type.SpecialType != SpecialType.None):
                    return true;
                case IFieldReferenceOperation or IPropertyReferenceOperation when IsReadFromConfiguration(value) || IsPerTypeValue(value):
                    return true;
                case ILocalReferenceOperation local:
                    for (var current = value.Parent; current is not null; current = current.Parent)
                    {
                        if (current is IForEachLoopOperation loop && loop.Locals.Contains(local.Local, SymbolEqualityComparer.Default))
                        {
                            return IsClosedSet(loop.Collection);
                        }
                    }

                    return false;
                case IBinaryOperation binary:
                    return IsClosedKey(binary.LeftOperand) && IsClosedKey(binary.RightOperand);
                case ICoalesceOperation coalesce:
                    return IsClosedKey(coalesce.Value) && IsClosedKey(coalesce.WhenNull);
                case IInterpolatedStringOperation interpolated:
                    return interpolated.Parts.All(p => p is IInterpolatedStringTextOperation || (p is IInterpolationOperation i && IsClosedKey(i.Expression)));
                default:
                    return false;
            }
        }

        /// <summary>
        /// A value that exists once per type, so keys are bounded by the program's types: a static member of a generic type
        /// (`TypeCache&lt;TConsumer&gt;.ShortName`, seen on MassTransit, docs/real-code.md) or a member of a
        /// <see cref="System.Type"/> (`typeof(T).FullName`, `type.Name`).
        /// </summary>
        private static bool IsPerTypeValue(IOperation value)
        {
            var (member, instance) = value switch
            {
                IPropertyReferenceOperation property when property.Arguments.IsEmpty => ((ISymbol)property.Property, property.Instance),
                IFieldReferenceOperation field => (field.Field, field.Instance),
                _ => ((ISymbol?)null, (IOperation?)null),
            };

            if (member is null)
            {
                return false;
            }

            if (member.IsStatic)
            {
                return member.ContainingType is { IsGenericType: true } generic && generic.TypeArguments.Length > 0 && !generic.IsUnboundGenericType;
            }

            return instance?.Type is { Name: "Type", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };
        }

        /// <summary>A constant array, a static readonly field (`Exits`), configuration, or <c>Enum.GetValues</c>.</summary>
        private static bool IsClosedSet(IOperation collection)
        {
            collection = OperationTree.SkipConversions(collection) ?? collection;
            return collection switch
            {
                IArrayCreationOperation array => array.Initializer is not null && array.Initializer.ElementValues.All(IsConstantOrEnum),
                IFieldReferenceOperation field => (field.Field.IsStatic && field.Field.IsReadOnly) || IsReadFromConfiguration(field),
                IPropertyReferenceOperation => IsReadFromConfiguration(collection),
                IInvocationOperation { TargetMethod.Name: "GetValues" or "GetNames", TargetMethod.ContainingType.SpecialType: SpecialType.System_Enum } => true,
                _ => false,
            };
        }

        /// <summary>A member chain rooted at an options or configuration object (`_options.Value.Region`, `_config["Region"]`).</summary>
        private static bool IsReadFromConfiguration(IOperation? operation)
        {
            for (var current = operation; current is not null; )
            {
                if (IsConfigurationType(current.Type))
                {
                    return true;
                }

                current = current switch
                {
                    IPropertyReferenceOperation property => property.Instance,
                    IFieldReferenceOperation field => field.Instance is IInstanceReferenceOperation ? null : field.Instance,
                    IConversionOperation conversion => conversion.Operand,
                    _ => null,
                };
            }

            return false;
        }

        private static bool IsConfigurationType(ITypeSymbol? type)
        {
            if (type is not INamedTypeSymbol named)
            {
                return false;
            }

            var ns = named.ContainingNamespace?.ToDisplayString();
            return (ns == "Microsoft.Extensions.Options" && named.Name is "IOptions" or "IOptionsMonitor" or "IOptionsSnapshot")
                || (ns == "Microsoft.Extensions.Configuration" && named.Name is "IConfiguration" or "IConfigurationSection" or "IConfigurationRoot");
        }

        private static bool IsConstantOrEnum(IOperation value)
        {
            while (value is IConversionOperation conversion)
            {
                value = conversion.Operand;
            }

            // A System.Type key (a per-type cache: serializers, accessors) is bounded by the program's types.
            return value.ConstantValue.HasValue || value.Type?.TypeKind == TypeKind.Enum || value.Type?.SpecialType == SpecialType.System_Boolean
                || value.Type is { Name: "Type", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };
        }

        /// <summary>
        /// A dictionary whose values are types or reflection members (`name -> Type`, `key -> MethodInfo`): a lookup memo
        /// whose entries are bounded by the program's types, like a Type-keyed cache (seen on Quartz.NET, docs/real-code.md).
        /// </summary>
        private static bool IsTypeLookupMemo(ITypeSymbol fieldType)
        {
            if (fieldType is not INamedTypeSymbol { TypeArguments.Length: 2 } dictionary)
            {
                return false;
            }

            for (var type = dictionary.TypeArguments[1] as INamedTypeSymbol; type is not null; type = type.BaseType)
            {
                // Compared by name parts: this runs at symbol start for every private collection field, so no display strings.
                if (KnownTypes.HasMetadataName(type, "System.Type") || KnownTypes.HasMetadataName(type, "System.Reflection.MemberInfo"))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsInCondition(IOperation operation)
        {
            for (var current = operation.Parent; current is not null; current = current.Parent)
            {
                switch (current)
                {
                    case IConditionalOperation conditional:
                        return conditional.Condition.DescendantsAndSelf().Contains(operation);
                    case IWhileLoopOperation loop:
                        return loop.Condition?.DescendantsAndSelf().Contains(operation) == true;
                    case IBlockOperation:
                    case IMethodBodyOperation:
                        return false;
                }
            }

            return false;
        }

        /// <summary>An add inside `if (field.Count &lt; max)` (or with a Count check on the way up) is bounded.</summary>
        private static bool IsGuardedByCount(IOperation add, IFieldSymbol field)
        {
            for (var current = add.Parent; current is not null; current = current.Parent)
            {
                if (current is IConditionalOperation conditional
                    && conditional.Condition.DescendantsAndSelf().OfType<IPropertyReferenceOperation>().Any(p => p.Property.Name == "Count" && p.Instance is IFieldReferenceOperation f && SymbolEqualityComparer.Default.Equals(f.Field, field)))
                {
                    return true;
                }
            }

            return false;
        }

        private static void Report(
            SymbolAnalysisContext context,
            ConcurrentDictionary<IFieldSymbol, FieldState> states,
            bool boundable,
            HandlerRecognizer handlers,
            LifetimeService lifetimes,
            INamedTypeSymbol type)
        {
            bool? longLived = null; // asked once per type, and only for a growing instance collection
            foreach (var state in states.Values)
            {
                if (state.Shrinks || state.Escapes || state.Adds.Count == 0)
                {
                    continue;
                }

                if (!state.Field.IsStatic && !(longLived ??= lifetimes.LivesForProcess(type)))
                {
                    continue;
                }

                // An observer set that only an explicit unsubscribe shrinks is bounded only if something calls it on a failure path.
                string? unbounded = null;
                if (state.ExplicitUnsubscribes.Count > 0)
                {
                    if (state.ExplicitUnsubscribes.Any(m => IsCalledOnFailurePath(handlers, m, context.CancellationToken)))
                    {
                        continue;
                    }

                    unbounded = " (its only removal, '" + string.Join("', '", state.ExplicitUnsubscribes.Select(m => m.Name).OrderBy(n => n, System.StringComparer.Ordinal))
                        + "', is an explicit unsubscribe that a crashed or disconnected subscriber never makes, with no expiry and no removal on a failed notification)";
                }

                // In source order: the operation actions ran concurrently, and the finding must not move between builds.
                foreach (var (site, method) in state.Adds.OrderBy(a => a.Site.Syntax.SyntaxTree.FilePath, System.StringComparer.Ordinal).ThenBy(a => a.Site.Syntax.SpanStart))
                {
                    var code = handlers.Classify(site, context.CancellationToken);
                    if (!code.RunsPerUnitOfWork)
                    {
                        continue;
                    }

                    var where = code.Describe() + unbounded;

                    var descriptor = state.Field.IsStatic ? Descriptors.MEM001_StaticCollectionGrows : Descriptors.MEM002_HandlerCollectionGrows;
                    var properties = state.UsedIn.Count == 1 && code.RunsPerUnitOfWork && code.Kind == HandlerCodeKind.EntryPointBody
                        ? ImmutableDictionary<string, string?>.Empty.Add(FixProperty, ScopedFix)
                        : ImmutableDictionary<string, string?>.Empty;
                    if (boundable && IsBoundableDictionary(state.Field.Type))
                    {
                        properties = properties.Add(BoundedProperty, "1");
                    }

                    context.ReportDiagnostic(Diagnostic.Create(
                        descriptor,
                        site.Syntax.GetLocation(),
                        state.Field.Locations,
                        properties,
                        state.Field.Name,
                        state.Field.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                        where));
                    break; // one finding per field
                }
            }
        }

        /// <summary>MEM002 for locals: a collection declared before a worker loop, added to in every iteration, never shrunk.</summary>
        private static void AnalyzeLocalCollections(OperationAnalysisContext context, ILoopOperation loop, HandlerRecognizer handlers)
        {
            if (loop.Body is null)
            {
                return;
            }

            // The body's shape first (an add to a local collection): most loops have none, and classifying the loop (is it a
            // worker loop, in what entry point) follows calls. Only loops that could report pay for that.
            if (!loop.Body.Descendants().OfType<IInvocationOperation>().Any(add => add.Instance is ILocalReferenceOperation target
                    && CollectionMembers.Adds.Contains(add.TargetMethod.Name) && IsCollection(target.Type)))
            {
                return;
            }

            var code = handlers.Classify(loop, context.CancellationToken);
            if (!handlers.IsWorkerLoop(loop, code.EntryPoint, context.CancellationToken) || code.Kind == HandlerCodeKind.WorkerLoopBody)
            {
                return; // not a worker loop, or nested in one (the outer loop reports)
            }

            var root = (IOperation)loop;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            foreach (var add in loop.Body.Descendants().OfType<IInvocationOperation>())
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                if (add.Instance is not ILocalReferenceOperation target || !CollectionMembers.Adds.Contains(add.TargetMethod.Name) || !IsCollection(target.Type)
                    || HasConstantKey(add))
                {
                    continue;
                }

                var local = target.Local;
                var declaredOutside = root.Descendants().OfType<IVariableDeclaratorOperation>()
                    .Any(d => SymbolEqualityComparer.Default.Equals(d.Symbol, local) && !loop.Syntax.Span.Contains(d.Syntax.Span));
                if (!declaredOutside)
                {
                    continue;
                }

                var uses = root.Descendants().OfType<ILocalReferenceOperation>().Where(r => SymbolEqualityComparer.Default.Equals(r.Local, local)).ToList();
                var shrinksOrEscapes = uses.Any(r =>
                    (r.Parent is IInvocationOperation call && ReferenceEquals(call.Instance, r) && CollectionMembers.Removals.Contains(call.TargetMethod.Name))
                    || (r.Parent is IPropertyReferenceOperation { Property.Name: "Count" })
                    || (r.Parent is ISimpleAssignmentOperation assignment && ReferenceEquals(assignment.Target, r))
                    || r.Parent is IArgumentOperation
                    || IsHandedOn(r));
                if (shrinksOrEscapes)
                {
                    continue;
                }

                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.MEM002_HandlerCollectionGrows,
                    add.Syntax.GetLocation(),
                    local.Name,
                    local.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                    "in every iteration of a worker loop (it is declared before the loop)"));
                return;
            }
        }

        /// <summary>Captured by a lambda or stored elsewhere: someone else may shrink it.</summary>
        private static bool IsHandedOn(ILocalReferenceOperation reference)
            => reference.Parent is ISimpleAssignmentOperation assignment && ReferenceEquals(assignment.Value, reference)
               || reference.Parent is IReturnOperation
               || MemoryRetention.Analyzers.Flow.Ownership.ContainingFunction(reference) is not null && MemoryRetention.Analyzers.Flow.Ownership.ContainingFunction(reference) is IAnonymousFunctionOperation;
    }
}
