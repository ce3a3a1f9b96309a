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
    /// MEM010 large-object-heap arrays allocated per unit of work; MEM012 a MemoryStream per unit of work;
    /// MEM013 pools used so that they stop pooling (rentals not returned on every path, arrays of references returned
    /// without clearing, IMemoryOwner not disposed, RecyclableMemoryStreamManager per invocation or without limits).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class BufferAnalyzer : MemoryAnalyzerBase
    {
        public const string ThresholdKey = MemoryRetentionOptions.Prefix + "MEM010.threshold_bytes";
        public const int DefaultThreshold = 85_000;

        public const string FixProperty = "fix";
        public const string PoolFix = "pool";
        public const string FinallyFix = "finally";
        public const string RecyclableFix = "recyclable";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            Descriptors.MEM010_LargeObjectHeapAllocation,
            Descriptors.MEM012_MemoryStreamPerInvocation,
            Descriptors.MEM013_PoolMisuse);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = new RuleActions(ImmutableArray.Create(OperationKind.ArrayCreation, OperationKind.ObjectCreation, OperationKind.Invocation), symbols: ImmutableArray.Create(SymbolKind.Method));

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            var types = DisposableTypes.Create(context.Compilation);
            var arrayPool = KnownTypes.Get(context.Compilation, "System.Buffers.ArrayPool`1");
            var memoryPool = KnownTypes.Get(context.Compilation, "System.Buffers.MemoryPool`1");
            var memoryStream = KnownTypes.Get(context.Compilation, "System.IO.MemoryStream");
            var recyclableManager = KnownTypes.Get(context.Compilation, "Microsoft.IO.RecyclableMemoryStreamManager");
            var gc = KnownTypes.Get(context.Compilation, "System.GC");
            var stream = KnownTypes.Get(context.Compilation, "System.IO.Stream");
            var file = KnownTypes.Get(context.Compilation, "System.IO.File");
            var index = LocalReferenceIndex.For(context.Compilation);

            context.RegisterOperationAction(c => AnalyzeArray(c, (IArrayCreationOperation)c.Operation, handlers, stream, index), OperationKind.ArrayCreation);
            ObjectPoolPolicies.Register(context); // MEM013: Microsoft.Extensions.ObjectPool policies that keep growth

            context.RegisterOperationAction(
                c =>
                {
                    var creation = (IObjectCreationOperation)c.Operation;
                    if (creation.Arguments.Length > 0 && creation.Type is INamedTypeSymbol { IsGenericType: true })
                    {
                        AnalyzeCollectionCapacity(c, creation, handlers, stream, index);
                    }
                    else if (memoryStream is not null && SymbolEqualityComparer.Default.Equals(creation.Type, memoryStream))
                    {
                        AnalyzeMemoryStream(c, creation, handlers, recyclableManager is not null);
                    }
                    else if (recyclableManager is not null && SymbolEqualityComparer.Default.Equals(creation.Type, recyclableManager))
                    {
                        AnalyzeManager(c, creation, handlers);
                    }
                },
                OperationKind.ObjectCreation);

            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    var method = invocation.TargetMethod;
                    if (method.Name == "Rent" && arrayPool is not null && KnownTypes.IsOrDerivesFrom(method.ContainingType, arrayPool))
                    {
                        AnalyzeRent(c, invocation, handlers, index);
                    }
                    else if (method.Name == "Rent" && memoryPool is not null && types is not null && KnownTypes.IsOrDerivesFrom(method.ContainingType, memoryPool))
                    {
                        var code = handlers.Classify(invocation, c.CancellationToken);
                        if (code.RunsPerUnitOfWork && Ownership.Analyze(invocation, types, c.CancellationToken, index).Fate == OwnershipFate.Leaked)
                        {
                            c.ReportDiagnostic(Diagnostic.Create(
                                Descriptors.MEM013_PoolMisuse,
                                invocation.Syntax.GetLocation(),
                                ImmutableDictionary<string, string?>.Empty.Add(FixProperty, "using"),
                                "The IMemoryOwner rented " + code.Describe() + " is never disposed, so its memory never goes back to the pool"));
                        }
                    }
                    else if (method.Name == "Return" && arrayPool is not null && KnownTypes.IsOrDerivesFrom(method.ContainingType, arrayPool))
                    {
                        AnalyzeReturnOfReferences(c, invocation);
                        if (!AnalyzeUseAfterReturn(c, invocation, arrayPool, handlers))
                        {
                            AnalyzeReturnOutsideFinally(c, invocation, handlers, index);
                        }
                    }
                    else if (method.Name is "ReadAllBytes" or "ReadAllBytesAsync" or "ReadAllText" or "ReadAllTextAsync" or "ToArray")
                    {
                        AnalyzeWholeRead(c, invocation, file, memoryStream, handlers);
                    }
                    else if (recyclableManager is not null && method.Name is "AddSingleton" or "TryAddSingleton")
                    {
                        AnalyzeContainerBuiltManager(c, invocation, recyclableManager, handlers);
                    }
                    else if ((method.Name == "AllocateUninitializedArray" || method.Name == "AllocateArray") && gc is not null
                        && SymbolEqualityComparer.Default.Equals(method.ContainingType, gc) && method.TypeArguments.Length == 1 && invocation.Arguments.Length > 0)
                    {
                        AnalyzeSize(c, invocation, method.TypeArguments[0], invocation.Arguments[0].Value, handlers, stream, index, "GC." + method.Name);
                    }
                },
                OperationKind.Invocation);
        }

        // ---------------------------------------------------------------- MEM010

        private static void AnalyzeArray(OperationAnalysisContext context, IArrayCreationOperation creation, HandlerRecognizer handlers, INamedTypeSymbol? stream, LocalReferenceIndex index)
        {
            if (creation.DimensionSizes.Length != 1 || creation.Type is not IArrayTypeSymbol array || creation.Initializer is not null)
            {
                return;
            }

            AnalyzeSize(context, creation, array.ElementType, creation.DimensionSizes[0], handlers, stream, index, "new " + array.ElementType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "[]");
        }

        private static void AnalyzeSize(OperationAnalysisContext context, IOperation allocation, ITypeSymbol elementType, IOperation size, HandlerRecognizer handlers, INamedTypeSymbol? stream, LocalReferenceIndex index, string what)
            => AnalyzeSize(context, allocation, SizeOf(elementType), size, handlers, stream, index, what);

        /// <summary>
        /// Pre-sized collections whose backing array alone reaches the threshold: <c>new List&lt;T&gt;(100_000)</c>,
        /// <c>new Dictionary&lt;K,V&gt;(50_000)</c>, HashSet, Queue, Stack, ConcurrentDictionary (its bucket array). The
        /// element size is the array's slot: T for lists, queues and stacks; the entry struct (hash code, next index, key,
        /// value, aligned) for dictionaries and sets; a reference for ConcurrentDictionary buckets. References count as 8
        /// bytes (64-bit); structs of unknown size are not estimated.
        /// </summary>
        private static void AnalyzeCollectionCapacity(OperationAnalysisContext context, IObjectCreationOperation creation, HandlerRecognizer handlers, INamedTypeSymbol? stream, LocalReferenceIndex index)
        {
            if (creation.Type is not INamedTypeSymbol { IsGenericType: true } type
                || type.ContainingNamespace?.ToDisplayString() is not ("System.Collections.Generic" or "System.Collections.Concurrent"))
            {
                return;
            }

            var capacity = creation.Arguments.FirstOrDefault(a => a.Parameter is { Name: "capacity", Type.SpecialType: SpecialType.System_Int32 });
            if (capacity is null)
            {
                return;
            }

            var arguments = type.TypeArguments;
            var slot = type.OriginalDefinition.MetadataName switch
            {
                "List`1" or "Queue`1" or "Stack`1" => SizeOf(arguments[0]),
                "HashSet`1" => EntrySize(SizeOf(arguments[0]), 0),
                "Dictionary`2" => SizeOf(arguments[1]) == 0 ? 0 : EntrySize(SizeOf(arguments[0]), SizeOf(arguments[1])),
                "ConcurrentDictionary`2" => 8,
                _ => 0,
            };

            if (slot == 0)
            {
                return;
            }

            AnalyzeSize(context, creation, slot, capacity.Value, handlers, stream, index, "new " + type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "(capacity)");
        }

        /// <summary>
        /// A whole file or message body read into one array or string per unit of work — <c>File.ReadAllBytes</c>/
        /// <c>ReadAllText</c> (and Async), <c>body.ToArray()</c> of a <c>ReadOnlyMemory&lt;byte&gt;</c>/<c>Memory&lt;byte&gt;</c>
        /// handed to the handler, <c>MemoryStream.ToArray()</c> — with no size check in the method. Its size is whatever
        /// arrives, so this is Info: large inputs land on the large object heap each time; small ones do not.
        /// Silent when the method compares a length (<c>new FileInfo(path).Length</c>, <c>body.Length</c>) first.
        /// </summary>
        private static void AnalyzeWholeRead(OperationAnalysisContext context, IInvocationOperation invocation, INamedTypeSymbol? file, INamedTypeSymbol? memoryStream, HandlerRecognizer handlers)
        {
            var method = invocation.TargetMethod;
            string what;
            string amount;
            if (method.Name.StartsWith("ReadAll", System.StringComparison.Ordinal))
            {
                if (file is null || !SymbolEqualityComparer.Default.Equals(method.ContainingType, file) || ComparesAnyLength(invocation, context.CancellationToken))
                {
                    return;
                }

                what = "File." + method.Name;
                amount = method.Name.StartsWith("ReadAllText", System.StringComparison.Ordinal)
                    ? "a string as long as the file (2 bytes a character; not bounded in this method)"
                    : "an array as long as the file (not bounded in this method)";
            }
            else
            {
                var receiver = invocation.Instance;
                var receiverType = receiver?.Type as INamedTypeSymbol;
                // Handed to the handler: a parameter or a member of one (`ea.Body` is a field in RabbitMQ.Client 7). A
                // MemoryStream the method creates itself is MEM012's finding (one finding per object).
                var handedIn = OperationTree.SkipConversions(receiver) is IParameterReferenceOperation
                    or IPropertyReferenceOperation { Instance: IParameterReferenceOperation or IPropertyReferenceOperation }
                    or IFieldReferenceOperation { Instance: IParameterReferenceOperation or IPropertyReferenceOperation };
                var isBody = handedIn
                    && receiverType is { IsGenericType: true, TypeArguments.Length: 1 }
                    && receiverType.TypeArguments[0].SpecialType == SpecialType.System_Byte
                    && KnownTypes.IsNamespace(receiverType.ContainingNamespace, "System")
                    && receiverType.Name is "ReadOnlyMemory" or "Memory";
                var isStream = handedIn && memoryStream is not null && SymbolEqualityComparer.Default.Equals(receiverType, memoryStream);
                if (receiver is null || !(isBody || isStream) || ComparesLength(receiver, invocation, context.CancellationToken))
                {
                    return;
                }

                what = (isBody ? "body" : "MemoryStream") + ".ToArray()";
                amount = isBody ? "a copy of the whole message body (not bounded in this method)" : "a copy of everything written to the stream (not bounded in this method)";
            }

            var code = handlers.Classify(invocation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM010_LargeObjectHeapAllocation,
                invocation.Syntax.GetLocation(),
                DiagnosticSeverity.Info,
                additionalLocations: null,
                properties: ImmutableDictionary<string, string?>.Empty,
                what,
                amount,
                code.Describe()));
        }

        /// <summary>Whether the method compares any <c>Length</c> (a <c>FileInfo</c>'s, a stream's) with something: the author bounds the size.</summary>
        private static bool ComparesAnyLength(IOperation operation, CancellationToken cancellationToken)
        {
            foreach (var descendant in OperationTree.Root(operation).Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (descendant is IBinaryOperation { OperatorKind: BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual } comparison
                    && (OperationTree.SkipConversions(comparison.LeftOperand) is IPropertyReferenceOperation { Property.Name: "Length" }
                        || OperationTree.SkipConversions(comparison.RightOperand) is IPropertyReferenceOperation { Property.Name: "Length" }))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>An entry of Dictionary/HashSet: int hash code + int next + key (+ value), padded to its widest field.</summary>
        private static int EntrySize(int key, int value)
        {
            if (key == 0)
            {
                return 0;
            }

            var raw = 8 + key + value;
            var align = System.Math.Max(4, System.Math.Min(8, System.Math.Max(key, value)));
            return (raw + align - 1) / align * align;
        }

        private static void AnalyzeSize(OperationAnalysisContext context, IOperation allocation, int elementSize, IOperation size, HandlerRecognizer handlers, INamedTypeSymbol? stream, LocalReferenceIndex index, string what)
        {
            if (elementSize == 0)
            {
                return;
            }

            var threshold = MemoryRetentionOptions.GetInt(context.Options, allocation.Syntax.SyntaxTree, ThresholdKey, DefaultThreshold);
            var estimate = EstimateCount(size, stream, index, context.CancellationToken);
            if (estimate is null)
            {
                return; // a size the analysis cannot tell anything about (documented)
            }

            var (count, confident, source) = estimate.Value;
            var bytes = count * elementSize;
            if (source != SizeSource.StreamLength && bytes < threshold)
            {
                return;
            }

            var code = handlers.Classify(allocation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            var amount = source switch
            {
                SizeSource.StreamLength => "as many bytes as the stream is long (a whole message body or file)",
                SizeSource.ParameterDefault => (bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " bytes by the default of its size parameter"),
                _ => bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " bytes",
            };

            // The fix repeats the size expression in place of `.Length`: only safe for a constant or a local/parameter
            // that nothing writes after the allocation.
            var fixable = allocation is IArrayCreationOperation && (source == SizeSource.Constant || source == SizeSource.ConstantLocal || source == SizeSource.ParameterDefault);
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM010_LargeObjectHeapAllocation,
                allocation.Syntax.GetLocation(),
                confident ? Descriptors.MEM010_LargeObjectHeapAllocation.DefaultSeverity : DiagnosticSeverity.Info,
                additionalLocations: null,
                properties: fixable ? ImmutableDictionary<string, string?>.Empty.Add(FixProperty, PoolFix) : ImmutableDictionary<string, string?>.Empty,
                what,
                amount,
                code.Describe()));
        }

        private enum SizeSource
        {
            Constant,
            ConstantLocal,
            ParameterDefault,
            StreamLength,
        }

        /// <summary>
        /// The element count of an allocation: a constant (or a local only ever assigned a constant) is certain; a
        /// parameter's default value or a stream's length says the size is large but not that it always is (reported at
        /// a lower severity). Null when nothing is known.
        /// </summary>
        private static (long Count, bool Confident, SizeSource Source)? EstimateCount(IOperation size, INamedTypeSymbol? stream, LocalReferenceIndex index, CancellationToken cancellationToken)
        {
            if (size.ConstantValue is { HasValue: true } constant)
            {
                return ToLong(constant.Value) is { } value ? (value, true, SizeSource.Constant) : null;
            }

            var operand = OperationTree.SkipConversions(size)!;
            switch (operand)
            {
                case IParameterReferenceOperation { Parameter: { HasExplicitDefaultValue: true, RefKind: RefKind.None } parameter } when !IsParameterWritten(operand, parameter, cancellationToken):
                    return ToLong(parameter.ExplicitDefaultValue) is { } fallback ? (fallback, false, SizeSource.ParameterDefault) : null;

                case ILocalReferenceOperation { Local: { IsConst: false, IsRef: false } local }:
                    // One index walk per body answers both: the declarator's constant, and whether anything writes the local.
                    long? count = null;
                    foreach (var occurrence in index.Get(OperationTree.Root(operand), local, cancellationToken))
                    {
                        if (occurrence is IVariableDeclaratorOperation declarator)
                        {
                            count = declarator.Initializer?.Value.ConstantValue is { HasValue: true } value ? ToLong(value.Value) : null;
                        }
                        else if (OperationTree.IsWrite(occurrence))
                        {
                            return null;
                        }
                    }

                    return count is { } known ? (known, true, SizeSource.ConstantLocal) : null;

                case IPropertyReferenceOperation { Property.Name: "Length", Instance: { Type: { } instanceType } instance }
                    when KnownTypes.IsOrDerivesFrom(instanceType, stream) && !ComparesLength(instance, operand, cancellationToken):
                    return (0, false, SizeSource.StreamLength);

                default:
                    return null;
            }
        }

        private static long? ToLong(object? value)
        {
            try
            {
                return value is null ? null : System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (System.Exception exception) when (exception is System.FormatException || exception is System.InvalidCastException || exception is System.OverflowException)
            {
                return null;
            }
        }

        /// <summary>Whether the method assigns the parameter (parameters are not in the local index: a walk, only for size parameters with a default).</summary>
        private static bool IsParameterWritten(IOperation reference, IParameterSymbol parameter, CancellationToken cancellationToken)
        {
            foreach (var operation in OperationTree.Root(reference).Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (operation is IParameterReferenceOperation other && SymbolEqualityComparer.Default.Equals(other.Parameter, parameter) && OperationTree.IsWrite(other))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Whether the method compares this stream's Length with something (`if (stream.Length > MaxBody) throw …`): the
        /// author has bounded the size, so the allocation is not reported.
        /// </summary>
        private static bool ComparesLength(IOperation instance, IOperation allocationSize, CancellationToken cancellationToken)
        {
            var owner = ReferencedSymbol(instance);
            if (owner is null)
            {
                return false;
            }

            foreach (var operation in OperationTree.Root(allocationSize).Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (operation is IBinaryOperation { OperatorKind: BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual } comparison
                    && (IsLengthOf(comparison.LeftOperand, owner) || IsLengthOf(comparison.RightOperand, owner)))
                {
                    return true;
                }
            }

            return false;

            static bool IsLengthOf(IOperation side, ISymbol owner)
                => OperationTree.SkipConversions(side) is IPropertyReferenceOperation { Property.Name: "Length", Instance: { } of }
                   && SymbolEqualityComparer.Default.Equals(ReferencedSymbol(of), owner);
        }

        /// <summary>The local, parameter, field or property an expression reads (`stream`, `message.Body`), or null.</summary>
        private static ISymbol? ReferencedSymbol(IOperation operation)
            => OperationTree.SkipConversions(operation) switch
            {
                ILocalReferenceOperation local => local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                IFieldReferenceOperation field => field.Field,
                IPropertyReferenceOperation property => property.Property,
                _ => null,
            };

        private static int SizeOf(ITypeSymbol type)
        {
            switch (type.SpecialType)
            {
                case SpecialType.System_Byte:
                case SpecialType.System_SByte:
                case SpecialType.System_Boolean:
                    return 1;
                case SpecialType.System_Char:
                case SpecialType.System_Int16:
                case SpecialType.System_UInt16:
                    return 2;
                case SpecialType.System_Int32:
                case SpecialType.System_UInt32:
                case SpecialType.System_Single:
                    return 4;
                case SpecialType.System_Int64:
                case SpecialType.System_UInt64:
                case SpecialType.System_Double:
                case SpecialType.System_IntPtr:
                case SpecialType.System_UIntPtr:
                    return 8;
                case SpecialType.System_Decimal:
                    return 16;
                default:
                    return type.IsReferenceType ? 8 : 0;
            }
        }

        // ---------------------------------------------------------------- MEM012

        private static void AnalyzeMemoryStream(OperationAnalysisContext context, IObjectCreationOperation creation, HandlerRecognizer handlers, bool recyclableReferenced)
        {
            // A caller-supplied buffer (`new MemoryStream(bytes)`) is a view, not a growing buffer.
            if (creation.Arguments.Any(a => a.Value.Type is IArrayTypeSymbol))
            {
                return;
            }

            var code = handlers.Classify(creation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            var suffix = recyclableReferenced
                ? "; Microsoft.IO.RecyclableMemoryStream is referenced: take a pooled stream from a shared RecyclableMemoryStreamManager"
                : string.Empty;
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM012_MemoryStreamPerInvocation,
                creation.Syntax.GetLocation(),
                recyclableReferenced ? DiagnosticSeverity.Warning : DiagnosticSeverity.Info,
                additionalLocations: null,
                properties: recyclableReferenced ? ImmutableDictionary<string, string?>.Empty.Add(FixProperty, RecyclableFix) : ImmutableDictionary<string, string?>.Empty,
                code.Describe(),
                suffix));
        }

        // ---------------------------------------------------------------- MEM013

        private static void AnalyzeManager(OperationAnalysisContext context, IObjectCreationOperation creation, HandlerRecognizer handlers)
        {
            var code = handlers.Classify(creation, context.CancellationToken);
            if (code.RunsPerUnitOfWork)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.MEM013_PoolMisuse,
                    creation.Syntax.GetLocation(),
                    "A RecyclableMemoryStreamManager is created " + code.Describe() + "; a manager per invocation pools nothing — share one static instance"));
                return;
            }

            // A shared manager without limits on its free pools keeps every buffer it ever grew to.
            var options = creation.Arguments.Select(a => a.Value is IConversionOperation conversion ? conversion.Operand : a.Value).OfType<IObjectCreationOperation>().FirstOrDefault();
            var setsLimits = options?.Initializer?.Initializers.OfType<ISimpleAssignmentOperation>()
                .Any(a => a.Target is IPropertyReferenceOperation { Property.Name: "MaximumSmallPoolFreeBytes" or "MaximumLargePoolFreeBytes" }) == true;
            var argumentsNotInspectable = creation.Arguments.Length > 0 && options is null;
            if (!setsLimits && !argumentsNotInspectable && (IsStoredInField(creation) || IsSingletonInstanceOrFactory(creation)))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.MEM013_PoolMisuse,
                    creation.Syntax.GetLocation(),
                    "This RecyclableMemoryStreamManager sets no MaximumSmallPoolFreeBytes / MaximumLargePoolFreeBytes; it keeps every buffer it ever grew to for the life of the process"));
            }
        }

        /// <summary>
        /// `services.AddSingleton(new RecyclableMemoryStreamManager())` or `services.AddSingleton(sp =&gt; new
        /// RecyclableMemoryStreamManager())`: the container keeps the instance for the process.
        /// </summary>
        private static bool IsSingletonInstanceOrFactory(IOperation creation)
        {
            var current = creation;
            while (current.Parent is IConversionOperation)
            {
                current = current.Parent;
            }

            if (current.Parent is IReturnOperation { Parent: IBlockOperation { Parent: IAnonymousFunctionOperation lambda } })
            {
                current = lambda;
                while (current.Parent is IDelegateCreationOperation or IConversionOperation)
                {
                    current = current.Parent;
                }
            }

            return current.Parent is IArgumentOperation { Parent: IInvocationOperation registration } && IsSingletonRegistration(registration.TargetMethod);
        }

        private static bool IsSingletonRegistration(IMethodSymbol method)
        {
            if (method.Name is not ("AddSingleton" or "TryAddSingleton"))
            {
                return false;
            }

            var ns = method.ContainingType?.ContainingNamespace?.ToDisplayString();
            return ns == "Microsoft.Extensions.DependencyInjection" || ns == "Microsoft.Extensions.DependencyInjection.Extensions";
        }

        /// <summary>
        /// `services.AddSingleton&lt;RecyclableMemoryStreamManager&gt;()`: the container builds the process's one manager with its
        /// parameterless constructor — no limits on its free pools — unless the compilation registers the options.
        /// </summary>
        private static void AnalyzeContainerBuiltManager(OperationAnalysisContext context, IInvocationOperation registration, INamedTypeSymbol manager, HandlerRecognizer handlers)
        {
            var method = registration.TargetMethod;
            if (method.TypeArguments.Length == 0
                || !SymbolEqualityComparer.Default.Equals(method.TypeArguments[method.TypeArguments.Length - 1], manager)
                || method.Parameters.Length - (method.IsExtensionMethod && method.ReducedFrom is null ? 1 : 0) != 0   // no instance, no factory
                || !IsSingletonRegistration(method))
            {
                return;
            }

            if (manager.GetTypeMembers("Options").FirstOrDefault() is { } options && LifetimeService.For(handlers).RegisteredLifetime(options) is not null)
            {
                return; // the container can build it with the registered options
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM013_PoolMisuse,
                registration.Syntax.GetLocation(),
                "This RecyclableMemoryStreamManager is registered as a singleton that the container builds with its parameterless constructor: no MaximumSmallPoolFreeBytes / MaximumLargePoolFreeBytes, so it keeps every buffer it ever grew to for the life of the process"));
        }

        private static bool IsStoredInField(IOperation operation)
        {
            var current = operation;
            while (current.Parent is IConversionOperation)
            {
                current = current.Parent;
            }

            return current.Parent is IFieldInitializerOperation
                || current.Parent is IPropertyInitializerOperation
                || (current.Parent is ISimpleAssignmentOperation assignment && (assignment.Target is IFieldReferenceOperation || assignment.Target is IPropertyReferenceOperation));
        }

        private static void AnalyzeReturnOfReferences(OperationAnalysisContext context, IInvocationOperation returnCall)
        {
            if (returnCall.Arguments.Length == 0 || returnCall.Arguments[0].Value.Type is not IArrayTypeSymbol { ElementType.IsReferenceType: true } array)
            {
                return;
            }

            var clear = returnCall.Arguments.FirstOrDefault(a => a.Parameter?.Name == "clearArray");
            if (clear is not null && !(clear.ArgumentKind == ArgumentKind.DefaultValue) && !(clear.Value.ConstantValue is { HasValue: true, Value: false }))
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM013_PoolMisuse,
                returnCall.Syntax.GetLocation(),
                "An array of '" + array.ElementType.Name + "' is returned without clearArray: true; the pool keeps the objects it references alive until the array is rented again"));
        }

        private static void AnalyzeRent(OperationAnalysisContext context, IInvocationOperation rent, HandlerRecognizer handlers, LocalReferenceIndex index)
        {
            var code = handlers.Classify(rent, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            var current = OperationTree.OuterConversion(rent);
            ILocalSymbol? local = current.Parent switch
            {
                IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
                ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } => target.Local,
                _ => null,
            };

            if (local is not null && current.Parent is ISimpleAssignmentOperation reassignment && LosesPreviousRental(reassignment, local, rent, index, context.CancellationToken))
            {
                Report(context, rent, "'" + local.Name + "' still holds an array rented earlier, and this rental replaces it without returning it: the pool loses that array " + code.Describe(), fix: null);
                return;
            }

            if (local is null)
            {
                // Discarded or passed straight on: an expression statement loses the array.
                if (current.Parent is IExpressionStatementOperation)
                {
                    Report(context, rent, "The array rented " + code.Describe() + " is never returned to the pool, which then allocates a new one", fix: null);
                }

                return;
            }

            var returnedInFinally = false;
            IInvocationOperation? returnedOutsideFinally = null;
            var escapes = false;
            foreach (var occurrence in index.Get(OperationTree.Root(rent), local, context.CancellationToken))
            {
                if (occurrence is not ILocalReferenceOperation reference)
                {
                    continue;
                }

                var use = OperationTree.OuterConversion(reference);

                if (use.Parent is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "Return" } returnCall } && returnCall.TargetMethod.ContainingType?.Name == "ArrayPool")
                {
                    if (IsInFinally(returnCall))
                    {
                        returnedInFinally = true;
                    }
                    else
                    {
                        returnedOutsideFinally ??= returnCall;
                    }
                }
                else if (use.Parent is ISimpleAssignmentOperation { Target: ILocalReferenceOperation grown } swap && ReferenceEquals(swap.Value, use)
                    && !SymbolEqualityComparer.Default.Equals(grown.Local, local)
                    && LosesPreviousRental(swap, grown.Local, rent, index, context.CancellationToken))
                {
                    // Grow by renting: `var bigger = pool.Rent(buffer.Length * 2); …; buffer = bigger;` with no Return(buffer) first.
                    Report(context, swap, "'" + grown.Local.Name + "' is replaced by the bigger rental '" + local.Name + "' without returning the array it held: the pool loses one array per growth " + code.Describe(), fix: null);
                    return;
                }
                else if (use.Parent is IReturnOperation
                    || (use.Parent is ISimpleAssignmentOperation assignment && ReferenceEquals(assignment.Value, use))
                    || (use.Parent is IArgumentOperation { Parent: IInvocationOperation call } && call.TargetMethod.Locations.Any(l => l.IsInSource))
                    || Ownership.ContainingFunction(reference) is not null)
                {
                    escapes = true;
                }
            }

            // A Return outside finally is reported at the Return itself (AnalyzeReturnOutsideFinally).
            if (returnedInFinally || escapes || returnedOutsideFinally is not null)
            {
                return;
            }

            Report(context, rent, "The array rented " + code.Describe() + " is never returned to the pool, which then allocates a new one for every rental", fix: null);
        }

        private static void AnalyzeReturnOutsideFinally(OperationAnalysisContext context, IInvocationOperation returnCall, HandlerRecognizer handlers, LocalReferenceIndex index)
        {
            if (IsInFinally(returnCall) || returnCall.Arguments.Length == 0)
            {
                return;
            }

            if (OperationTree.SkipConversions(returnCall.Arguments[0].Value) is not ILocalReferenceOperation reference)
            {
                return;
            }

            // Rented in the same body, before this Return, with code in between that can throw.
            var rented = index.Get(OperationTree.Root(returnCall), reference.Local, context.CancellationToken).OfType<IVariableDeclaratorOperation>().FirstOrDefault(d =>
                d.Initializer?.Value is IInvocationOperation { TargetMethod.Name: "Rent" }
                && d.Syntax.SpanStart < returnCall.Syntax.SpanStart);
            if (rented is null)
            {
                return;
            }

            // An early Return inside a try whose finally returns the array (when not already returned) is the careful form.
            for (var current = returnCall.Parent; current is not null; current = current.Parent)
            {
                if (current is ITryOperation { Finally: { } finallyBlock } tryOperation && tryOperation.Body.Syntax.Span.Contains(returnCall.Syntax.Span)
                    && finallyBlock.Descendants().OfType<ILocalReferenceOperation>().Any(r => SymbolEqualityComparer.Default.Equals(r.Local, reference.Local)))
                {
                    return;
                }
            }

            var code = handlers.Classify(returnCall, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            // An early `return` between the rental and the Return skips it on that path too.
            var early = OperationTree.Root(returnCall).Descendants().OfType<IReturnOperation>().FirstOrDefault(r =>
                r.Syntax.SpanStart > rented.Syntax.SpanStart && r.Syntax.SpanStart < returnCall.Syntax.SpanStart && Ownership.ContainingFunction(r) is null && !r.IsImplicit);
            var path = early is null
                ? "an exception before the Return loses it to the pool"
                : "the early return on line " + (early.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1) + " and any exception before the Return lose it to the pool";
            Report(context, returnCall, "The array rented " + code.Describe() + " is returned outside 'finally': " + path, FinallyFix);
        }

        /// <summary>
        /// `local = pool.Rent(…)` while <paramref name="local"/> still holds an earlier rental: declared from a Rent, or
        /// the new size is computed from it (growing a buffer), and no Return of it — nor a copy of it into another
        /// variable that could be returned — comes before this statement in its block or the enclosing blocks.
        /// </summary>
        private static bool LosesPreviousRental(ISimpleAssignmentOperation assignment, ILocalSymbol local, IInvocationOperation rent, LocalReferenceIndex index, CancellationToken cancellationToken)
        {
            var declaredFromRent = index.Get(OperationTree.Root(assignment), local, cancellationToken).OfType<IVariableDeclaratorOperation>().Any(d =>
                OperationTree.SkipConversions(d.Initializer?.Value) is IInvocationOperation { TargetMethod.Name: "Rent" });
            var grows = rent.Arguments.Any(a => a.Value.DescendantsAndSelf().OfType<ILocalReferenceOperation>().Any(r => SymbolEqualityComparer.Default.Equals(r.Local, local)));
            if (!declaredFromRent && !grows)
            {
                return false;
            }

            // Walk up from the statement, looking at the statements before it in each enclosing block.
            IOperation statement = assignment;
            while (statement.Parent is not null && statement.Parent is not IBlockOperation)
            {
                statement = statement.Parent;
            }

            while (statement.Parent is IBlockOperation block)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var earlier in block.Operations)
                {
                    if (ReferenceEquals(earlier, statement))
                    {
                        break;
                    }

                    if (ReturnsOrCopies(earlier, local))
                    {
                        return false;
                    }
                }

                // Stop at the block that declares the local; otherwise keep going out (through ifs, loops, trys).
                if (block.Locals.Contains(local, SymbolEqualityComparer.Default))
                {
                    return true;
                }

                statement = block;
                while (statement.Parent is not null && statement.Parent is not IBlockOperation)
                {
                    if (statement.Parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
                    {
                        return false; // a rental in a delegate: its own story
                    }

                    statement = statement.Parent;
                }
            }

            return false;
        }

        private static bool ReturnsOrCopies(IOperation statement, ILocalSymbol local)
        {
            foreach (var reference in statement.DescendantsAndSelf().OfType<ILocalReferenceOperation>())
            {
                if (!SymbolEqualityComparer.Default.Equals(reference.Local, local))
                {
                    continue;
                }

                var use = OperationTree.OuterConversion(reference);
                switch (use.Parent)
                {
                    case IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "Return" } }:
                    case IVariableInitializerOperation:
                    case ISimpleAssignmentOperation copy when ReferenceEquals(copy.Value, use):
                    case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out }:
                    case ISimpleAssignmentOperation target when ReferenceEquals(target.Target, use):
                        return true; // returned, copied away, or already replaced (the earlier rental is someone else's story)
                }
            }

            return false;
        }

        /// <summary>
        /// After `pool.Return(local)`, a later statement of the same block (or, for a Return in `finally`, after the try
        /// statement) that uses the array again before reassigning it: a use after Return (the pool may already have
        /// handed the array to someone else) or a second Return (two renters then share one array). A Return in the try
        /// block of a try whose `finally` returns the same array again is a second Return too. Returns true when it
        /// reported.
        /// </summary>
        private static bool AnalyzeUseAfterReturn(OperationAnalysisContext context, IInvocationOperation returnCall, INamedTypeSymbol arrayPool, HandlerRecognizer handlers)
        {
            if (returnCall.Arguments.Length == 0 || OperationTree.SkipConversions(returnCall.Arguments[0].Value) is not ILocalReferenceOperation { Local: var local })
            {
                return false;
            }

            var statement = OperationTree.OuterConversion(returnCall);

            if (statement.Parent is not IExpressionStatementOperation expressionStatement || expressionStatement.Parent is not IBlockOperation block)
            {
                return false;
            }

            statement = expressionStatement;
            var inFinally = block.Parent is ITryOperation owner && ReferenceEquals(owner.Finally, block);
            if (inFinally && block.Parent!.Parent is IBlockOperation outer)
            {
                // Only the statements after the whole try, and only when this Return is the finally's first word on it.
                statement = block.Parent;
                block = outer;
            }
            else if (inFinally)
            {
                return false;
            }

            IOperation? second = null;
            string? what = null;
            var following = block.Operations.SkipWhile(o => !ReferenceEquals(o, statement)).Skip(1);
            foreach (var later in following)
            {
                var (kind, at) = FirstUse(later, local, arrayPool);
                if (kind == UseKind.Reassigned)
                {
                    break;
                }

                if (kind != UseKind.None)
                {
                    second = at;
                    what = kind == UseKind.Returned ? "is returned a second time" : "is used after it went back to the pool";
                    break;
                }

                if (later is IReturnOperation || later is IBranchOperation || later is IThrowOperation || (later is IExpressionStatementOperation { Operation: IThrowOperation }))
                {
                    break;
                }
            }

            // A Return in the try block of a try whose finally returns the same array: returned twice on that path.
            if (second is null && !inFinally)
            {
                for (var current = block.Parent; current is not null; current = current.Parent)
                {
                    if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
                    {
                        break;
                    }

                    if (current is ITryOperation { Finally: { } finallyBlock } tryOperation && tryOperation.Body.Syntax.Span.Contains(returnCall.Syntax.Span)
                        && !following.Any(o => FirstUse(o, local, arrayPool).Kind == UseKind.Reassigned))
                    {
                        var (kind, at) = FirstUse(finallyBlock, local, arrayPool);
                        if (kind == UseKind.Returned)
                        {
                            second = at;
                            what = "is returned again by the finally of this try";
                        }

                        break;
                    }
                }
            }

            if (second is null || what is null)
            {
                return false;
            }

            var code = handlers.Classify(returnCall, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return false;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM013_PoolMisuse,
                second.Syntax.GetLocation(),
                additionalLocations: new[] { returnCall.Syntax.GetLocation() },
                "The array '" + local.Name + "' " + what + " (" + code.Describe().TrimStart() + "): the pool may already have handed it to another renter, and two users of one array corrupt each other's data"));
            return true;
        }

        private enum UseKind
        {
            None,
            Used,
            Returned,
            Reassigned,
        }

        /// <summary>The first reference to <paramref name="local"/> in <paramref name="operation"/>, in evaluation order.</summary>
        private static (UseKind Kind, IOperation? At) FirstUse(IOperation operation, ILocalSymbol local, INamedTypeSymbol arrayPool)
        {
            foreach (var reference in operation.DescendantsAndSelf().OfType<ILocalReferenceOperation>())
            {
                if (!SymbolEqualityComparer.Default.Equals(reference.Local, local))
                {
                    continue;
                }

                var use = OperationTree.OuterConversion(reference);
                switch (use.Parent)
                {
                    case ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Target, use):
                        return (UseKind.Reassigned, assignment);
                    case IArgumentOperation { Parameter.RefKind: RefKind.Out } argument:
                        return (UseKind.Reassigned, argument);
                    case IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "Return" } call } when KnownTypes.IsOrDerivesFrom(call.TargetMethod.ContainingType, arrayPool):
                        return (UseKind.Returned, call);
                    case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals }:
                    case IIsPatternOperation:
                        continue; // a null check reads only the reference
                    default:
                        return (UseKind.Used, reference);
                }
            }

            return (UseKind.None, null);
        }

        private static void Report(OperationAnalysisContext context, IOperation at, string message, string? fix)
            => context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM013_PoolMisuse,
                at.Syntax.GetLocation(),
                fix is null ? ImmutableDictionary<string, string?>.Empty : ImmutableDictionary<string, string?>.Empty.Add(FixProperty, fix),
                message));

        private static bool IsInFinally(IOperation operation)
        {
            for (var current = operation.Parent; current is not null; current = current.Parent)
            {
                if (current.Parent is ITryOperation tryOperation && ReferenceEquals(tryOperation.Finally, current))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
