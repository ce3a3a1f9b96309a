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
                        if (!AnalyzeUseAfterReturn(c, invocation, arrayPool, handlers))
                        {
                            AnalyzeReturnOutsideFinally(c, invocation, handlers);
                        }
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
            if (elementSize == 0)
            {
                return;
            }

            var threshold = MemoryRetentionOptions.GetInt(context.Options, allocation.Syntax.SyntaxTree, ThresholdKey, DefaultThreshold);
            var estimate = EstimateCount(size, context.CancellationToken);
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
        private static (long Count, bool Confident, SizeSource Source)? EstimateCount(IOperation size, CancellationToken cancellationToken)
        {
            if (size.ConstantValue is { HasValue: true } constant)
            {
                return ToLong(constant.Value) is { } value ? (value, true, SizeSource.Constant) : null;
            }

            var operand = size;
            while (operand is IConversionOperation conversion)
            {
                operand = conversion.Operand;
            }

            switch (operand)
            {
                case IParameterReferenceOperation { Parameter: { HasExplicitDefaultValue: true } parameter } when parameter.RefKind == RefKind.None && !IsWritten(operand, parameter, cancellationToken):
                    return ToLong(parameter.ExplicitDefaultValue) is { } fallback ? (fallback, false, SizeSource.ParameterDefault) : null;

                case ILocalReferenceOperation { Local: { IsConst: false, IsRef: false } local }:
                    var initializer = DeclaredConstant(operand, local, cancellationToken);
                    return initializer is { } count && !IsWritten(operand, local, cancellationToken) ? (count, true, SizeSource.ConstantLocal) : null;

                case IPropertyReferenceOperation { Property.Name: "Length", Instance: { Type: { } streamType } } when DerivesFromStream(streamType):
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

        private static bool DerivesFromStream(ITypeSymbol type)
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                if (current.Name == "Stream" && current.ContainingNamespace?.ToDisplayString() == "System.IO")
                {
                    return true;
                }
            }

            return false;
        }

        private static IOperation Root(IOperation operation)
        {
            var root = operation;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            return root;
        }

        private static long? DeclaredConstant(IOperation reference, ILocalSymbol local, CancellationToken cancellationToken)
        {
            foreach (var declarator in Root(reference).Descendants().OfType<IVariableDeclaratorOperation>())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
                {
                    return declarator.Initializer?.Value.ConstantValue is { HasValue: true } value ? ToLong(value.Value) : null;
                }
            }

            return null;
        }

        /// <summary>Whether the method body assigns the local or parameter anywhere (besides its declaration).</summary>
        private static bool IsWritten(IOperation reference, ISymbol symbol, CancellationToken cancellationToken)
        {
            foreach (var operation in Root(reference).Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var target = operation switch
                {
                    IAssignmentOperation assignment => assignment.Target,
                    IIncrementOrDecrementOperation increment => increment.Target,
                    IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument => argument.Value,
                    _ => null,
                };
                var written = target switch
                {
                    ILocalReferenceOperation l => l.Local,
                    IParameterReferenceOperation p => (ISymbol)p.Parameter,
                    _ => null,
                };
                if (written is not null && SymbolEqualityComparer.Default.Equals(written, symbol))
                {
                    return true;
                }
            }

            return false;
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

            if (local is not null && current.Parent is ISimpleAssignmentOperation reassignment && LosesPreviousRental(reassignment, local, rent, context.CancellationToken))
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

            Report(context, returnCall, "The array rented " + code.Describe() + " is returned outside 'finally': an exception before the Return loses it to the pool", FinallyFix);
        }

        /// <summary>
        /// `local = pool.Rent(…)` while <paramref name="local"/> still holds an earlier rental: declared from a Rent, or
        /// the new size is computed from it (growing a buffer), and no Return of it — nor a copy of it into another
        /// variable that could be returned — comes before this statement in its block or the enclosing blocks.
        /// </summary>
        private static bool LosesPreviousRental(ISimpleAssignmentOperation assignment, ILocalSymbol local, IInvocationOperation rent, CancellationToken cancellationToken)
        {
            var root = Root(assignment);
            var declaredFromRent = root.Descendants().OfType<IVariableDeclaratorOperation>().Any(d =>
                SymbolEqualityComparer.Default.Equals(d.Symbol, local)
                && Unwrap(d.Initializer?.Value) is IInvocationOperation { TargetMethod.Name: "Rent" });
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

                var use = Unwrap((IOperation)reference, up: true);
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
            if (returnCall.Arguments.Length == 0 || Unwrap(returnCall.Arguments[0].Value) is not ILocalReferenceOperation { Local: var local })
            {
                return false;
            }

            var statement = (IOperation)returnCall;
            while (statement.Parent is IConversionOperation)
            {
                statement = statement.Parent;
            }

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

                var use = Unwrap((IOperation)reference, up: true);
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

        private static IOperation? Unwrap(IOperation? operation)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            return operation;
        }

        private static IOperation Unwrap(IOperation operation, bool up)
        {
            while (up && operation.Parent is IConversionOperation)
            {
                operation = operation.Parent;
            }

            return operation;
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
