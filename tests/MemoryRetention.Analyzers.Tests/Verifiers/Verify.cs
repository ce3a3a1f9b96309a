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
    /// </summary>
    public static class Verify<TAnalyzer, TCodeFix>
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
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

            return test.RunAsync(CancellationToken.None);
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
