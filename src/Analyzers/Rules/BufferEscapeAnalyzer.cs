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
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.MEM011_BufferEscapes);

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
            var timer = KnownTypes.Get(context.Compilation, "System.Threading.Timer");
            var task = KnownTypes.Get(context.Compilation, "System.Threading.Tasks.Task");
            var types = DisposableTypes.Create(context.Compilation);

            bool IsBuffer(ITypeSymbol? type)
                => type is IArrayTypeSymbol { ElementType.IsValueType: true }
                   || buffers.Any(b => KnownTypes.IsOrDerivesFrom(type, b))
                   || (type is INamedTypeSymbol { TypeArguments.Length: 1 } named && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, list) && named.TypeArguments[0].SpecialType == SpecialType.System_Byte);

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
                    var root = (IOperation)lambda;
                    while (root.Parent is not null)
                    {
                        root = root.Parent;
                    }

                    foreach (var other in root.Descendants().OfType<IAnonymousFunctionOperation>())
                    {
                        if (ReferenceEquals(other, lambda))
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

                    foreach (var local in retained)
                    {
                        if (!IsBuffer(local.Type) || IsDeclaredInside(local, lambda))
                        {
                            continue;
                        }

                        var how = captured.Contains(local, SymbolEqualityComparer.Default)
                            ? "the delegate captures it and " + escape
                            : "another lambda of this scope captures it, so it shares the closure of this delegate, which " + escape;
                        c.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM011_BufferEscapes, lambda.Syntax.GetLocation(), "A lambda created " + code.Describe(), local.Name, how));
                        return;
                    }
                },
                OperationKind.AnonymousFunction);

            context.RegisterOperationAction(
                c =>
                {
                    var assignment = (ISimpleAssignmentOperation)c.Operation;
                    var value = assignment.Value is IConversionOperation conversion ? conversion.Operand : assignment.Value;
                    if (value is not ILocalReferenceOperation local || !IsBuffer(local.Type))
                    {
                        return;
                    }

                    string? where = assignment.Target switch
                    {
                        IFieldReferenceOperation { Field.IsStatic: true } field => "it is stored in the static field '" + field.Field.Name + "'",
                        IFieldReferenceOperation { Instance: IInstanceReferenceOperation } field when sources.IsLongLivedType(field.Field.ContainingType) => "it is stored in '" + field.Field.Name + "' of a long-lived handler",
                        _ => null,
                    };

                    if (where is null)
                    {
                        return;
                    }

                    var code = handlers.Classify(assignment, c.CancellationToken);
                    if (code.RunsPerUnitOfWork)
                    {
                        c.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM011_BufferEscapes, assignment.Syntax.GetLocation(), "Code " + code.Describe(), local.Local.Name, where));
                    }
                },
                OperationKind.SimpleAssignment);
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

                    if (method.Name == "Run" && task is not null && SymbolEqualityComparer.Default.Equals(method.ContainingType, task) && IsFireAndForget(invocation))
                    {
                        return "runs in a fire-and-forget Task.Run that nothing awaits";
                    }

                    return null;

                default:
                    return null;
            }
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

        private static bool IsDeclaredInside(ILocalSymbol local, IAnonymousFunctionOperation lambda)
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
