using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MemoryRetention.Robustness.Tests
{
    /// <summary>What one analysis (and optional fix attempt) of a piece of code produced.</summary>
    public sealed class RunResult
    {
        public List<string> Exceptions { get; } = new List<string>();

        public ImmutableArray<Diagnostic> Diagnostics { get; set; } = ImmutableArray<Diagnostic>.Empty;

        public int FixesApplied { get; set; }
    }

    /// <summary>
    /// Every analyzer and every code fix of the package, found by reflection (a rule added later is covered without
    /// editing these tests), run over arbitrary code with exceptions recorded rather than swallowed.
    /// </summary>
    public static class Runner
    {
        public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = typeof(MemoryRetention.Analyzers.RuleIds).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

        public static ImmutableArray<CodeFixProvider> Fixers { get; } = typeof(MemoryRetention.CodeFixes.UndisposedHandlerDisposableCodeFix).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t) && t.GetCustomAttribute<ExportCodeFixProviderAttribute>() is not null)
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
            .ToImmutableArray();

        private static readonly Lazy<ImmutableArray<MetadataReference>> AllReferences = new Lazy<ImmutableArray<MetadataReference>>(() =>
            FrameworkReferences.With(WorkerCorpus.Packages.Concat(Packages.Of(Packages.Hangfire, Packages.Coravel, Packages.Akka, Packages.Kafka, Packages.RabbitMQ, Packages.Mediator, Packages.Cap, Packages.WebJobs))));

        public static ImmutableArray<MetadataReference> References => AllReferences.Value;

        public static CSharpCompilation Compile(IEnumerable<(string Path, string Text)> files, LanguageVersion languageVersion = LanguageVersion.Latest, OutputKind kind = OutputKind.DynamicallyLinkedLibrary)
        {
            var parse = new CSharpParseOptions(languageVersion);
            var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Text, parse, path: f.Path)).ToList();
            trees.Add(CSharpSyntaxTree.ParseText(Stubs.NServiceBus, parse, path: "NServiceBusStub.cs"));
            return CSharpCompilation.Create("Robustness", trees, References, new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
        }

        /// <summary>Runs every analyzer; exceptions (and AD0001) are collected in the result.</summary>
        public static async Task<RunResult> AnalyzeAsync(Compilation compilation, bool concurrent = true, CancellationToken cancellationToken = default)
        {
            var result = new RunResult();
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                (exception, analyzer, diagnostic) =>
                {
                    lock (result.Exceptions)
                    {
                        result.Exceptions.Add($"{analyzer.GetType().Name}: {exception}");
                    }
                },
                concurrentAnalysis: concurrent,
                logAnalyzerExecutionTime: false);
            var diagnostics = await compilation.WithAnalyzers(Analyzers, options).GetAnalyzerDiagnosticsAsync(cancellationToken).ConfigureAwait(false);
            result.Diagnostics = diagnostics;
            foreach (var diagnostic in diagnostics.Where(d => d.Id == "AD0001"))
            {
                result.Exceptions.Add(diagnostic.ToString());
            }

            return result;
        }

        /// <summary>
        /// Asks every fixer for its fixes on every diagnostic of the single-file <paramref name="source"/> and computes
        /// their operations (which runs the rewrite). Exceptions are collected in <paramref name="result"/>.
        /// </summary>
        public static async Task TryFixesAsync(string source, RunResult result, CancellationToken cancellationToken = default)
        {
            using var workspace = new AdhocWorkspace();
            var project = workspace.AddProject("Robustness", LanguageNames.CSharp)
                .WithMetadataReferences(References)
                .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            var document = project.AddDocument("Test0.cs", source);
            foreach (var diagnostic in result.Diagnostics.Where(d => d.Location.IsInSource))
            {
                foreach (var fixer in Fixers.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
                {
                    try
                    {
                        var tree = await document.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false);
                        var located = Diagnostic.Create(diagnostic.Descriptor, Location.Create(tree!, diagnostic.Location.SourceSpan), diagnostic.Properties);
                        var actions = new List<CodeAction>();
                        await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, located, (a, _) => actions.Add(a), cancellationToken)).ConfigureAwait(false);
                        foreach (var action in actions)
                        {
                            await action.GetOperationsAsync(cancellationToken).ConfigureAwait(false);
                            result.FixesApplied++;
                        }
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException)
                    {
                        result.Exceptions.Add($"{fixer.GetType().Name} on {diagnostic.Id}: {exception}");
                    }
                }
            }
        }
    }
}
