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
    /// MEM061: per unit of work, an assembly loaded where it can never be unloaded — <c>Assembly.Load(byte[])</c> (a new
    /// copy on every call) and <c>CSharpScript.EvaluateAsync</c>/<c>RunAsync</c> (a new submission assembly per call)
    /// as warnings; <c>Assembly.LoadFrom</c>/<c>LoadFile</c> of a path that varies as Info (the runtime returns the
    /// loaded assembly for a path it has seen, so these grow with the number of distinct paths). Silent when the result
    /// is cached (<see cref="StoredValues"/>). <c>Expression.Compile</c> is not this: compiled delegates are collectible.
    /// No code fix (see the docs).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class AssemblyLoadAnalyzer : MemoryAnalyzerBase
    {
        private const string ScriptingAssemblyName = "Microsoft.CodeAnalysis.CSharp.Scripting";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.MEM061_AssemblyLoadPerUnitOfWork);

        /// <inheritdoc />
        protected override RuleActions Actions { get; } = RuleActions.Of(OperationKind.Invocation);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            var assembly = KnownTypes.Get(context.Compilation, "System.Reflection.Assembly");
            if (assembly is null)
            {
                return;
            }

            var handlers = HandlerRecognizer.Create(context.Compilation, context.Options);
            if (!handlers.HasAnyFramework)
            {
                return;
            }

            // The scripting type is looked up only when its assembly is referenced.
            var script = context.Compilation.ReferencedAssemblyNames.Any(a => a.Name == ScriptingAssemblyName)
                ? KnownTypes.Get(context.Compilation, "Microsoft.CodeAnalysis.CSharp.Scripting.CSharpScript")
                : null;
            var index = LocalReferenceIndex.For(context.Compilation);

            context.RegisterOperationAction(
                c =>
                {
                    var invocation = (IInvocationOperation)c.Operation;
                    var method = invocation.TargetMethod;
                    if (!method.IsStatic)
                    {
                        return;
                    }

                    DiagnosticSeverity severity;
                    if (SymbolEqualityComparer.Default.Equals(method.ContainingType, assembly))
                    {
                        switch (method.Name)
                        {
                            case "Load" when method.Parameters.Length > 0 && method.Parameters[0].Type is IArrayTypeSymbol:
                                severity = DiagnosticSeverity.Warning;
                                break;
                            case "LoadFrom":
                            case "LoadFile":
                            case "UnsafeLoadFrom":
                                if (invocation.Arguments.Length == 0 || StaticInvariance.IsInvariant(invocation.Arguments[0].Value))
                                {
                                    return; // one path: the runtime loads it once and returns it after that
                                }

                                severity = DiagnosticSeverity.Info;
                                break;
                            default:
                                return;
                        }
                    }
                    else if (script is not null && SymbolEqualityComparer.Default.Equals(method.ContainingType, script)
                        && (method.Name == "EvaluateAsync" || method.Name == "RunAsync"))
                    {
                        severity = DiagnosticSeverity.Warning;
                    }
                    else
                    {
                        return;
                    }

                    var code = handlers.Classify(invocation, c.CancellationToken);
                    if (!code.RunsPerUnitOfWork || StoredValues.IsStored(invocation, index, c.CancellationToken))
                    {
                        return;
                    }

                    var what = "'" + method.ContainingType.Name + "." + method.Name + "'";
                    c.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.MEM061_AssemblyLoadPerUnitOfWork,
                        invocation.Syntax.GetLocation(),
                        severity,
                        additionalLocations: null,
                        properties: null,
                        what,
                        code.Describe(),
                        severity == DiagnosticSeverity.Warning ? "every call adds one more" : "every distinct path adds one more"));
                },
                OperationKind.Invocation);
        }
    }
}
