using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace MemoryRetention.Analyzers.Tests.Verifiers
{
    /// <summary>
    /// The test entry point for a rule: diagnostics are written as markup in the source (<c>{|MEM020:…|}</c>),
    /// framework types come from real packages (<see cref="Packages"/>), and every fix test also runs Fix All.
    /// Each rule's verifier is named once in RuleVerifiers.cs (<c>VerifyMEM020.DiagnosticsAsync(…)</c>); only static members.
    /// </summary>
    public abstract class Verify<TAnalyzer, TCodeFix>
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        protected Verify()
        {
        }

        /// <summary>Asserts exactly the diagnostics marked up in <paramref name="source"/>.</summary>
        public static Task DiagnosticsAsync(string source, string[] packages, params string[] additionalSources)
            => DiagnosticsWithConfigAsync(source, packages, null, additionalSources);

        /// <summary>Asserts exactly the diagnostics marked up in <paramref name="source"/>, with an .editorconfig body.</summary>
        public static Task DiagnosticsWithConfigAsync(string source, string[] packages, string? editorConfig, params string[] additionalSources)
        {
            var test = CreateTest(source, packages, editorConfig, additionalSources);
            test.TestBehaviors |= TestBehaviors.SkipGeneratedCodeCheck;
            return test.RunAsync(CancellationToken.None);
        }

        /// <summary>Asserts the marked-up diagnostics, applies the fix (one by one and with Fix All) and compares with <paramref name="fixedSource"/>.</summary>
        public static Task FixAsync(string source, string fixedSource, string[] packages, LanguageVersion languageVersion = LanguageVersion.Latest, string? editorConfig = null, params string[] additionalSources)
            => CreateFixTest(source, fixedSource, packages, languageVersion, editorConfig, additionalSources).RunAsync(CancellationToken.None);

        /// <summary>The test <see cref="FixAsync"/> runs, for callers that set more (for example Fix All iteration counts).</summary>
        public static Test CreateFixTest(string source, string fixedSource, string[] packages, LanguageVersion languageVersion = LanguageVersion.Latest, string? editorConfig = null, params string[] additionalSources)
        {
            var test = CreateTest(source, packages, editorConfig, additionalSources, languageVersion);
            test.FixedCode = fixedSource;
            // Diagnostics a fix leaves (for example where no safe rewrite exists) are marked up in the fixed source too.
            test.FixedState.MarkupHandling = MarkupMode.Allow;
            foreach (var additional in additionalSources)
            {
                test.FixedState.Sources.Add(additional);
            }

            if (editorConfig is not null)
            {
                test.FixedState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n[*]\n" + editorConfig));
            }

            return test;
        }

        /// <summary>
        /// Runs the analyzer over code that need not compile (half-typed code) and asserts it throws nothing;
        /// whatever it reports is not checked. Then asks the fixer for fixes on every diagnostic, which must not throw either.
        /// </summary>
        public static async Task NoCrashAsync(string source, string[] packages, params string[] additionalSources)
        {
            var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(source, path: "Test0.cs") };
            trees.AddRange(additionalSources.Select((s, i) => CSharpSyntaxTree.ParseText(s, path: $"Extra{i}.cs")));
            var compilation = CSharpCompilation.Create("NoCrash", trees, FrameworkReferences.With(packages), new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            var exceptions = new List<System.Exception>();
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(System.Collections.Immutable.ImmutableArray<AdditionalText>.Empty),
                (exception, analyzer, diagnostic) => { lock (exceptions) { exceptions.Add(exception); } },
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: false);
            var analyzers = System.Collections.Immutable.ImmutableArray.Create<DiagnosticAnalyzer>(new TAnalyzer());
            var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync().ConfigureAwait(false);
            Xunit.Assert.Empty(exceptions);
            Xunit.Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");

            using var workspace = new Microsoft.CodeAnalysis.AdhocWorkspace();
            var project = workspace.AddProject("NoCrash", LanguageNames.CSharp).WithMetadataReferences(FrameworkReferences.With(packages));
            var document = project.AddDocument("Test0.cs", source);
            var fixer = new TCodeFix();
            foreach (var diagnostic in diagnostics)
            {
                if (!fixer.FixableDiagnosticIds.Contains(diagnostic.Id))
                {
                    continue;
                }

                var actions = new List<Microsoft.CodeAnalysis.CodeActions.CodeAction>();
                var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
                await fixer.RegisterCodeFixesAsync(context).ConfigureAwait(false);
                foreach (var action in actions)
                {
                    await action.GetOperationsAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }

        /// <summary>Builds (without running) a test, for callers that need more control.</summary>
        public static Test CreateTest(string source, string[] packages, string? editorConfig, IEnumerable<string> additionalSources, LanguageVersion languageVersion = LanguageVersion.Latest)
        {
            var test = new Test(languageVersion)
            {
                TestCode = source,
                ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
            };

            test.TestState.AdditionalReferences.AddRange(FrameworkReferences.With(packages));
            foreach (var additional in additionalSources)
            {
                test.TestState.Sources.Add(additional);
            }

            if (editorConfig is not null)
            {
                test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n[*]\n" + editorConfig));
            }

            return test;
        }

        public sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            private readonly LanguageVersion _languageVersion;

            public Test(LanguageVersion languageVersion)
            {
                _languageVersion = languageVersion;
            }

            protected override ParseOptions CreateParseOptions()
                => ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(_languageVersion);

            protected override CompilationOptions CreateCompilationOptions()
                => ((CSharpCompilationOptions)base.CreateCompilationOptions())
                    .WithNullableContextOptions(NullableContextOptions.Disable)
                    .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
                    {
                        // Test inputs are small programs; unused locals and async methods without await are normal there.
                        ["CS1998"] = ReportDiagnostic.Suppress,
                        ["CS0168"] = ReportDiagnostic.Suppress,
                        ["CS0219"] = ReportDiagnostic.Suppress,
                        ["CS0169"] = ReportDiagnostic.Suppress,
                        ["CS0414"] = ReportDiagnostic.Suppress,
                        ["CS0649"] = ReportDiagnostic.Suppress,
                        ["CS4014"] = ReportDiagnostic.Suppress,
                        ["CS8892"] = ReportDiagnostic.Suppress,
                    });
        }
    }
}
