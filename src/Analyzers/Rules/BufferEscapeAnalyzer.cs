using System.Collections.Generic;
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
    /// MEM011: in per-unit-of-work code, a buffer (an array, MemoryStream, StringBuilder, List&lt;byte&gt;) is stored in a
    /// static or long-lived field, or captured — directly or through the compiler's shared closure of its scope — by a
    /// delegate that escapes to something long-lived: a static or long-lived event, a static or long-lived field, a timer
    /// callback, a registration on a process-lifetime token, or a fire-and-forget Task.Run.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class BufferEscapeAnalyzer : MemoryAnalyzerBase
    {
        public const string FixProperty = "fix";
        public const string CaptureLengthFix = "capture-length";

        /// <summary>Copy the stored slice or body (<c>.ToArray()</c>) so the long-lived place keeps only its bytes.</summary>
        public const string CopyFix = "copy";
        public const string LocalProperty = "local";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.MEM011_BufferEscapes);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = RuleActions.Of(OperationKind.AnonymousFunction, OperationKind.Invocation, OperationKind.SimpleAssignment, OperationKind.FieldReference);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            var sources = new LongLivedSources(context.Compilation, handlers);
            var buffers = new[]
            {
                KnownTypes.Get(context.Compilation, "System.IO.MemoryStream"),
                KnownTypes.Get(context.Compilation, "System.Text.StringBuilder"),
            }.Where(t => t is not null).Select(t => t!).ToImmutableArray();
            var list = KnownTypes.Get(context.Compilation, "System.Collections.Generic.List`1");
            var memories = new[]
            {
                KnownTypes.Get(context.Compilation, "System.ReadOnlyMemory`1"),
                KnownTypes.Get(context.Compilation, "System.Memory`1"),
                KnownTypes.Get(context.Compilation, "System.ArraySegment`1"),
            }.Where(t => t is not null).Select(t => t!).ToImmutableArray();
            var asyncLocal = KnownTypes.Get(context.Compilation, "System.Threading.AsyncLocal`1");
            var threadLocal = KnownTypes.Get(context.Compilation, "System.Threading.ThreadLocal`1");
            var timer = KnownTypes.Get(context.Compilation, "System.Threading.Timer");
            var task = KnownTypes.Get(context.Compilation, "System.Threading.Tasks.Task");
            var types = DisposableTypes.Create(context.Compilation);
            var arraySegment = KnownTypes.Get(context.Compilation, "System.ArraySegment`1");
            var documents = new[]
            {
                KnownTypes.Get(context.Compilation, "System.Text.Json.JsonDocument"),
                KnownTypes.Get(context.Compilation, "System.Text.Json.Nodes.JsonNode"),
                KnownTypes.Get(context.Compilation, "System.Xml.Linq.XContainer"),
                KnownTypes.Get(context.Compilation, "System.Xml.XmlDocument"),
                KnownTypes.Get(context.Compilation, "Newtonsoft.Json.Linq.JToken"),
            }.Where(t => t is not null).Select(t => t!).ToImmutableArray();

            bool IsBuffer(ITypeSymbol? type)
                => type is IArrayTypeSymbol { ElementType.IsValueType: true }
                   || buffers.Any(b => KnownTypes.IsOrDerivesFrom(type, b))
                   || (type is INamedTypeSymbol { TypeArguments.Length: 1 } named && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, list) && named.TypeArguments[0].SpecialType == SpecialType.System_Byte);

            // A message body: a view of bytes (ReadOnlyMemory<byte> of a RabbitMQ delivery, Memory<byte>, ArraySegment<byte>).
            bool IsBody(ITypeSymbol? type)
                => type is INamedTypeSymbol { TypeArguments.Length: 1 } named
                   && memories.Any(m => SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, m))
                   && named.TypeArguments[0].SpecialType is SpecialType.System_Byte or SpecialType.System_Char;

            // A per-message document (JsonDocument, JsonNode, XDocument/XElement, XmlDocument, JToken): as large as the message.
            bool IsDocument(ITypeSymbol? type) => documents.Any(d => KnownTypes.IsOrDerivesFrom(type, d));

            // What a closure must not keep: a buffer, a message body or a per-message document.
            bool IsRetainable(ITypeSymbol? type) => IsBuffer(type) || IsBody(type) || IsDocument(type);

            // A view of part of an array (or string) that keeps the whole of it alive: `buffer.AsMemory(0, 16)`,
            // `memory.Slice(…)`, `new ArraySegment<byte>(buffer, 0, 16)` (a Substring copies, and is fine).
            (string Slice, string Parent)? Slice(IOperation? value)
            {
                switch (OperationTree.SkipConversions(value))
                {
                    case IInvocationOperation { TargetMethod.Name: "AsMemory", Instance: null, Arguments.Length: >= 2 } asMemory
                        when OperationTree.SkipConversions(asMemory.Arguments[0].Value)?.Type is IArrayTypeSymbol or { SpecialType: SpecialType.System_String }:
                        return (asMemory.Syntax.ToString(), Describe(asMemory.Arguments[0].Value));
                    case IInvocationOperation { TargetMethod.Name: "Slice", Instance: { } receiver } slice
                        when receiver.Type is INamedTypeSymbol { TypeArguments.Length: 1 } view && memories.Any(m => SymbolEqualityComparer.Default.Equals(view.OriginalDefinition, m)):
                        return (slice.Syntax.ToString(), Describe(receiver));
                    case IObjectCreationOperation { Arguments.Length: 3 } segment when IsGeneric(segment.Type as INamedTypeSymbol, arraySegment):
                        return (segment.Syntax.ToString(), Describe(segment.Arguments[0].Value));
                    default:
                        return null;
                }
            }

            // Whether `.ToArray()` on the stored value still converts to where it is stored (T[] converts to Memory<T>,
            // ReadOnlyMemory<T> and ArraySegment<T>).
            bool CanCopyInto(ITypeSymbol? destination)
                => destination is INamedTypeSymbol { TypeArguments.Length: 1 } named && memories.Any(m => SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, m));

            // What is stored: a buffer held by a local, or a message body read off a parameter (`ea.Body`, `body`).
            (string Name, bool Body)? StoredBuffer(IOperation value)
            {
                return OperationTree.SkipConversions(value) switch
                {
                    ILocalReferenceOperation local when IsBuffer(local.Type) || IsBody(local.Type) => (local.Local.Name, IsBody(local.Type)),
                    IParameterReferenceOperation parameter when IsBody(parameter.Type) => (parameter.Parameter.Name, true),
                    IPropertyReferenceOperation { Instance: IParameterReferenceOperation owner } property when IsBody(property.Type) => (owner.Parameter.Name + "." + property.Property.Name, true),
                    _ => null,
                };
            }

            context.RegisterOperationAction(
                c =>
                {
                    var lambda = (IAnonymousFunctionOperation)c.Operation;
                    var escape = DescribeEscape(lambda, sources, timer, task, types, c);
                    if (escape is null)
                    {
                        return;
                    }

                    var code = handlers.Classify(lambda.Parent ?? lambda, c.CancellationToken);
                    if (!code.RunsPerUnitOfWork)
                    {
                        return;
                    }

                    // What the delegate keeps: its own captures, and — through the shared closure — every local of the
                    // same scopes that another lambda of the method captures.
                    var captured = Captured(lambda);
                    var retained = new HashSet<ILocalSymbol>(captured, SymbolEqualityComparer.Default);
                    var root = OperationTree.Root(lambda);

                    // Another lambda adds only locals of the scopes this one captures from: nothing when it captures no
                    // local (then the method's other lambdas are not walked).
                    if (captured.Count > 0)
                    {
                        foreach (var operation in root.Descendants())
                        {
                            if (operation is not IAnonymousFunctionOperation other || ReferenceEquals(other, lambda))
                            {
                                continue;
                            }

                            foreach (var local in Captured(other))
                            {
                                if (captured.Any(mine => SameScope(mine, local)))
                                {
                                    retained.Add(local);
                                }
                            }
                        }
                    }

                    // Only retainable locals declared outside the lambda count; sorted only when there is one.
                    var retainable = retained.Where(l => IsRetainable(l.Type) && !IsDeclaredInside(l, lambda)).ToList();
                    var kept = retainable.Count <= 1
                        ? retainable.FirstOrDefault()
                        : retainable.OrderBy(l => l.Locations.Length > 0 ? l.Locations[0].SourceSpan.Start : 0).ThenBy(l => l.Name, System.StringComparer.Ordinal).First(); // deterministic: the first buffer in source order
                    if (kept is not null)
                    {
                        var direct = captured.Contains(kept, SymbolEqualityComparer.Default);
                        var how = direct
                            ? "the delegate captures it and " + escape
                            : "another lambda of this scope captures it, so it shares the closure of this delegate, which " + escape;
                        var properties = direct && OnlyLengthIsUsed(lambda, kept, root, c.CancellationToken)
                            ? ImmutableDictionary<string, string?>.Empty.Add(FixProperty, CaptureLengthFix).Add(LocalProperty, kept.Name)
                            : ImmutableDictionary<string, string?>.Empty;
                        c.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM011_BufferEscapes, lambda.Syntax.GetLocation(), properties, "A lambda created " + code.Describe(), kept.Name, how));
                        return;
                    }

                    // A parameter of the handler (a body, a buffer, a document, or `ea.Body` off the delivery's arguments):
                    // the first in source order (the earliest start; the first met among equal starts).
                    string? parameterName = null;
                    var parameterStart = int.MaxValue;
                    foreach (var operation in lambda.Body.Descendants())
                    {
                        if (operation is not IParameterReferenceOperation reference || reference.Syntax.SpanStart >= parameterStart || IsDeclaredInside(reference.Parameter, lambda))
                        {
                            continue;
                        }

                        var name = IsRetainable(reference.Type)
                            ? reference.Parameter.Name
                            : reference.Parent is IPropertyReferenceOperation property && ReferenceEquals(property.Instance, reference) && IsBody(property.Type)
                                ? reference.Parameter.Name + "." + property.Property.Name
                                : null;
                        if (name is not null)
                        {
                            parameterName = name;
                            parameterStart = reference.Syntax.SpanStart;
                        }
                    }

                    if (parameterName is not null)
                    {
                        c.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM011_BufferEscapes, lambda.Syntax.GetLocation(), "A lambda created " + code.Describe(), parameterName, "the delegate captures it and " + escape));
                    }
                },
                OperationKind.AnonymousFunction);

            // A slice or a delivery body added to a collection that lives for the process.
            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    if (!CollectionMembers.Adds.Contains(invocation.TargetMethod.Name)
                        || invocation.TargetMethod.Name.StartsWith("Append", System.StringComparison.Ordinal)
                        || invocation.TargetMethod.Name == "Insert"
                        || OperationTree.SkipConversions(invocation.Instance) is not IFieldReferenceOperation collection
                        || !sources.IsLongLivedMember(collection.Field, collection.Instance))
                    {
                        return;
                    }

                    foreach (var argument in invocation.Arguments)
                    {
                        if (argument.Value is null || argument.Parameter is null)
                        {
                            continue;
                        }

                        var escape = DescribeStoredView(argument.Value, "the collection '" + collection.Field.Name + "'");
                        if (escape is null)
                        {
                            continue;
                        }

                        var code = handlers.Classify(invocation, c.CancellationToken);
                        if (!code.RunsPerUnitOfWork)
                        {
                            return;
                        }

                        var properties = CanCopyInto(argument.Parameter.Type) ? ImmutableDictionary<string, string?>.Empty.Add(FixProperty, CopyFix) : ImmutableDictionary<string, string?>.Empty;
                        c.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM011_BufferEscapes, OperationTree.SkipConversions(argument.Value)!.Syntax.GetLocation(), properties, "Code " + code.Describe(), escape.Value.Name, escape.Value.Why));
                        return;
                    }
                },
                OperationKind.Invocation);

            // Words for a stored slice (whose parent array stays alive) or delivery body (owned by the client library).
            (string Name, string Why)? DescribeStoredView(IOperation value, string destination)
            {
                if (Slice(value) is { } slice)
                {
                    return (slice.Parent, "the slice '" + slice.Slice + "' stored in " + destination + " keeps the whole of '" + slice.Parent + "' alive (copy the bytes it needs)");
                }

                return StoredBuffer(value) is { Body: true } body && OperationTree.SkipConversions(value) is not ILocalReferenceOperation
                    ? (body.Name, "it is stored in " + destination + ", which outlives the handler; a delivery's body is the client's buffer, reused once the handler returns (copy it)")
                    : null;
            }

            context.RegisterOperationAction(
                c =>
                {
                    var assignment = (ISimpleAssignmentOperation)c.Operation;
                    if (Slice(assignment.Value) is not null)
                    {
                        // A slice stored in a long-lived field or indexed into a long-lived collection.
                        var (destination, destinationType) = assignment.Target switch
                        {
                            IFieldReferenceOperation field when sources.IsLongLivedMember(field.Field, field.Instance) => ("the field '" + field.Field.Name + "'", field.Type),
                            IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IFieldReferenceOperation indexed } indexer
                                when sources.IsLongLivedMember(indexed.Field, indexed.Instance) => ("the collection '" + indexed.Field.Name + "'", indexer.Type),
                            _ => (null, null),
                        };
                        if (destination is not null && DescribeStoredView(assignment.Value, destination) is { } view)
                        {
                            var sliceCode = handlers.Classify(assignment, c.CancellationToken);
                            if (sliceCode.RunsPerUnitOfWork)
                            {
                                var copy = CanCopyInto(destinationType) ? ImmutableDictionary<string, string?>.Empty.Add(FixProperty, CopyFix) : ImmutableDictionary<string, string?>.Empty;
                                c.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM011_BufferEscapes, OperationTree.SkipConversions(assignment.Value)!.Syntax.GetLocation(), copy, "Code " + sliceCode.Describe(), view.Name, view.Why));
                            }
                        }

                        return;
                    }

                    if (StoredBuffer(assignment.Value) is not { } stored)
                    {
                        return;
                    }

                    // The destination first (cheap), then where the code runs.
                    IFieldReferenceOperation? slot = assignment.Target switch
                    {
                        IFieldReferenceOperation field when sources.IsLongLivedMember(field.Field, field.Instance) => field,
                        IPropertyReferenceOperation { Property.Name: "Value", Instance: IFieldReferenceOperation holder } property
                            when sources.IsLongLivedMember(holder.Field, holder.Instance)
                                 && (IsGeneric(property.Property.ContainingType, threadLocal) || IsGeneric(property.Property.ContainingType, asyncLocal)) => holder,
                        _ => null,
                    };
                    if (slot is null)
                    {
                        return;
                    }

                    var code = handlers.Classify(assignment, c.CancellationToken);
                    var isLocalSlot = assignment.Target is IPropertyReferenceOperation;
                    var isAsyncLocal = isLocalSlot && IsGeneric(((IPropertyReferenceOperation)assignment.Target).Property.ContainingType, asyncLocal);
                    if (!code.RunsPerUnitOfWork)
                    {
                        return;
                    }

                    if (isAsyncLocal && code.Kind != HandlerCodeKind.WorkerLoopBody)
                    {
                        // Per message, an AsyncLocal flows with the execution context: a timer, a fire-and-forget task or a
                        // process-lifetime registration created afterwards captures the context — and the value — for as long
                        // as it lives (clearing the slot later does not change the captured copy).
                        if (FindExecutionContextCapture(assignment, slot.Field, sources, timer, task, types, c) is { } capture)
                        {
                            c.ReportDiagnostic(Diagnostic.Create(
                                Descriptors.MEM011_BufferEscapes,
                                assignment.Syntax.GetLocation(),
                                "Code " + code.Describe(),
                                stored.Name,
                                "it is stored in the AsyncLocal '" + slot.Field.Name + "' and " + capture + " captures the execution context that holds it (clear the slot before, or suppress the flow with ExecutionContext.SuppressFlow())"));
                        }

                        return;
                    }

                    if (ReusedOrCleared(assignment, slot.Field, c.CancellationToken))
                    {
                        return;
                    }

                    string where;
                    if (!isLocalSlot)
                    {
                        where = slot.Field.IsStatic
                            ? "it is stored in the static field '" + slot.Field.Name + "'"
                              + (slot.Field.GetAttributes().Any(a => a.AttributeClass?.Name == "ThreadStaticAttribute") ? ", which keeps it on the thread until overwritten" : string.Empty)
                            : "it is stored in '" + slot.Field.Name + "' of a long-lived handler";
                    }
                    else
                    {
                        where = (IsGeneric(((IPropertyReferenceOperation)assignment.Target).Property.ContainingType, threadLocal)
                                ? "it is stored in the ThreadLocal '" + slot.Field.Name + "', which keeps it on the (pooled, long-lived) thread until overwritten"
                                : "it is stored in the AsyncLocal '" + slot.Field.Name + "' of the worker loop, whose execution context lives as long as the worker")
                            + " and nothing here clears it";
                    }

                    if (stored.Body)
                    {
                        where += "; a delivery's body is also the client's buffer, reused once the handler returns";
                    }

                    var bodyCopy = stored.Body && !isLocalSlot && CanCopyInto(assignment.Target.Type) && OperationTree.SkipConversions(assignment.Value) is not ILocalReferenceOperation
                        ? ImmutableDictionary<string, string?>.Empty.Add(FixProperty, CopyFix)
                        : ImmutableDictionary<string, string?>.Empty;
                    c.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM011_BufferEscapes, assignment.Syntax.GetLocation(), bodyCopy, "Code " + code.Describe(), stored.Name, where));
                },
                OperationKind.SimpleAssignment);

            // A [ThreadStatic] or ThreadLocal StringBuilder / MemoryStream / List reused per message and never trimmed.
            context.RegisterOperationAction(
                c =>
                {
                    var reference = (IFieldReferenceOperation)c.Operation;
                    var field = reference.Field;
                    if (!field.IsStatic)
                    {
                        return;
                    }

                    var isThreadLocal = field.Type is INamedTypeSymbol { TypeArguments.Length: 1 } slotType0 && IsGeneric(slotType0, threadLocal);
                    var slotElement = isThreadLocal ? ((INamedTypeSymbol)field.Type).TypeArguments[0] : field.Type;
                    if (slotElement is IArrayTypeSymbol
                        && (isThreadLocal || field.GetAttributes().Any(a => a.AttributeClass?.Name == "ThreadStaticAttribute")))
                    {
                        AnalyzeGrowingPerThreadArray(c, reference, isThreadLocal, handlers);
                        return;
                    }

                    var threadLocalSlot = isThreadLocal && IsGrowable(slotElement, buffers, list);
                    if (!threadLocalSlot && (!IsGrowable(field.Type, buffers, list) || !field.GetAttributes().Any(a => a.AttributeClass?.Name == "ThreadStaticAttribute")))
                    {
                        return;
                    }

                    var root = OperationTree.Root(reference);
                    if (!IsFirstReference(reference, root) || !GrowsHere(root, field) || IsTrimmed(field, c.CancellationToken))
                    {
                        return;
                    }

                    ReportPerThreadGrowth(c, reference, threadLocalSlot, handlers, "is reused on each pool thread and only grows (Clear and SetLength(0) keep the capacity), so every thread keeps a buffer as large as the largest message it ever handled; cap it (drop or trim it when its Capacity passes a limit)");
                },
                OperationKind.FieldReference);
        }

        /// <summary>
        /// (Info) A per-thread array cache that is replaced by a larger array whenever a message needs more
        /// (`if (t_buffer == null || t_buffer.Length &lt; n) t_buffer = new byte[n];`) and is never capped: each pool thread
        /// keeps an array as large as the largest message it ever handled. Silent when the size is compared with a
        /// constant or limited by <c>Math.Min</c> in the method, when the type drops the array (`= null`) or reads a
        /// <c>Capacity</c>, and for a fixed size.
        /// </summary>
        private static void AnalyzeGrowingPerThreadArray(OperationAnalysisContext context, IFieldReferenceOperation reference, bool threadLocalSlot, HandlerRecognizer handlers)
        {
            var field = reference.Field;
            var root = OperationTree.Root(reference);
            if (!IsFirstReference(reference, root))
            {
                return;
            }

            // The sizes of the arrays written to the slot, directly or through a local (`buffer = new byte[n]; t_buffer = buffer;`).
            var written = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            var sizes = new List<IOperation>();
            foreach (var assignment in root.Descendants().OfType<ISimpleAssignmentOperation>())
            {
                var target = OperationTree.SkipConversions(assignment.Target);
                var isSlot = target is IFieldReferenceOperation direct && SymbolEqualityComparer.Default.Equals(direct.Field, field)
                    || target is IPropertyReferenceOperation { Property.Name: "Value", Instance: IFieldReferenceOperation holder } && SymbolEqualityComparer.Default.Equals(holder.Field, field);
                if (!isSlot)
                {
                    continue;
                }

                switch (OperationTree.SkipConversions(assignment.Value))
                {
                    case IArrayCreationOperation { DimensionSizes.Length: 1 } creation:
                        sizes.Add(creation.DimensionSizes[0]);
                        break;
                    case ILocalReferenceOperation local:
                        written.Add(local.Local);
                        break;
                }
            }

            if (written.Count > 0)
            {
                foreach (var operation in root.Descendants())
                {
                    var (local, value) = operation switch
                    {
                        ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment => (target.Local, assignment.Value),
                        IVariableDeclaratorOperation declarator => (declarator.Symbol, declarator.Initializer?.Value),
                        _ => (null, null),
                    };
                    if (local is not null && written.Contains(local) && OperationTree.SkipConversions(value) is IArrayCreationOperation { DimensionSizes.Length: 1 } creation)
                    {
                        sizes.Add(creation.DimensionSizes[0]);
                    }
                }
            }

            if (!sizes.Any(size => !size.ConstantValue.HasValue && !size.DescendantsAndSelf().OfType<IInvocationOperation>().Any(i => i.TargetMethod.Name == "Min"))
                || ComparesWithAConstant(root)
                || IsTrimmed(field, context.CancellationToken))
            {
                return;
            }

            ReportPerThreadGrowth(context, reference, threadLocalSlot, handlers, "is replaced by a larger array whenever a message needs more and never shrinks, so every pool thread keeps an array as large as the largest message it ever handled; cap it (do not keep arrays above a limit)");
        }

        /// <summary>(Info) A per-thread slot that grows with the largest message, when the code runs per unit of work.</summary>
        private static void ReportPerThreadGrowth(OperationAnalysisContext context, IFieldReferenceOperation reference, bool threadLocalSlot, HandlerRecognizer handlers, string growth)
        {
            var code = handlers.Classify(reference, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            var field = reference.Field;
            var holder = threadLocalSlot ? "the ThreadLocal '" + field.Name + "'" : "the [ThreadStatic] '" + field.Name + "'";
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM011_BufferEscapes,
                reference.Syntax.GetLocation(),
                DiagnosticSeverity.Info,
                additionalLocations: null,
                properties: null,
                "Code " + code.Describe(),
                field.Name,
                holder + " " + growth));
        }

        /// <summary>A relational comparison with a constant (`n &gt; MaxCached`): the method caps what it keeps.</summary>
        private static bool ComparesWithAConstant(IOperation root)
            => root.Descendants().OfType<IBinaryOperation>().Any(b =>
                b.OperatorKind is BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual or BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual
                && (b.LeftOperand.ConstantValue.HasValue ^ b.RightOperand.ConstantValue.HasValue));

        /// <summary>The parent of a slice as the user wrote it (`buffer`, `ea.Body`, `_pool`).</summary>
        private static string Describe(IOperation? parent)
            => OperationTree.SkipConversions(parent)?.Syntax.ToString() ?? "the array";

        private static bool IsGrowable(ITypeSymbol? type, ImmutableArray<INamedTypeSymbol> buffers, INamedTypeSymbol? list)
            => buffers.Any(b => KnownTypes.IsOrDerivesFrom(type, b)) || IsGeneric(type as INamedTypeSymbol, list);

        /// <summary>The first reference to the field in this body (source order): one finding per method.</summary>
        private static bool IsFirstReference(IFieldReferenceOperation reference, IOperation root)
        {
            foreach (var other in root.Descendants().OfType<IFieldReferenceOperation>())
            {
                if (SymbolEqualityComparer.Default.Equals(other.Field, reference.Field) && other.Syntax.SpanStart < reference.Syntax.SpanStart)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// Whether the body appends to the slot: through the field, its <c>Value</c>, or a local that was read from it
        /// (`var sb = t_cached ??= new StringBuilder(); sb.Append(…)`).
        /// </summary>
        private static bool GrowsHere(IOperation root, IFieldSymbol field)
        {
            bool ReadsField(IOperation? operation)
                => operation is not null
                   && (operation is IFieldReferenceOperation self && SymbolEqualityComparer.Default.Equals(self.Field, field)
                       || operation.Descendants().OfType<IFieldReferenceOperation>().Any(r => SymbolEqualityComparer.Default.Equals(r.Field, field)));

            var aliases = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            foreach (var operation in root.Descendants())
            {
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator when ReadsField(declarator.Initializer?.Value):
                        aliases.Add(declarator.Symbol);
                        break;
                    case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when ReadsField(assignment.Value):
                        aliases.Add(target.Local);
                        break;
                }
            }

            foreach (var invocation in root.Descendants().OfType<IInvocationOperation>())
            {
                if (invocation.TargetMethod.Name is not ("Append" or "AppendLine" or "AppendFormat" or "AppendJoin" or "Insert" or "Add" or "AddRange" or "Write" or "WriteByte"))
                {
                    continue;
                }

                switch (OperationTree.SkipConversions(invocation.Instance))
                {
                    case IFieldReferenceOperation direct when SymbolEqualityComparer.Default.Equals(direct.Field, field):
                    case IPropertyReferenceOperation { Property.Name: "Value", Instance: IFieldReferenceOperation holder } when SymbolEqualityComparer.Default.Equals(holder.Field, field):
                    case ILocalReferenceOperation local when aliases.Contains(local.Local):
                        return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Whether the declaring type bounds the slot anywhere: it reads or sets a <c>Capacity</c>/<c>MaxCapacity</c>,
        /// calls <c>TrimExcess</c>, or drops the buffer (`t_cached = null`). Syntax only, run once a growing slot is found.
        /// </summary>
        private static bool IsTrimmed(IFieldSymbol field, System.Threading.CancellationToken cancellationToken)
        {
            foreach (var reference in field.ContainingType.DeclaringSyntaxReferences)
            {
                foreach (var node in reference.GetSyntax(cancellationToken).DescendantNodes())
                {
                    switch (node)
                    {
                        case Microsoft.CodeAnalysis.CSharp.Syntax.SimpleNameSyntax name when name.Identifier.ValueText is "Capacity" or "MaxCapacity" or "TrimExcess":
                            return true;
                        case Microsoft.CodeAnalysis.CSharp.Syntax.AssignmentExpressionSyntax assignment
                            when LastName(assignment.Left) == field.Name && assignment.Right.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.NullLiteralExpression):
                            return true;
                    }
                }
            }

            return false;
        }

        /// <summary>
        /// After an AsyncLocal is set, the first operation of the body that captures the execution context and outlives the
        /// message (a timer not disposed here, a fire-and-forget Task.Run, a registration on a process-lifetime token) —
        /// unless the slot is written again before it or the flow is suppressed.
        /// </summary>
        private static string? FindExecutionContextCapture(ISimpleAssignmentOperation assignment, IFieldSymbol slot, LongLivedSources sources, INamedTypeSymbol? timer, INamedTypeSymbol? task, DisposableTypes? types, OperationAnalysisContext context)
        {
            var root = OperationTree.Root(assignment);
            if (root.Syntax.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.SimpleNameSyntax>().Any(n => n.Identifier.ValueText == "SuppressFlow"))
            {
                return null;
            }

            foreach (var operation in root.Descendants().Where(o => o.Syntax.SpanStart > assignment.Syntax.Span.End).OrderBy(o => o.Syntax.SpanStart))
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                switch (operation)
                {
                    case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Value", Instance: IFieldReferenceOperation holder } }
                        when SymbolEqualityComparer.Default.Equals(holder.Field, slot):
                        return null;
                    case IObjectCreationOperation creation when timer is not null && SymbolEqualityComparer.Default.Equals(creation.Type, timer) && !IsDisposedHere(creation, types, context):
                        return "the timer created on line " + (creation.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1);
                    case IInvocationOperation { TargetMethod.Name: "CreateTimer" } createTimer when !IsDisposedHere(createTimer, types, context):
                        return "the timer created on line " + (createTimer.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1);
                    case IInvocationOperation { TargetMethod.Name: "Run" } run when task is not null && SymbolEqualityComparer.Default.Equals(run.TargetMethod.ContainingType, task) && IsFireAndForget(run) && IsLongRunning(run):
                        return "the long-running fire-and-forget Task.Run on line " + (run.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1);
                    case IInvocationOperation { TargetMethod.Name: "Register" } register
                        when SymbolEqualityComparer.Default.Equals(register.TargetMethod.ContainingType, sources.CancellationToken)
                             && sources.DescribeProcessLifetimeToken(register.Instance) is { } token && !IsDisposedHere(register, types, context):
                        return "the registration on " + token;
                }
            }

            return null;
        }

        private static bool IsGeneric(INamedTypeSymbol? type, INamedTypeSymbol? definition)
            => type is not null && definition is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, definition);

        /// <summary>
        /// Whether the method also reads the slot — a per-thread or per-handler reuse cache (`var sb = t_cached ?? new
        /// StringBuilder(); … t_cached = sb;`), which keeps one buffer to use again, not one per message — or writes it
        /// again after this assignment (cleared, typically in `finally`).
        /// </summary>
        private static bool ReusedOrCleared(ISimpleAssignmentOperation assignment, IFieldSymbol slot, System.Threading.CancellationToken cancellationToken)
        {
            foreach (var reference in OperationTree.Root(assignment).Descendants().OfType<IFieldReferenceOperation>())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!SymbolEqualityComparer.Default.Equals(reference.Field, slot))
                {
                    continue;
                }

                // The slot itself (`t_cached`) or its Value (`Scratch.Value`): whichever the assignments target.
                var access = reference.Parent is IPropertyReferenceOperation { Property.Name: "Value" } value && ReferenceEquals(value.Instance, reference) ? (IOperation)value : reference;
                var written = access.Parent is ISimpleAssignmentOperation other && ReferenceEquals(other.Target, access);
                if (!written && (access is IPropertyReferenceOperation) == (assignment.Target is IPropertyReferenceOperation))
                {
                    return true; // read: reused
                }

                if (written && !ReferenceEquals(access.Parent, assignment) && access.Syntax.SpanStart > assignment.Syntax.SpanStart)
                {
                    return true; // written again later: cleared or replaced
                }
            }

            return false;
        }

        /// <summary>Where the delegate escapes to, or null when it does not reach anything long-lived.</summary>
        private static string? DescribeEscape(IAnonymousFunctionOperation lambda, LongLivedSources sources, INamedTypeSymbol? timer, INamedTypeSymbol? task, DisposableTypes? types, OperationAnalysisContext context)
        {
            IOperation current = lambda;
            while (current.Parent is IDelegateCreationOperation || current.Parent is IConversionOperation)
            {
                current = current.Parent;
            }

            switch (current.Parent)
            {
                case IEventAssignmentOperation { Adds: true, EventReference: IEventReferenceOperation eventReference } eventAssignment
                    when ReferenceEquals(eventAssignment.HandlerValue, current):
                    var publisher = sources.DescribeLongLivedPublisher(eventReference.Event, eventReference.Instance);
                    return publisher is null || publisher.StartsWith("the injected", System.StringComparison.Ordinal) ? null : "is subscribed to " + publisher;

                case ISimpleAssignmentOperation { Target: IFieldReferenceOperation field } when field.Field.IsStatic:
                    return "is stored in the static field '" + field.Field.Name + "'";

                case ISimpleAssignmentOperation { Target: IFieldReferenceOperation { Instance: IInstanceReferenceOperation } field } when sources.IsLongLivedType(field.Field.ContainingType):
                    return "is stored in '" + field.Field.Name + "' of a long-lived handler";

                case IArgumentOperation { Parent: IObjectCreationOperation creation } when timer is not null && SymbolEqualityComparer.Default.Equals(creation.Type, timer):
                    return IsDisposedHere(creation, types, context) ? null : "is a timer callback, which the runtime keeps while the timer runs";

                case IArgumentOperation { Parent: IInvocationOperation invocation }:
                    var method = invocation.TargetMethod;
                    if ((method.Name == "Register" || method.Name == "UnsafeRegister") && SymbolEqualityComparer.Default.Equals(method.ContainingType, sources.CancellationToken)
                        && sources.DescribeProcessLifetimeToken(invocation.Instance) is { } token)
                    {
                        return IsDisposedHere(invocation, types, context) ? null : "is registered on " + token;
                    }

                    if (method.Name == "CreateTimer")
                    {
                        return IsDisposedHere(invocation, types, context) ? null : "is a timer callback, which the runtime keeps while the timer runs";
                    }

                    if (method.Name == "Run" && task is not null && SymbolEqualityComparer.Default.Equals(method.ContainingType, task) && IsFireAndForget(invocation) && IsLongRunning(invocation))
                    {
                        return "runs in a long-running fire-and-forget Task.Run that nothing awaits";
                    }

                    // Stored as a value of a long-lived collection (ConcurrentDictionary<_, Func<…>>, List<Action>…).
                    if (CollectionMembers.Adds.Contains(method.Name)
                        && current.Parent is IArgumentOperation { Parameter.Name: "value" or "item" or "addValue" }
                        && invocation.Instance is IFieldReferenceOperation collection
                        && sources.IsLongLivedMember(collection.Field, collection.Instance)
                        && !HasRemoval(collection.Field, context.CancellationToken))
                    {
                        return "is stored in the collection '" + collection.Field.Name + "', which lives for the process and never removes it";
                    }

                    return null;

                case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IFieldReferenceOperation indexed } } indexerSet
                    when ReferenceEquals(indexerSet.Value, current) && sources.IsLongLivedMember(indexed.Field, indexed.Instance) && !HasRemoval(indexed.Field, context.CancellationToken):
                    return "is stored in the collection '" + indexed.Field.Name + "', which lives for the process and never removes it";

                default:
                    return null;
            }
        }

        /// <summary>
        /// Whether the field's type removes from it anywhere (`_callbacks.TryRemove(id, out _)`, `.Clear()`, a reassignment):
        /// a registry of pending callbacks that completes them is not a leak. A syntax scan of the declaring type, run
        /// only once a delegate was found stored in the field.
        /// </summary>
        private static bool HasRemoval(IFieldSymbol field, System.Threading.CancellationToken cancellationToken)
        {
            foreach (var reference in field.ContainingType.DeclaringSyntaxReferences)
            {
                foreach (var node in reference.GetSyntax(cancellationToken).DescendantNodes())
                {
                    switch (node)
                    {
                        case Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax access
                            when CollectionMembers.Removals.Contains(access.Name.Identifier.ValueText) && LastName(access.Expression) == field.Name:
                            return true;
                        case Microsoft.CodeAnalysis.CSharp.Syntax.AssignmentExpressionSyntax assignment
                            when LastName(assignment.Left) == field.Name && assignment.Parent is not Microsoft.CodeAnalysis.CSharp.Syntax.InitializerExpressionSyntax:
                            return true;
                    }
                }
            }

            return false;
        }

        private static string? LastName(Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax expression)
            => expression switch
            {
                Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                _ => null,
            };

        /// <summary>
        /// The capture-length fix is safe when the captured local is an array (its length never changes), the delegate
        /// reads only its <c>Length</c>, no other delegate of the method captures it, and nothing writes the local.
        /// </summary>
        private static bool OnlyLengthIsUsed(IAnonymousFunctionOperation lambda, ILocalSymbol local, IOperation root, System.Threading.CancellationToken cancellationToken)
        {
            if (local.Type is not IArrayTypeSymbol || local.IsRef)
            {
                return false;
            }

            foreach (var reference in lambda.Body.Descendants().OfType<ILocalReferenceOperation>())
            {
                if (SymbolEqualityComparer.Default.Equals(reference.Local, local) && reference.Parent is not IPropertyReferenceOperation { Property.Name: "Length" })
                {
                    return false;
                }
            }

            foreach (var operation in root.Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (operation)
                {
                    case IAnonymousFunctionOperation other when !ReferenceEquals(other, lambda) && !lambda.Syntax.Span.Contains(other.Syntax.Span) && !other.Syntax.Span.Contains(lambda.Syntax.Span)
                        && Captured(other).Contains(local, SymbolEqualityComparer.Default):
                        return false;
                    case ILocalFunctionOperation function when function.Body is not null
                        && function.Body.Descendants().OfType<ILocalReferenceOperation>().Any(r => SymbolEqualityComparer.Default.Equals(r.Local, local)):
                        return false;
                    case IAssignmentOperation { Target: ILocalReferenceOperation target } when SymbolEqualityComparer.Default.Equals(target.Local, local):
                        return false;
                    case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out, Value: ILocalReferenceOperation passed } when SymbolEqualityComparer.Default.Equals(passed.Local, local):
                        return false;
                }
            }

            return true;
        }

        /// <summary>A registration or timer disposed in this method ends the delegate's hold when the method does.</summary>
        private static bool IsDisposedHere(IOperation handle, DisposableTypes? types, OperationAnalysisContext context)
            => types is not null && Ownership.Analyze(handle, types, context.CancellationToken).Fate == OwnershipFate.Disposed;

        private static bool IsFireAndForget(IInvocationOperation invocation)
        {
            var parent = invocation.Parent;
            while (parent is IConversionOperation)
            {
                parent = parent.Parent;
            }

            return parent is IExpressionStatementOperation
                || (parent is ISimpleAssignmentOperation { Target: IDiscardOperation });
        }

        /// <summary>
        /// A fire-and-forget <c>Task.Run</c> keeps its delegate (and the execution context it captured) only while it runs:
        /// a short task lets go when it ends. It outlives the message when its lambda loops until cancellation or forever
        /// (`while (!token.IsCancellationRequested)`, `while (true)`, `for (;;)`), waits on a PeriodicTimer, or awaits an
        /// infinite delay. A method group or a lambda without such a loop is taken to end soon (silent).
        /// </summary>
        private static bool IsLongRunning(IInvocationOperation run)
        {
            foreach (var argument in run.Arguments)
            {
                var value = OperationTree.SkipConversions(argument.Value);
                if (value is IDelegateCreationOperation creation)
                {
                    value = creation.Target;
                }

                if (value is not IAnonymousFunctionOperation lambda)
                {
                    continue;
                }

                foreach (var operation in lambda.Body.Descendants())
                {
                    switch (operation)
                    {
                        case IWhileLoopOperation { Condition: null }:
                        case IForLoopOperation { Condition: null }:
                            return true;
                        case IWhileLoopOperation { Condition: { } condition } when condition.ConstantValue is { HasValue: true, Value: true } || ReadsCancellation(condition):
                            return true;
                        case IInvocationOperation { TargetMethod.Name: "WaitForNextTickAsync" }:
                            return true;
                        case IInvocationOperation { TargetMethod.Name: "Delay", Arguments.Length: > 0 } delay
                            when OperationTree.SkipConversions(delay.Arguments[0].Value) is { } duration
                                 && (duration.ConstantValue is { HasValue: true, Value: -1 } || duration is IFieldReferenceOperation { Field.Name: "InfiniteTimeSpan" or "MaxValue" }):
                            return true;
                    }
                }
            }

            return false;
        }

        private static bool ReadsCancellation(IOperation condition)
            => condition.DescendantsAndSelf().Any(o => o is IPropertyReferenceOperation { Property.Name: "IsCancellationRequested" });

        /// <summary>Outer locals referenced inside the lambda (including nested lambdas).</summary>
        private static List<ILocalSymbol> Captured(IAnonymousFunctionOperation lambda)
        {
            var result = new List<ILocalSymbol>();
            foreach (var reference in lambda.Body.Descendants().OfType<ILocalReferenceOperation>())
            {
                if (!IsDeclaredInside(reference.Local, lambda) && !result.Contains(reference.Local, SymbolEqualityComparer.Default))
                {
                    result.Add(reference.Local);
                }
            }

            return result;
        }

        private static bool IsDeclaredInside(ISymbol local, IAnonymousFunctionOperation lambda)
            => local.DeclaringSyntaxReferences.Any(r => lambda.Syntax.Span.Contains(r.Span));

        /// <summary>Two locals share a closure class when they are declared in the same block (scope).</summary>
        private static bool SameScope(ILocalSymbol a, ILocalSymbol b)
        {
            var blockA = a.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax().Parent?.Parent?.Parent;
            var blockB = b.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax().Parent?.Parent?.Parent;
            return blockA is not null && blockA == blockB;
        }
    }
}
