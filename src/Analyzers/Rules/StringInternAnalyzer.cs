using System.Collections.Immutable;
using MemoryRetention.Analyzers.Flow;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Rules
{
    /// <summary>
    /// MEM063: <c>string.Intern</c> per unit of work on a value that is not from a bounded set — not a constant, a
    /// static readonly field, a choice between those, an enum's name or a type's name. The intern pool is never trimmed.
    /// Info: whether the values are unbounded (ids, payload text) or a small closed set (currency codes) is data the
    /// analysis cannot see.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class StringInternAnalyzer : MemoryAnalyzerBase
    {
        /// <summary>Diagnostic property: present when the call's value is used, so the fixer can replace the call by its argument.</summary>
        public const string FixProperty = "fix";

        public const string RemoveCallFix = "removeCall";

        private static readonly ImmutableDictionary<string, string?> RemoveCallProperties = ImmutableDictionary<string, string?>.Empty.Add(FixProperty, RemoveCallFix);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.MEM063_StringInternOfData);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = RuleActions.Of(OperationKind.Invocation);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            if (!handlers.HasAnyFramework)
            {
                return;
            }

            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    var method = invocation.TargetMethod;
                    if (method.Name != "Intern" || method.ContainingType.SpecialType != SpecialType.System_String || invocation.Arguments.Length != 1
                        || IsBounded(invocation.Arguments[0].Value))
                    {
                        return;
                    }

                    var code = handlers.Classify(invocation, c.CancellationToken);
                    if (!code.RunsPerUnitOfWork)
                    {
                        return;
                    }

                    var argument = invocation.Arguments[0].Value.Syntax.ToString();
                    if (argument.Length > 40)
                    {
                        argument = argument.Substring(0, 37) + "...";
                    }

                    var properties = OperationTree.OuterConversion(invocation).Parent is IExpressionStatementOperation ? ImmutableDictionary<string, string?>.Empty : RemoveCallProperties;
                    c.ReportDiagnostic(Diagnostic.Create(Descriptors.MEM063_StringInternOfData, invocation.Syntax.GetLocation(), properties, argument, code.Describe()));
                },
                OperationKind.Invocation);
        }

        /// <summary>Values drawn from a set fixed by the program, whatever the message says.</summary>
        private static bool IsBounded(IOperation value)
        {
            value = OperationTree.SkipConversions(value) ?? value;
            if (StaticInvariance.IsInvariant(value) || value is INameOfOperation)
            {
                return true;
            }

            switch (value)
            {
                case IConditionalOperation conditional:
                    return conditional.WhenFalse is not null && IsBounded(conditional.WhenTrue) && IsBounded(conditional.WhenFalse);
                case ICoalesceOperation coalesce:
                    return IsBounded(coalesce.Value) && IsBounded(coalesce.WhenNull);
                case IInvocationOperation { TargetMethod.Name: "ToString", Instance: { } instance, Arguments.Length: 0 }:
                    return OperationTree.SkipConversions(instance)?.Type?.TypeKind == TypeKind.Enum;
                case IPropertyReferenceOperation { Property.Name: "Name" or "FullName" or "Namespace", Instance.Type: { } type }:
                    // Type.Name, MemberInfo.Name: bounded by the program's types and members.
                    return type.Name == "Type" || type.Name == "MemberInfo" || type.Name == "MethodInfo" || type.Name == "PropertyInfo";
                default:
                    return false;
            }
        }
    }
}
