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
    /// Handles whose disposal ends a registration, created per unit of work and never disposed:
    /// MEM031 token registrations on a process-lifetime token (including the hidden one of an infinite
    /// <c>Task.Delay</c> raced in <c>Task.WhenAny</c>), MEM032 linked or timed cancellation token sources,
    /// MEM033 timers. These take precedence over MEM020 for the same objects.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SubscriptionHandleAnalyzer : MemoryAnalyzerBase
    {
        /// <summary>A Task.Delay at least this long (milliseconds) keeps its token registration for practical purposes forever.</summary>
        private const long LongDelayMilliseconds = 10 * 60 * 1000;

        /// <summary>Diagnostic property that tells the fixer whether <c>using var</c> is a safe rewrite.</summary>
        public const string FixProperty = "fix";
        public const string UsingFix = "using";
        public const string FieldFix = "field";

        private static readonly ImmutableDictionary<string, string?> UsingFixProperties = ImmutableDictionary<string, string?>.Empty.Add(FixProperty, UsingFix);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            Descriptors.MEM031_TokenRegistrationNotDisposed,
            Descriptors.MEM032_LinkedTokenSourceNotDisposed,
            Descriptors.MEM033_TimerNotDisposed);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = RuleActions.Of(OperationKind.ObjectCreation, OperationKind.Invocation);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var types = DisposableTypes.Create(context.Compilation);
            if (types is null)
            {
                return;
            }

            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            var sources = new LongLivedSources(context.Compilation, handlers);
            var task = KnownTypes.Get(context.Compilation, "System.Threading.Tasks.Task");
            var index = LocalReferenceIndex.For(context.Compilation);

            context.RegisterOperationAction(
                c =>
                {
                    var creation = (IObjectCreationOperation)c.Operation;
                    if (types.IsTimer(creation.Type))
                    {
                        AnalyzeTimer(c, creation, handlers, types, index);
                    }
                    else if (types.IsCancellationTokenSource(creation.Type) && creation.Arguments.Length > 0)
                    {
                        AnalyzeTokenSource(c, creation, "its timer keeps it and its callbacks alive until the timeout fires", handlers, types, index);
                    }
                    else if (types.IsCancellationTokenSource(creation.Type))
                    {
                        AnalyzeTokenSourceWithCancelAfter(c, creation, handlers, types, index);
                    }
                },
                OperationKind.ObjectCreation);

            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    var method = invocation.TargetMethod;
                    switch (method.Name)
                    {
                        case "Register":
                        case "UnsafeRegister":
                            if (SymbolEqualityComparer.Default.Equals(method.ContainingType, sources.CancellationToken))
                            {
                                AnalyzeRegistration(c, invocation, invocation.Instance, handlers, sources, types, index);
                            }

                            break;
                        case "CreateLinkedTokenSource":
                            if (SymbolEqualityComparer.Default.Equals(method.ContainingType, types.CancellationTokenSource))
                            {
                                var parent = invocation.Arguments.Length > 0 ? sources.DescribeProcessLifetimeToken(invocation.Arguments[0].Value) : null;
                                var why = parent is null
                                    ? "it stays registered on its parent tokens until they are cancelled"
                                    : "it stays registered on " + parent + " until that token is cancelled";
                                AnalyzeTokenSource(c, invocation, why, handlers, types, index);
                            }

                            break;
                        case "CreateTimer":
                            if (KnownTypes.IsOrDerivesFrom(method.ContainingType, types.TimeProvider))
                            {
                                AnalyzeTimer(c, invocation, handlers, types, index);
                            }

                            break;
                        case "Delay":
                            if (task is not null && SymbolEqualityComparer.Default.Equals(method.ContainingType, task))
                            {
                                AnalyzeRacedDelay(c, invocation, handlers, sources);
                            }

                            break;
                        case "WaitAsync":
                            if (task is not null && KnownTypes.IsOrDerivesFrom(method.ContainingType, task))
                            {
                                AnalyzeRacedWait(c, invocation, handlers, sources);
                            }

                            break;
                    }
                },
                OperationKind.Invocation);
        }

        private static void AnalyzeRegistration(OperationAnalysisContext context, IInvocationOperation invocation, IOperation? token, HandlerRecognizer handlers, LongLivedSources sources, DisposableTypes types, LocalReferenceIndex index)
        {
            var description = sources.DescribeProcessLifetimeToken(token);
            if (description is null)
            {
                return;
            }

            var code = handlers.Classify(invocation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            if (Ownership.Analyze(invocation, types, context.CancellationToken, index).Fate != OwnershipFate.Leaked)
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM031_TokenRegistrationNotDisposed, invocation.Syntax.GetLocation(), UsingFixProperties, description, code.Describe()));
        }

        private static void AnalyzeRacedDelay(OperationAnalysisContext context, IInvocationOperation delay, HandlerRecognizer handlers, LongLivedSources sources)
        {
            if (delay.Arguments.Length < 2 || !IsVeryLong(delay.Arguments[0].Value))
            {
                return;
            }

            var description = sources.DescribeProcessLifetimeToken(delay.Arguments[1].Value);
            if (description is null || !IsRacedInWhenAny(delay, context.CancellationToken))
            {
                return;
            }

            var code = handlers.Classify(delay, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM031_TokenRegistrationNotDisposed,
                delay.Syntax.GetLocation(),
                description,
                code.Describe() + " by a long Task.Delay raced in Task.WhenAny (the losing delay stays registered)"));
        }

        /// <summary>
        /// `task.WaitAsync(stoppingToken)` raced in Task.WhenAny per iteration: when the task loses the race and never
        /// completes (a TaskCompletionSource nobody completes, an infinite delay), its registration stays on the token.
        /// Reported when the waited task is an infinite or very long delay, or a TaskCompletionSource's task.
        /// </summary>
        private static void AnalyzeRacedWait(OperationAnalysisContext context, IInvocationOperation wait, HandlerRecognizer handlers, LongLivedSources sources)
        {
            var token = wait.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter?.Type, sources.CancellationToken))?.Value;
            var description = sources.DescribeProcessLifetimeToken(token);
            if (description is null || wait.Instance is null || !IsRacedInWhenAny(wait, context.CancellationToken))
            {
                return;
            }

            var waited = wait.Instance;
            while (waited is IConversionOperation conversion)
            {
                waited = conversion.Operand;
            }

            var neverCompletes = waited is IPropertyReferenceOperation { Property.Name: "Task", Instance.Type.Name: "TaskCompletionSource" }
                || (waited is IInvocationOperation { TargetMethod.Name: "Delay" } delay && delay.Arguments.Length > 0 && IsVeryLong(delay.Arguments[0].Value));
            if (!neverCompletes)
            {
                return;
            }

            var code = handlers.Classify(wait, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM031_TokenRegistrationNotDisposed,
                wait.Syntax.GetLocation(),
                description,
                code.Describe() + " by a WaitAsync raced in Task.WhenAny on a task that may never complete (its registration stays)"));
        }

        private static void AnalyzeTokenSource(OperationAnalysisContext context, IOperation creation, string why, HandlerRecognizer handlers, DisposableTypes types, LocalReferenceIndex index)
        {
            var code = handlers.Classify(creation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            if (Ownership.Analyze(creation, types, context.CancellationToken, index).Fate != OwnershipFate.Leaked)
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM032_LinkedTokenSourceNotDisposed, creation.Syntax.GetLocation(), UsingFixProperties, code.Describe(), why));
        }

        private static void AnalyzeTokenSourceWithCancelAfter(OperationAnalysisContext context, IObjectCreationOperation creation, HandlerRecognizer handlers, DisposableTypes types, LocalReferenceIndex index)
        {
            var code = handlers.Classify(creation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            var result = Ownership.Analyze(creation, types, context.CancellationToken, index);
            if (result.Fate != OwnershipFate.Leaked || result.Local is null || !CallsCancelAfter(result.Value, result.Local, context.CancellationToken))
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MEM032_LinkedTokenSourceNotDisposed,
                creation.Syntax.GetLocation(),
                UsingFixProperties,
                code.Describe(),
                "CancelAfter starts a timer that keeps it and its callbacks alive until the timeout fires"));
        }

        private static void AnalyzeTimer(OperationAnalysisContext context, IOperation creation, HandlerRecognizer handlers, DisposableTypes types, LocalReferenceIndex index)
        {
            var code = handlers.Classify(creation, context.CancellationToken);
            if (!code.RunsPerUnitOfWork)
            {
                return;
            }

            if (Ownership.Analyze(creation, types, context.CancellationToken, index).Fate != OwnershipFate.Leaked)
            {
                return;
            }

            var name = creation.Type?.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) ?? "timer";
            // Only a PeriodicTimer's use visibly ends with the method (it is awaited there); a callback timer is meant to
            // fire later, and where it should stop is a design decision the fixer cannot make.
            // A callback timer in a per-invocation handler's own entry point can live in a field that the handler's
            // Dispose (called by the DI scope of the message) disposes.
            var properties = creation.Type?.Name == "PeriodicTimer"
                ? UsingFixProperties
                : code.Kind == HandlerCodeKind.EntryPointBody && code.EntryPoint?.InstanceLifetime == HandlerLifetime.PerInvocation
                  && code.ContainingMember is IMethodSymbol { IsStatic: false, MethodKind: MethodKind.Ordinary }
                    ? ImmutableDictionary<string, string?>.Empty.Add(FixProperty, FieldFix)
                    : ImmutableDictionary<string, string?>.Empty;
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM033_TimerNotDisposed, creation.Syntax.GetLocation(), properties, "'" + name + "'", code.Describe()));
        }

        private static bool CallsCancelAfter(IOperation value, ILocalSymbol local, CancellationToken cancellationToken)
        {
            var root = value;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            foreach (var operation in root.Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (operation is IInvocationOperation { TargetMethod.Name: "CancelAfter", Instance: ILocalReferenceOperation reference }
                    && SymbolEqualityComparer.Default.Equals(reference.Local, local))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsVeryLong(IOperation delay)
        {
            while (delay is IConversionOperation conversion)
            {
                delay = conversion.Operand;
            }

            if (delay.ConstantValue is { HasValue: true, Value: int milliseconds })
            {
                return milliseconds == Timeout.Infinite || milliseconds >= LongDelayMilliseconds;
            }

            // Timeout.InfiniteTimeSpan, TimeSpan.MaxValue
            if (delay is IFieldReferenceOperation field && field.Field.IsStatic
                && (field.Field.Name == "InfiniteTimeSpan" || field.Field.Name == "MaxValue"))
            {
                return true;
            }

            // TimeSpan.FromHours(2), TimeSpan.FromMinutes(30)…
            if (delay is IInvocationOperation { TargetMethod.ContainingType.Name: "TimeSpan" } factory
                && factory.Arguments.Length == 1
                && factory.Arguments[0].Value.ConstantValue is { HasValue: true } constant
                && constant.Value is not null
                && double.TryParse(System.Convert.ToString(constant.Value, System.Globalization.CultureInfo.InvariantCulture), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var amount))
            {
                switch (factory.TargetMethod.Name)
                {
                    case "FromDays":
                        return amount * 86_400_000 >= LongDelayMilliseconds;
                    case "FromHours":
                        return amount * 3_600_000 >= LongDelayMilliseconds;
                    case "FromMinutes":
                        return amount * 60_000 >= LongDelayMilliseconds;
                    case "FromSeconds":
                        return amount * 1_000 >= LongDelayMilliseconds;
                }
            }

            return false;
        }

        /// <summary>True when the delay's task is passed to Task.WhenAny, directly or through a local.</summary>
        private static bool IsRacedInWhenAny(IOperation delay, CancellationToken cancellationToken)
        {
            var current = delay;
            while (current.Parent is IConversionOperation || current.Parent is IArrayInitializerOperation || current.Parent is IArrayCreationOperation)
            {
                current = current.Parent;
            }

            if (current.Parent is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "WhenAny" } })
            {
                return true;
            }

            ILocalSymbol? local = current.Parent switch
            {
                IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
                ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } => target.Local,
                _ => null,
            };

            if (local is null)
            {
                return false;
            }

            var root = delay;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            foreach (var operation in root.Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (operation is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local))
                {
                    IOperation use = reference;
                    while (use.Parent is IConversionOperation || use.Parent is IArrayInitializerOperation || use.Parent is IArrayCreationOperation)
                    {
                        use = use.Parent;
                    }

                    if (use.Parent is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "WhenAny" } })
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
