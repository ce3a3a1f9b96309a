using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using MemoryRetention.Analyzers;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MemoryRetention.EndToEnd.Tests
{
    /// <summary>A marked line in a case file: the ID the build must report there, and whether a fix exists.</summary>
    public sealed record Expectation(string File, int Line, string Id, bool HasFix);

    /// <summary>A diagnostic a build reported.</summary>
    public sealed record Reported(string File, int Line, string Id, string Severity);

    /// <summary>
    /// Packs the package once (with a unique version, so no cached copy is reused), writes a consumer project in a
    /// temporary folder that references it through a local folder feed, and runs the .NET SDK's commands on it.
    /// </summary>
    public sealed class Consumer : IDisposable
    {
        public const string FrameworkPackages = @"
    <PackageReference Include=""Microsoft.Extensions.Hosting.Abstractions"" Version=""11.0.0"" />
    <PackageReference Include=""Quartz"" Version=""4.7.3"" />
    <PackageReference Include=""Microsoft.EntityFrameworkCore"" Version=""10.0.15"" />
    <PackageReference Include=""Microsoft.Extensions.Caching.Memory"" Version=""11.0.0"" />
    <PackageReference Include=""Microsoft.Extensions.DependencyInjection"" Version=""11.0.0"" />
    <PackageReference Include=""Microsoft.Extensions.Logging"" Version=""11.0.0"" />
    <PackageReference Include=""Microsoft.Extensions.Configuration.Json"" Version=""11.0.0"" />";

        private static readonly Regex ExpectMarker = new Regex(@"// expect: (?<ids>MEM\d{3}(?:\s*,\s*MEM\d{3})*)(?<nofix>\s+nofix)?\s*$", RegexOptions.Compiled);
        private static readonly Regex DiagnosticLine = new Regex(@"(?<file>[^\s(]+\.cs)\((?<line>\d+),\d+\): (?<severity>error|warning|info) (?<id>MEM\d{3}):", RegexOptions.Compiled);

        public Consumer()
        {
            RepositoryRoot = typeof(Consumer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepositoryRoot").Value!;
            Root = Path.Combine(Path.GetTempPath(), "memret-e2e-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Feed = Path.Combine(Root, "feed");
            Directory.CreateDirectory(Feed);
            Version = "0.1.0-e2e." + DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "." + Environment.ProcessId;

            var pack = Run(RepositoryRoot, "pack", Path.Combine(RepositoryRoot, "src", "CodeFixes", "MemoryRetention.CodeFixes.csproj"),
                "-c", "Release", "-o", Feed, $"-p:Version={Version}", "-nologo");
            if (pack.ExitCode != 0)
            {
                throw new InvalidOperationException("dotnet pack failed:\n" + pack.Output);
            }

            PackagePath = Directory.GetFiles(Feed, "*.nupkg").Single();
        }

        public string RepositoryRoot { get; }

        public string Root { get; }

        public string Feed { get; }

        public string Version { get; }

        public string PackagePath { get; }

        public string CasesDirectory => Path.Combine(RepositoryRoot, "tests", "MemoryRetention.EndToEnd.Tests", "cases");

        /// <summary>Every rule ID the analyzer assembly declares (so a rule added later is covered without editing the tests).</summary>
        public static IReadOnlyList<string> CatalogIds { get; } = typeof(RuleIds).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .SelectMany(t => ((DiagnosticAnalyzer)Activator.CreateInstance(t)!).SupportedDiagnostics)
            .Select(d => d.Id)
            .Where(id => id.StartsWith("MEM", StringComparison.Ordinal))
            .Distinct()
            .OrderBy(id => id, StringComparer.Ordinal)
            .ToList();

        /// <summary>IDs whose default severity is Warning or Error (an Info rule does not fail a warnings-as-errors build).</summary>
        public static IReadOnlyList<string> BuildBreakingIds { get; } = typeof(RuleIds).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .SelectMany(t => ((DiagnosticAnalyzer)Activator.CreateInstance(t)!).SupportedDiagnostics)
            .Where(d => d.DefaultSeverity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning)
            .Select(d => d.Id)
            .Distinct()
            .ToList();

        /// <summary>IDs some fixer in the package fixes.</summary>
        public static IReadOnlyList<string> FixableIds { get; } = typeof(MemoryRetention.CodeFixes.UndisposedHandlerDisposableCodeFix).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t))
            .SelectMany(t => ((CodeFixProvider)Activator.CreateInstance(t)!).FixableDiagnosticIds)
            .Distinct()
            .ToList();

        /// <summary>Writes a fresh consumer project (all case files, the suppression cases, an .editorconfig) and returns its folder.</summary>
        public string CreateProject(string name, string extraProperties = "")
        {
            var directory = Path.Combine(Root, name);
            Directory.CreateDirectory(directory);
            foreach (var file in Directory.GetFiles(CasesDirectory, "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(CasesDirectory, file);
                var target = Path.Combine(directory, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $@"<Project Sdk=""Microsoft.NET.Sdk"">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>disable</ImplicitUsings>
    <EnableNETAnalyzers>false</EnableNETAnalyzers>
    <NuGetAudit>false</NuGetAudit>
    <WarningsNotAsErrors>NU1603</WarningsNotAsErrors>{extraProperties}
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include=""MemoryRetention.Analyzers"" Version=""{Version}"" PrivateAssets=""all"" />{FrameworkPackages}
  </ItemGroup>
</Project>
");
            File.WriteAllText(Path.Combine(directory, "nuget.config"), $@"<?xml version=""1.0"" encoding=""utf-8""?>
<configuration>
  <packageSources>
    <add key=""local"" value=""{Feed}"" />
  </packageSources>
</configuration>
");
            File.WriteAllText(Path.Combine(directory, ".editorconfig"), @"root = true

[*.cs]
indent_style = space
indent_size = 4

[silenced/**.cs]
dotnet_diagnostic.MEM020.severity = none
");
            var restore = Run(directory, "restore", "-nologo");
            if (restore.ExitCode != 0)
            {
                throw new InvalidOperationException("dotnet restore of the consumer failed:\n" + restore.Output);
            }

            return directory;
        }

        /// <summary>The `// expect:` markers of the case files in <paramref name="directory"/>.</summary>
        public static IReadOnlyList<Expectation> Expectations(string directory)
        {
            var result = new List<Expectation>();
            foreach (var file in Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    continue;
                }

                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    var match = ExpectMarker.Match(lines[i]);
                    if (!match.Success)
                    {
                        continue;
                    }

                    foreach (var id in match.Groups["ids"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    {
                        result.Add(new Expectation(Path.GetFileName(file), i + 1, id, !match.Groups["nofix"].Success));
                    }
                }
            }

            return result;
        }

        /// <summary>The MEM diagnostics in a build's output (file name, line, id), de-duplicated.</summary>
        public static IReadOnlyList<Reported> Diagnostics(string output)
            => DiagnosticLine.Matches(output)
                .Select(m => new Reported(Path.GetFileName(m.Groups["file"].Value), int.Parse(m.Groups["line"].Value), m.Groups["id"].Value, m.Groups["severity"].Value))
                .Distinct()
                .OrderBy(r => r.File, StringComparer.Ordinal).ThenBy(r => r.Line).ThenBy(r => r.Id, StringComparer.Ordinal)
                .ToList();

        /// <summary>Runs `dotnet &lt;args&gt;` in <paramref name="directory"/> with a clean MSBuild environment.</summary>
        public static (int ExitCode, string Output) Run(string directory, params string[] arguments)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            // `dotnet test` runs this process with MSBuild variables that would leak into the nested SDK commands.
            foreach (var variable in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly", "DOTNET_HOST_PATH", "VSTEST_HOST_DEBUG" })
            {
                start.Environment.Remove(variable);
            }

            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

            using var process = Process.Start(start)!;
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish in 5 minutes:\n{output}");
            }

            process.WaitForExit();
            lock (output)
            {
                return (process.ExitCode, output.ToString());
            }
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
