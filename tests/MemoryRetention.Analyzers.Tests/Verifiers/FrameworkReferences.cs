using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;

namespace MemoryRetention.Analyzers.Tests.Verifiers
{
    /// <summary>
    /// Metadata references for test compilations: the .NET reference pack that ships with the SDK running the
    /// tests, and the real framework packages that restore downloaded (tests/TestFrameworks.props).
    /// Nothing is downloaded while tests run.
    /// </summary>
    public static class FrameworkReferences
    {
        private static readonly string[] TfmPreference =
        {
            "net10.0", "net9.0", "net8.0", "net7.0", "net6.0", "netstandard2.1", "netstandard2.0", "netstandard1.3",
        };

        private static readonly Lazy<ImmutableArray<MetadataReference>> LazyNetCore = new Lazy<ImmutableArray<MetadataReference>>(LoadNetCore);
        private static readonly Lazy<IReadOnlyDictionary<string, string>> LazyVersions = new Lazy<IReadOnlyDictionary<string, string>>(LoadVersions);
        private static readonly ConcurrentDictionary<string, ImmutableArray<MetadataReference>> PackageCache = new ConcurrentDictionary<string, ImmutableArray<MetadataReference>>(StringComparer.OrdinalIgnoreCase);

        /// <summary>The .NET reference assemblies (System.Runtime and friends).</summary>
        public static ImmutableArray<MetadataReference> NetCore => LazyNetCore.Value;

        /// <summary>The repository root (where Analyzers.sln is).</summary>
        public static string RepositoryRoot => Metadata("RepositoryRoot");

        /// <summary>Every package id tests/TestFrameworks.props downloads.</summary>
        public static IEnumerable<string> AllPackageIds => LazyVersions.Value.Keys;

        /// <summary>The assemblies of one downloaded package (its best lib/&lt;tfm&gt; folder).</summary>
        public static ImmutableArray<MetadataReference> Package(string id)
            => PackageCache.GetOrAdd(id, LoadPackage);

        /// <summary>The .NET reference pack plus the given packages.</summary>
        public static ImmutableArray<MetadataReference> With(IEnumerable<string> packageIds)
        {
            var builder = ImmutableArray.CreateBuilder<MetadataReference>();
            builder.AddRange(NetCore);
            foreach (var id in packageIds.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                builder.AddRange(Package(id));
            }

            return builder.ToImmutable();
        }

        private static ImmutableArray<MetadataReference> LoadPackage(string id)
        {
            if (!LazyVersions.Value.TryGetValue(id, out var version))
            {
                throw new InvalidOperationException($"Package '{id}' is not listed in tests/TestFrameworks.props.");
            }

            var root = Metadata("NuGetPackageRoot");
            var packageDirectory = Path.Combine(root, id.ToLowerInvariant(), version);
            var lib = Path.Combine(packageDirectory, "lib");
            if (!Directory.Exists(lib))
            {
                throw new InvalidOperationException($"Package '{id}' {version} was not restored to {packageDirectory}. Run 'dotnet restore'.");
            }

            foreach (var tfm in TfmPreference)
            {
                var folder = Path.Combine(lib, tfm);
                if (Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.dll").Any())
                {
                    return Directory.EnumerateFiles(folder, "*.dll")
                        .OrderBy(f => f, StringComparer.Ordinal)
                        .Select(f => (MetadataReference)MetadataReference.CreateFromFile(f))
                        .ToImmutableArray();
                }
            }

            throw new InvalidOperationException($"Package '{id}' has no usable lib folder under {lib}.");
        }

        private static ImmutableArray<MetadataReference> LoadNetCore()
        {
            // <dotnet>/shared/Microsoft.NETCore.App/<version>/System.Private.CoreLib.dll → <dotnet>/packs/Microsoft.NETCore.App.Ref/<version>/ref/net<major>.0
            var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
            var major = Environment.Version.Major;
            var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
            if (Directory.Exists(packs))
            {
                var candidates = Directory.GetDirectories(packs)
                    .Select(d => (Directory: d, Version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : null))
                    .Where(c => c.Version is not null && c.Version.Major == major)
                    .OrderByDescending(c => c.Version)
                    .ToList();
                foreach (var candidate in candidates)
                {
                    var refDirectory = Path.Combine(candidate.Directory, "ref", $"net{major}.0");
                    if (Directory.Exists(refDirectory))
                    {
                        return Directory.EnumerateFiles(refDirectory, "*.dll")
                            .OrderBy(f => f, StringComparer.Ordinal)
                            .Select(f => (MetadataReference)MetadataReference.CreateFromFile(f))
                            .ToImmutableArray();
                    }
                }
            }

            // Fallback: the implementation assemblies of the running runtime.
            var tpa = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty)
                .Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll" or "Microsoft.Win32.Primitives.dll")
                .Where(p => Path.GetDirectoryName(p) == runtimeDirectory);
            return tpa.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
        }

        private static IReadOnlyDictionary<string, string> LoadVersions()
        {
            var path = Path.Combine(AppContext.BaseDirectory, "TestFrameworks.props");
            var document = XDocument.Load(path);
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var element in document.Descendants("PackageDownload"))
            {
                var id = (string?)element.Attribute("Include");
                var version = ((string?)element.Attribute("Version"))?.Trim('[', ']');
                if (id is not null && version is not null)
                {
                    result[id] = version;
                }
            }

            return result;
        }

        private static string Metadata(string key)
            => typeof(FrameworkReferences).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value!;
    }
}
