using System;
using System.Collections.Generic;
using System.Linq;
using MemoryRetention.Analyzers.Handlers;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Handlers
{
    /// <summary>
    /// Compiles a snippet against real framework packages and asks the recognizer about it. Code marks the places
    /// to classify with <c>Probe.Here("label")</c>.
    /// </summary>
    public sealed class RecognitionHarness
    {
        public const string ProbeSource = "public static class Probe { public static void Here(string label) { } }";

        private RecognitionHarness(CSharpCompilation compilation, HandlerRecognizer recognizer)
        {
            Compilation = compilation;
            Recognizer = recognizer;
        }

        public CSharpCompilation Compilation { get; }

        public HandlerRecognizer Recognizer { get; }

        public static RecognitionHarness Create(string source, string[] packages, string? globalConfig = null, params string[] additionalSources)
        {
            var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(source, path: "Test0.cs"), CSharpSyntaxTree.ParseText(ProbeSource, path: "Probe.cs") };
            trees.AddRange(additionalSources.Select((s, i) => CSharpSyntaxTree.ParseText(s, path: $"Extra{i}.cs")));
            var compilation = CSharpCompilation.Create(
                "RecognitionTest",
                trees,
                FrameworkReferences.With(packages),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable));

            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, "The test snippet does not compile:\n" + string.Join("\n", errors));

            AnalyzerOptions? options = null;
            if (globalConfig is not null)
            {
                options = new AnalyzerOptions(System.Collections.Immutable.ImmutableArray<AdditionalText>.Empty, new TestConfigProvider(globalConfig));
            }

            return new RecognitionHarness(compilation, HandlerRecognizer.Create(compilation, options));
        }

        /// <summary>The method <c>Type.Method</c> (the first with that name) declared in the snippet.</summary>
        public IMethodSymbol Method(string typeDotMethod)
        {
            var dot = typeDotMethod.LastIndexOf('.');
            var typeName = typeDotMethod.Substring(0, dot);
            var methodName = typeDotMethod.Substring(dot + 1);
            var type = Compilation.GetSymbolsWithName(typeName, SymbolFilter.Type).OfType<INamedTypeSymbol>().FirstOrDefault()
                ?? throw new InvalidOperationException($"No type {typeName}");
            return type.GetMembers(methodName).OfType<IMethodSymbol>().FirstOrDefault()
                ?? throw new InvalidOperationException($"No method {typeDotMethod}");
        }

        public INamedTypeSymbol Type(string name)
            => Compilation.GetSymbolsWithName(name, SymbolFilter.Type).OfType<INamedTypeSymbol>().First();

        public HandlerEntryPoint? EntryPoint(string typeDotMethod) => Recognizer.GetEntryPoint(Method(typeDotMethod));

        /// <summary>The classification of the <c>Probe.Here(label)</c> call with that label.</summary>
        public HandlerCode Classify(string label)
        {
            foreach (var tree in Compilation.SyntaxTrees)
            {
                var model = Compilation.GetSemanticModel(tree);
                foreach (var invocation in tree.GetRoot().DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    if (invocation.Expression.ToString() == "Probe.Here"
                        && invocation.ArgumentList.Arguments.FirstOrDefault()?.Expression is LiteralExpressionSyntax literal
                        && literal.Token.ValueText == label)
                    {
                        var operation = model.GetOperation(invocation) ?? throw new InvalidOperationException("no operation");
                        return Recognizer.Classify(operation);
                    }
                }
            }

            throw new InvalidOperationException($"No Probe.Here(\"{label}\")");
        }

        private sealed class TestConfigProvider : AnalyzerConfigOptionsProvider
        {
            private readonly TestConfigOptions _options;

            public TestConfigProvider(string globalConfig)
            {
                var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var line in globalConfig.Split('\n'))
                {
                    var equals = line.IndexOf('=');
                    if (equals > 0)
                    {
                        values[line.Substring(0, equals).Trim()] = line.Substring(equals + 1).Trim();
                    }
                }

                _options = new TestConfigOptions(values);
            }

            public override AnalyzerConfigOptions GlobalOptions => _options;

            public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _options;

            public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;
        }

        private sealed class TestConfigOptions : AnalyzerConfigOptions
        {
            private readonly Dictionary<string, string> _values;

            public TestConfigOptions(Dictionary<string, string> values) => _values = values;

            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
                => _values.TryGetValue(key, out value);
        }
    }
}
