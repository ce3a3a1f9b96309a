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

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            var types = DisposableTypes.Create(context.Compilation);
            var arrayPool = KnownTypes.Get(context.Compilation, "System.Buffers.ArrayPool`1");
            var memoryPool = KnownTypes.Get(context.Compilation, "System.Buffers.MemoryPool`1");
            var memoryStream = KnownTypes.Get(context.Compilation, "System.IO.MemoryStream");
            var recyclableManager = KnownTypes.Get(context.Compilation, "Microsoft.IO.RecyclableMemoryStreamManager");
            var gc = KnownTypes.Get(context.Compilation, "System.GC");
            var index = new LocalReferenceIndex();

            context.RegisterOperationAction(c => AnalyzeArray(c, (IArrayCreationOperation)c.Operation, handlers), OperationKind.ArrayCreation);

            context.RegisterOperationAction(
                c =>
                {
                    var creation = (IObjectCreationOperation)c.Operation;
                    if (memoryStream is not null && SymbolEqualityComparer.Default.Equals(creation.Type, memoryStream))
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
                        AnalyzeRent(c, invocation, handlers);
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
                        AnalyzeReturnOutsideFinally(c, invocation, handlers);
                    }
                    else if ((method.Name == "AllocateUninitializedArray" || method.Name == "AllocateArray") && gc is not null
                        && SymbolEqualityComparer.Default.Equals(method.ContainingType, gc) && method.TypeArguments.Length == 1 && invocation.Arguments.Length > 0)
                    {
                        AnalyzeSize(c, invocation, method.TypeArguments[0], invocation.Arguments[0].Value, handlers, "GC." + method.Name);
                    }
                },
                OperationKind.Invocation);
        }

        // ---------------------------------------------------------------- MEM010

        private static void AnalyzeArray(OperationAnalysisContext context, IArrayCreationOperation creation, HandlerRecognizer handlers)
        {
            if (creation.DimensionSizes.Length != 1 || creation.Type is not IArrayTypeSymbol array || creation.Initializer is not null)
            {
                return;
            }

            AnalyzeSize(context, creation, array.ElementType, creation.DimensionSizes[0], handlers, "new " + array.ElementType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "[]");
        }

        private static void AnalyzeSize(OperationAnalysisContext context, IOperation allocation, ITypeSymbol elementType, IOperation size, HandlerRecognizer handlers, string what)
        {
            var elementSize = SizeOf(elementType);
            if (elementSize == 0 || size.ConstantValue is not { HasValue: true } constant)
            {
                return; // non-constant sizes: the analysis cannot tell how large (documented)
            }

            long count;
            try
            {
                count = System.Convert.ToInt64(constant.Value, System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (System.Exception exception) when (exception is System.FormatException || exception is System.InvalidCastException || exception is System.OverflowException)
            {
                return;
            }

            var threshold = MemoryRetentionOptions.GetInt(context.Options, allocation.Syntax.SyntaxTree, ThresholdKey, DefaultThreshold);
            var bytes = count * elementSize;
            if (bytes < threshold)
            {
                return;
            }

            var code = handlers.Classify(allocation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM010_LargeObjectHeapAllocation,
                allocation.Syntax.GetLocation(),
                allocation is IArrayCreationOperation ? ImmutableDictionary<string, string?>.Empty.Add(FixProperty, PoolFix) : ImmutableDictionary<string, string?>.Empty,
                what,
                bytes,
                code.Describe()));
        }

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
            if (!setsLimits && !argumentsNotInspectable && IsStoredInField(creation))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.MEM013_PoolMisuse,
                    creation.Syntax.GetLocation(),
                    "This RecyclableMemoryStreamManager sets no MaximumSmallPoolFreeBytes / MaximumLargePoolFreeBytes; it keeps every buffer it ever grew to for the life of the process"));
            }
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

        private static void AnalyzeRent(OperationAnalysisContext context, IInvocationOperation rent, HandlerRecognizer handlers)
        {
            var code = handlers.Classify(rent, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            var current = (IOperation)rent;
            while (current.Parent is IConversionOperation)
            {
                current = current.Parent;
            }

            ILocalSymbol? local = current.Parent switch
            {
                IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
                ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } => target.Local,
                _ => null,
            };

            if (local is null)
            {
                // Discarded or passed straight on: an expression statement loses the array.
                if (current.Parent is IExpressionStatementOperation)
                {
                    Report(context, rent, "The array rented " + code.Describe() + " is never returned to the pool, which then allocates a new one", fix: null);
                }

                return;
            }

            var root = rent as IOperation;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            var returnedInFinally = false;
            IInvocationOperation? returnedOutsideFinally = null;
            var escapes = false;
            foreach (var operation in root.Descendants())
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                if (operation is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
                {
                    continue;
                }

                var use = (IOperation)reference;
                while (use.Parent is IConversionOperation)
                {
                    use = use.Parent;
                }

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

        private static void AnalyzeReturnOutsideFinally(OperationAnalysisContext context, IInvocationOperation returnCall, HandlerRecognizer handlers)
        {
            if (IsInFinally(returnCall) || returnCall.Arguments.Length == 0)
            {
                return;
            }

            var argument = returnCall.Arguments[0].Value;
            while (argument is IConversionOperation conversion)
            {
                argument = conversion.Operand;
            }

            if (argument is not ILocalReferenceOperation reference)
            {
                return;
            }

            var root = (IOperation)returnCall;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            // Rented in the same body, before this Return, with code in between that can throw.
            var rented = root.Descendants().OfType<IVariableDeclaratorOperation>().FirstOrDefault(d =>
                SymbolEqualityComparer.Default.Equals(d.Symbol, reference.Local)
                && d.Initializer?.Value is IInvocationOperation { TargetMethod.Name: "Rent" }
                && d.Syntax.SpanStart < returnCall.Syntax.SpanStart);
            if (rented is null)
            {
                return;
            }

            var code = handlers.Classify(returnCall, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            Report(context, returnCall, "The array rented " + code.Describe() + " is returned outside 'finally': an exception before the Return loses it to the pool", FinallyFix);
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
