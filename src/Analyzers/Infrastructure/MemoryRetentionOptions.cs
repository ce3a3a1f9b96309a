using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MemoryRetention.Analyzers.Infrastructure
{
    /// <summary>
    /// The package's options, read from <c>.editorconfig</c> / <c>.globalconfig</c>. Every key starts with
    /// <see cref="Prefix"/>. Compilation-wide keys are read once per compilation from the global options;
    /// <see cref="GetBool(AnalyzerOptions, SyntaxTree, string, bool)"/> reads a per-file value that overrides it.
    /// </summary>
    public sealed class MemoryRetentionOptions
    {
        public const string Prefix = "memory_retention.";

        public const string HandlerTypesKey = Prefix + "handler_types";
        public const string HandlerMethodsKey = Prefix + "handler_methods";
        public const string HandlerAttributesKey = Prefix + "handler_attributes";
        public const string LongLivedTypesKey = Prefix + "long_lived_types";
        public const string PerInvocationTypesKey = Prefix + "per_invocation_types";
        public const string DisabledFrameworksKey = Prefix + "disabled_frameworks";
        public const string AnalyzeOutsideHandlersKey = Prefix + "analyze_outside_handlers";

        private MemoryRetentionOptions(
            ImmutableArray<string> handlerTypes,
            ImmutableArray<string> handlerMethods,
            ImmutableArray<string> handlerAttributes,
            ImmutableArray<string> longLivedTypes,
            ImmutableArray<string> perInvocationTypes,
            ImmutableHashSet<string> disabledFrameworks)
        {
            HandlerTypes = handlerTypes;
            HandlerMethods = handlerMethods;
            HandlerAttributes = handlerAttributes;
            LongLivedTypes = longLivedTypes;
            PerInvocationTypes = perInvocationTypes;
            DisabledFrameworks = disabledFrameworks;
        }

        /// <summary>Extra handler contracts: interface or base-class metadata names.</summary>
        public ImmutableArray<string> HandlerTypes { get; }

        /// <summary>Extra entry-point members as documentation comment IDs (<c>M:Ns.Type.Method(…)</c>).</summary>
        public ImmutableArray<string> HandlerMethods { get; }

        /// <summary>Attributes (metadata names) that mark entry-point methods or handler classes.</summary>
        public ImmutableArray<string> HandlerAttributes { get; }

        /// <summary>Types (or bases) whose instances live for the process.</summary>
        public ImmutableArray<string> LongLivedTypes { get; }

        /// <summary>Types (or bases) whose instances are created per invocation.</summary>
        public ImmutableArray<string> PerInvocationTypes { get; }

        /// <summary>Framework ids (lower case) that recognition ignores.</summary>
        public ImmutableHashSet<string> DisabledFrameworks { get; }

        public static MemoryRetentionOptions Empty { get; } = new MemoryRetentionOptions(
            ImmutableArray<string>.Empty, ImmutableArray<string>.Empty, ImmutableArray<string>.Empty,
            ImmutableArray<string>.Empty, ImmutableArray<string>.Empty, ImmutableHashSet<string>.Empty);

        public static MemoryRetentionOptions Read(AnalyzerOptions? options)
        {
            if (options is null)
            {
                return Empty;
            }

            var global = options.AnalyzerConfigOptionsProvider.GlobalOptions;
            return new MemoryRetentionOptions(
                List(global, HandlerTypesKey),
                List(global, HandlerMethodsKey),
                List(global, HandlerAttributesKey),
                List(global, LongLivedTypesKey),
                List(global, PerInvocationTypesKey),
                List(global, DisabledFrameworksKey).Select(s => s.ToLowerInvariant()).ToImmutableHashSet(StringComparer.OrdinalIgnoreCase));
        }

        /// <summary>A boolean option: the file's value if it has one, else the global value, else <paramref name="defaultValue"/>.</summary>
        public static bool GetBool(AnalyzerOptions options, SyntaxTree tree, string key, bool defaultValue)
        {
            var provider = options.AnalyzerConfigOptionsProvider;
            if (provider.GetOptions(tree).TryGetValue(key, out var value) || provider.GlobalOptions.TryGetValue(key, out value))
            {
                return ParseBool(value, defaultValue);
            }

            return defaultValue;
        }

        /// <summary>An integer option: the file's value if it has one, else the global value, else <paramref name="defaultValue"/>.</summary>
        public static int GetInt(AnalyzerOptions options, SyntaxTree tree, string key, int defaultValue)
        {
            var provider = options.AnalyzerConfigOptionsProvider;
            if ((provider.GetOptions(tree).TryGetValue(key, out var value) || provider.GlobalOptions.TryGetValue(key, out value))
                && int.TryParse(value?.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                return parsed;
            }

            return defaultValue;
        }

        public static bool ParseBool(string? value, bool defaultValue)
        {
            switch (value?.Trim().ToLowerInvariant())
            {
                case "true":
                case "yes":
                case "1":
                case "on":
                    return true;
                case "false":
                case "no":
                case "0":
                case "off":
                    return false;
                default:
                    return defaultValue;
            }
        }

        private static ImmutableArray<string> List(AnalyzerConfigOptions options, string key)
        {
            if (!options.TryGetValue(key, out var raw) || string.IsNullOrWhiteSpace(raw))
            {
                return ImmutableArray<string>.Empty;
            }

            var builder = ImmutableArray.CreateBuilder<string>();
            foreach (var part in raw.Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var trimmed = part.Trim();
                if (trimmed.Length > 0)
                {
                    builder.Add(trimmed);
                }
            }

            return builder.ToImmutable();
        }
    }
}
