using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using Xunit;

namespace MemoryRetention.EndToEnd.Tests
{
    [CollectionDefinition("consumer")]
    public sealed class ConsumerCollection : ICollectionFixture<Consumer>
    {
    }

    /// <summary>
    /// The consumption path a user has: the packed package in a fresh project, built with warnings as errors,
    /// fixed by `dotnet format`, logged to SARIF, silenced by the usual means.
    /// </summary>
    [Collection("consumer")]
    public sealed class PackageTests
    {
        private readonly Consumer _consumer;

        public PackageTests(Consumer consumer) => _consumer = consumer;

        [Fact]
        public void EveryRuleHasACaseFile()
        {
            Assert.NotEmpty(Consumer.CatalogIds);
            var expectations = Consumer.Expectations(_consumer.CasesDirectory);
            foreach (var id in Consumer.CatalogIds)
            {
                Assert.True(File.Exists(Path.Combine(_consumer.CasesDirectory, id + ".cs")), $"{id} has no case file tests/MemoryRetention.EndToEnd.Tests/cases/{id}.cs");
                Assert.Contains(expectations, e => e.Id == id);
            }
        }

        [Fact]
        public void Package_HasExactlyTheExpectedFiles()
        {
            using var archive = ZipFile.OpenRead(_consumer.PackagePath);
            var files = archive.Entries
                .Select(e => e.FullName)
                .Where(f => !f.StartsWith("package/services/metadata/", StringComparison.Ordinal) && f != "[Content_Types].xml" && f != "_rels/.rels")
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToArray();
            Assert.Equal(new[]
            {
                "MemoryRetention.Analyzers.nuspec",
                "README.md",
                "analyzers/dotnet/cs/MemoryRetention.Analyzers.dll",
                "analyzers/dotnet/cs/MemoryRetention.CodeFixes.dll",
                "build/MemoryRetention.Analyzers.props",
                "build/MemoryRetention.Analyzers.targets",
                "buildTransitive/MemoryRetention.Analyzers.props",
                "buildTransitive/MemoryRetention.Analyzers.targets",
                "config/memoryretention-none.globalconfig",
                "config/memoryretention-strict.globalconfig",
            }, files);

            using var nuspecStream = archive.GetEntry("MemoryRetention.Analyzers.nuspec")!.Open();
            var nuspec = new StreamReader(nuspecStream).ReadToEnd();
            Assert.Contains("<developmentDependency>true</developmentDependency>", nuspec);
            Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
            Assert.Contains("<readme>README.md</readme>", nuspec);
            Assert.Contains("<repository type=\"git\" url=\"", nuspec);
            Assert.DoesNotContain("<dependencies>", nuspec);
        }

        [Fact]
        public void Presets_NameEveryRule()
        {
            foreach (var preset in new[] { "strict", "none" })
            {
                var text = File.ReadAllText(Path.Combine(_consumer.RepositoryRoot, "src", "CodeFixes", "Package", "config", $"memoryretention-{preset}.globalconfig"));
                Assert.Contains("global_level = -100", text);
                foreach (var id in Consumer.CatalogIds)
                {
                    Assert.Contains($"dotnet_diagnostic.{id}.severity = {(preset == "strict" ? "error" : "none")}", text);
                }
            }
        }

        [Fact]
        public void Assemblies_LoadInRoslyn48()
        {
            // Roslyn 4.8.0 (VS 17.8, .NET 8 SDK) ships System.Collections.Immutable and System.Reflection.Metadata 7.0.
            var ceilings = new Dictionary<string, Version>
            {
                ["Microsoft.CodeAnalysis"] = new Version(4, 8, 0, 0),
                ["Microsoft.CodeAnalysis.CSharp"] = new Version(4, 8, 0, 0),
                ["Microsoft.CodeAnalysis.Workspaces"] = new Version(4, 8, 0, 0),
                ["Microsoft.CodeAnalysis.CSharp.Workspaces"] = new Version(4, 8, 0, 0),
                ["System.Collections.Immutable"] = new Version(7, 0, 0, 0),
                ["System.Reflection.Metadata"] = new Version(7, 0, 0, 0),
            };

            using var archive = ZipFile.OpenRead(_consumer.PackagePath);
            foreach (var entry in archive.Entries.Where(e => e.FullName.StartsWith("analyzers/", StringComparison.Ordinal)))
            {
                using var stream = new MemoryStream();
                entry.Open().CopyTo(stream);
                stream.Position = 0;
                using var pe = new PEReader(stream);
                var metadata = pe.GetMetadataReader();
                foreach (var handle in metadata.AssemblyReferences)
                {
                    var reference = metadata.GetAssemblyReference(handle);
                    var name = metadata.GetString(reference.Name);
                    if (name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) && !ceilings.ContainsKey(name))
                    {
                        Assert.Fail($"{entry.FullName} references {name}, which a Roslyn 4.8 host may not have");
                    }

                    if (ceilings.TryGetValue(name, out var ceiling))
                    {
                        Assert.True(reference.Version <= ceiling, $"{entry.FullName} references {name} {reference.Version}, newer than Roslyn 4.8's {ceiling}");
                    }
                }

                var isFixer = entry.FullName.EndsWith("CodeFixes.dll", StringComparison.Ordinal);
                var referencesWorkspaces = metadata.AssemblyReferences.Any(h => metadata.GetString(metadata.GetAssemblyReference(h).Name).Contains("Workspaces", StringComparison.Ordinal));
                Assert.Equal(isFixer, referencesWorkspaces);
            }
        }

        [Fact]
        public void WarningsAsErrorsBuild_FailsWithExactlyTheExpectedDiagnostics()
        {
            var project = _consumer.CreateProject("build");
            var (exitCode, output) = Consumer.Run(project, "build", "--no-restore", "-nologo", "-p:TreatWarningsAsErrors=true");
            Assert.NotEqual(0, exitCode);

            // Info rules (suggestions) are reported but do not fail the build.
            var expected = Consumer.Expectations(project).Where(e => Consumer.BuildBreakingIds.Contains(e.Id)).Select(e => (e.File, e.Line, e.Id)).Distinct().OrderBy(e => e).ToList();
            var actual = Consumer.Diagnostics(output).Where(r => r.Severity == "error").Select(r => (r.File, r.Line, r.Id)).Distinct().OrderBy(e => e).ToList();
            Assert.True(expected.SequenceEqual(actual), $"Expected:\n{string.Join("\n", expected)}\nActual:\n{string.Join("\n", actual)}\n\nBuild output:\n{output}");
            Assert.DoesNotContain("AD0001", output);

            // Nothing but our diagnostics fails the build.
            Assert.DoesNotMatch(@"error (?!MEM\d{3})[A-Z]+\d+", output);
        }

        [Fact]
        public void DotnetFormat_AppliesEveryFixInOnePass()
        {
            var project = _consumer.CreateProject("format");
            var ids = Consumer.CatalogIds.Where(id => Consumer.FixableIds.Contains(id)).ToArray();
            var arguments = new List<string> { "format", "analyzers", "Consumer.csproj", "--no-restore", "--severity", "info", "--diagnostics" };
            arguments.AddRange(ids);
            var format = Consumer.Run(project, arguments.ToArray());
            Assert.True(format.ExitCode == 0, "dotnet format analyzers failed:\n" + format.Output);

            // Rebuilt with the strict preset, every rule is an error (Info rules too): only the diagnostics without a fix remain.
            var (exitCode, output) = Consumer.Run(project, "build", "--no-restore", "-nologo", "-p:TreatWarningsAsErrors=true", "-p:MemoryRetentionAnalysisMode=strict");
            var expected = Consumer.Expectations(project).Where(e => !e.HasFix).Select(e => (e.File, e.Id)).Distinct().OrderBy(e => e).ToList();
            var actual = Consumer.Diagnostics(output).Select(r => (r.File, r.Id)).Distinct().OrderBy(e => e).ToList();
            Assert.True(expected.SequenceEqual(actual), $"After dotnet format, expected only the nofix diagnostics:\n{string.Join("\n", expected)}\nActual:\n{string.Join("\n", actual)}\n\n{output}");
            Assert.DoesNotMatch(@"error CS\d+", output);
            if (expected.Count == 0)
            {
                Assert.Equal(0, exitCode);
            }

            // Diagnostics without a fix stay (dotnet format reports them); with the files that have them gone, nothing is left to change.
            foreach (var file in Directory.GetFiles(project, "*.cs", SearchOption.AllDirectories).Where(f => File.ReadAllText(f).Contains(" nofix", StringComparison.Ordinal)))
            {
                File.Delete(file);
            }

            Assert.DoesNotContain(Consumer.Expectations(project), e => !e.HasFix);
            var verify = Consumer.Run(project, "format", "Consumer.csproj", "--no-restore", "--verify-no-changes");
            Assert.True(verify.ExitCode == 0, "dotnet format --verify-no-changes found changes after the fixes:\n" + verify.Output);
        }

        [Fact]
        public void Sarif_CarriesOurIdsAndHelpUris()
        {
            var project = _consumer.CreateProject("sarif");
            var sarif = Path.Combine(project, "build.sarif");
            Consumer.Run(project, "build", "--no-restore", "-nologo", $"-p:ErrorLog={sarif}%2Cversion%3D2.1");
            Assert.True(File.Exists(sarif), "no SARIF log was written");

            using var document = JsonDocument.Parse(File.ReadAllText(sarif));
            var run = document.RootElement.GetProperty("runs")[0];
            var resultIds = run.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("ruleId").GetString()).ToHashSet();
            var expectedIds = Consumer.Expectations(project).Select(e => e.Id).ToHashSet();
            Assert.Superset(expectedIds, resultIds!);

            var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
                .Where(r => r.GetProperty("id").GetString()!.StartsWith("MEM", StringComparison.Ordinal))
                .ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("helpUri").GetString());
            foreach (var id in expectedIds)
            {
                Assert.True(rules.TryGetValue(id, out var helpUri), $"{id} is not described in the SARIF log");
                Assert.EndsWith($"/docs/rules/{id}.md", helpUri);
            }
        }

        [Fact]
        public void StrictPreset_TurnsEveryRuleIntoAnError_AndNoneTurnsThemOff()
        {
            var strict = _consumer.CreateProject("strict", "\n    <MemoryRetentionAnalysisMode>strict</MemoryRetentionAnalysisMode>");
            var strictBuild = Consumer.Run(strict, "build", "--no-restore", "-nologo");
            Assert.NotEqual(0, strictBuild.ExitCode);
            Assert.Contains(Consumer.Diagnostics(strictBuild.Output), r => r.Severity == "error");

            var none = _consumer.CreateProject("none", "\n    <MemoryRetentionAnalysisMode>none</MemoryRetentionAnalysisMode>");
            var noneBuild = Consumer.Run(none, "build", "--no-restore", "-nologo", "-p:TreatWarningsAsErrors=true");
            Assert.True(noneBuild.ExitCode == 0, noneBuild.Output);
            Assert.Empty(Consumer.Diagnostics(noneBuild.Output));
        }
    }
}
