using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>
    /// The syntax-only facts of one tree that reachability asks about: its call sites (invocations, creations,
    /// constructor initializers, method groups) by the simple name they call, the simple names it mentions, its type
    /// declarations by the simple names in their base lists, and whether it imports members statically. Nothing is
    /// bound, so the answer depends on the tree alone.
    /// </summary>
    /// <remarks>
    /// Computed at most once per tree and shared by every compilation that contains the tree: the IDE makes a new
    /// compilation on every edit and keeps every unchanged document's tree, so an edit rescans only the edited document
    /// (the registration index does the same, <see cref="RegistrationIndex"/>). The cache is the one piece of static
    /// state: a <see cref="ConditionalWeakTable{TKey, TValue}"/> keyed by the immutable <see cref="SyntaxTree"/>, whose
    /// values hold only nodes of that tree and strings, so an entry lives exactly as long as its tree and can never be
    /// stale (a changed document is a new tree object). Per-compilation answers (symbols, bound call sites) stay in
    /// <see cref="Reachability"/>, which lives with its compilation.
    /// </remarks>
    internal sealed class TreeCallSites
    {
        /// <summary>The name under which implicit object creations (<c>new()</c>) are indexed.</summary>
        public const string ImplicitCreation = "new()";

        /// <summary>The name under which constructor initializers (<c>: base(…)</c>, <c>: this(…)</c>) are indexed.</summary>
        public const string ConstructorInitializer = ":init";

        private static readonly ConditionalWeakTable<SyntaxTree, TreeCallSites> PerTree = new ConditionalWeakTable<SyntaxTree, TreeCallSites>();

        private static readonly IReadOnlyList<SyntaxNode> NoSites = Array.Empty<SyntaxNode>();
        private static readonly IReadOnlyList<BaseTypeDeclarationSyntax> NoDeclarations = Array.Empty<BaseTypeDeclarationSyntax>();

        private readonly Dictionary<string, List<SyntaxNode>> _sites;
        private readonly Dictionary<string, List<SyntaxNode>> _qualified;
        private readonly Dictionary<string, List<SyntaxNode>> _unqualified;
        private readonly HashSet<string> _mentioned;
        private readonly Dictionary<string, List<BaseTypeDeclarationSyntax>> _byBaseName;

        private TreeCallSites(
            Dictionary<string, List<SyntaxNode>> sites,
            Dictionary<string, List<SyntaxNode>> qualified,
            Dictionary<string, List<SyntaxNode>> unqualified,
            HashSet<string> mentioned,
            Dictionary<string, List<BaseTypeDeclarationSyntax>> byBaseName,
            bool usingStatic,
            bool globalUsingStatic)
        {
            _sites = sites;
            _qualified = qualified;
            _unqualified = unqualified;
            _mentioned = mentioned;
            _byBaseName = byBaseName;
            HasUsingStatic = usingStatic;
            HasGlobalUsingStatic = globalUsingStatic;
        }

        /// <summary>The names the tree's call sites call (the keys of <see cref="SitesNamed"/>).</summary>
        public IEnumerable<string> SiteNames => _sites.Keys;

        /// <summary>The names called with a receiver other than <c>this</c>/<c>base</c> (the keys of <see cref="QualifiedSitesNamed"/>).</summary>
        public IEnumerable<string> QualifiedNames => _qualified.Keys;

        /// <summary>The keys of <see cref="UnqualifiedSitesAt"/> (see <see cref="UnqualifiedKey"/>).</summary>
        public IEnumerable<string> UnqualifiedKeys => _unqualified.Keys;

        /// <summary>The simple names the tree mentions (see <see cref="MentionsAny"/>).</summary>
        public IEnumerable<string> MentionedNames => _mentioned;

        /// <summary>The simple names the tree's type declarations name in their base lists (the keys of <see cref="DeclarationsDerivingFrom"/>).</summary>
        public IEnumerable<string> BaseNames => _byBaseName.Keys;

        /// <summary>The tree has a <c>using static</c> directive (unqualified calls in it may name another type's members).</summary>
        public bool HasUsingStatic { get; }

        /// <summary>The tree has a <c>global using static</c> directive (which applies to every tree of the compilation).</summary>
        public bool HasGlobalUsingStatic { get; }

        /// <summary>The tree has a <c>global using</c> alias (a name every tree may use for a type or namespace without naming it).</summary>
        public bool HasGlobalAlias { get; private set; }

        /// <summary>The namespaces the tree imports for every tree (<c>global using A.B;</c>), as written, without spaces.</summary>
        public IReadOnlyList<string> GlobalUsingNamespaces { get; private set; } = Array.Empty<string>();

        /// <summary>True when the tree mentions <paramref name="name"/> (as a simple name or a declared type name).</summary>
        public bool Mentions(string name) => _mentioned.Contains(name);

        /// <summary>The facts of <paramref name="tree"/>: computed on first use, then shared by every compilation containing it.</summary>
        public static TreeCallSites Of(SyntaxTree tree, CancellationToken cancellationToken)
        {
            if (PerTree.TryGetValue(tree, out var known))
            {
                return known;
            }

            // Built outside the table (a cancelled scan caches nothing); a concurrent builder's result wins if first.
            var built = Scan(tree, cancellationToken);
            return PerTree.GetValue(tree, _ => built);
        }

        /// <summary>The call sites that name <paramref name="name"/> (see <see cref="ImplicitCreation"/>, <see cref="ConstructorInitializer"/>).</summary>
        public IReadOnlyList<SyntaxNode> SitesNamed(string name) => _sites.TryGetValue(name, out var sites) ? sites : NoSites;

        /// <summary>The call sites that name <paramref name="name"/> with a receiver (not <see cref="IsUnqualified"/>).</summary>
        public IReadOnlyList<SyntaxNode> QualifiedSitesNamed(string name) => _qualified.TryGetValue(name, out var sites) ? sites : NoSites;

        /// <summary>
        /// The unqualified call sites (<see cref="IsUnqualified"/>) filed under <paramref name="key"/>: each such site is filed
        /// under its name with the full name of every enclosing type declaration, with every simple name those declarations'
        /// base lists name, or — outside any type — with no type (<see cref="UnqualifiedKey"/>). An unqualified name binds
        /// only to a member of an enclosing type or of its bases (or to a static import), so a site may call a member of
        /// the types T exactly when it is filed under a full name of T, under a simple name of T (an enclosing type's base
        /// list names one), or outside any type: a question finds its candidates by key instead of checking every site
        /// of the name.
        /// </summary>
        public IReadOnlyList<SyntaxNode> UnqualifiedSitesAt(string key) => _unqualified.TryGetValue(key, out var sites) ? sites : NoSites;

        /// <summary>The key of <see cref="UnqualifiedSitesAt"/>: kind 'F' with a type's full name, 'B' with a base-list simple name, 'T' (no type) outside any type.</summary>
        public static string UnqualifiedKey(string name, char kind, string? type) => name + "\u0001" + kind + type;

        /// <summary>True when the tree mentions (as a simple name or a declared type name) any of <paramref name="names"/>.</summary>
        public bool MentionsAny(HashSet<string> names) => _mentioned.Overlaps(names);

        /// <summary>The type declarations whose base list names <paramref name="name"/> (by its simple name, generic or qualified).</summary>
        public IReadOnlyList<BaseTypeDeclarationSyntax> DeclarationsDerivingFrom(string name)
            => _byBaseName.TryGetValue(name, out var declarations) ? declarations : NoDeclarations;

        private static TreeCallSites Scan(SyntaxTree tree, CancellationToken cancellationToken)
        {
            var sites = new Dictionary<string, List<SyntaxNode>>(StringComparer.Ordinal);
            var qualified = new Dictionary<string, List<SyntaxNode>>(StringComparer.Ordinal);
            var unqualified = new Dictionary<string, List<SyntaxNode>>(StringComparer.Ordinal);
            var fullNames = new Dictionary<TypeDeclarationSyntax, string>();
            var mentioned = new HashSet<string>(StringComparer.Ordinal);
            var byBaseName = new Dictionary<string, List<BaseTypeDeclarationSyntax>>(StringComparer.Ordinal);
            var usingStatic = false;
            var globalUsingStatic = false;
            var globalAlias = false;
            List<string>? globalNamespaces = null;

            foreach (var node in tree.GetRoot(cancellationToken).DescendantNodes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (node)
                {
                    case SimpleNameSyntax simpleName:
                        mentioned.Add(simpleName.Identifier.ValueText);
                        break;
                    case BaseTypeDeclarationSyntax declaration:
                        mentioned.Add(declaration.Identifier.ValueText);
                        if (declaration.BaseList is { } baseList)
                        {
                            foreach (var baseType in baseList.Types)
                            {
                                Add(byBaseName, Name(baseType.Type), declaration);
                            }
                        }

                        break;
                    case UsingDirectiveSyntax { StaticKeyword.RawKind: (int)SyntaxKind.StaticKeyword } directive:
                        usingStatic = true;
                        globalUsingStatic |= directive.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword);
                        break;
                    case UsingDirectiveSyntax { GlobalKeyword.RawKind: (int)SyntaxKind.GlobalKeyword } global:
                        if (global.Alias is not null || global.Name is null)
                        {
                            globalAlias = true;
                        }
                        else
                        {
                            (globalNamespaces ??= new List<string>()).Add(global.Name.ToString().Replace(" ", string.Empty).Replace("global::", string.Empty));
                        }

                        break;
                }

                var siteName = node switch
                {
                    InvocationExpressionSyntax invocation => Name(invocation.Expression),
                    ObjectCreationExpressionSyntax creation => Name(creation.Type),
                    ImplicitObjectCreationExpressionSyntax => ImplicitCreation,
                    ConstructorInitializerSyntax => ConstructorInitializer,
                    IdentifierNameSyntax or MemberAccessExpressionSyntax when IsMethodGroupPosition(node) => Name((ExpressionSyntax)node),
                    _ => null,
                };

                if (siteName is null)
                {
                    continue;
                }

                Add(sites, siteName, node);
                if (!IsUnqualified(node))
                {
                    Add(qualified, siteName, node);
                    continue;
                }

                // Filed under each enclosing type's full name and base-list names, or as outside any type (see UnqualifiedSitesAt).
                var enclosed = false;
                for (var outer = node.Parent; outer is not null; outer = outer.Parent)
                {
                    if (outer is not TypeDeclarationSyntax type)
                    {
                        continue;
                    }

                    enclosed = true;
                    if (!fullNames.TryGetValue(type, out var fullName))
                    {
                        fullNames[type] = fullName = FullName(type);
                    }

                    Add(unqualified, UnqualifiedKey(siteName, 'F', fullName), node);
                    if (type.BaseList is { } baseList)
                    {
                        foreach (var baseType in baseList.Types)
                        {
                            if (Name(baseType.Type) is { } baseName)
                            {
                                Add(unqualified, UnqualifiedKey(siteName, 'B', baseName), node);
                            }
                        }
                    }
                }

                if (!enclosed)
                {
                    Add(unqualified, UnqualifiedKey(siteName, 'T', null), node);
                }
            }

            Infrastructure.WorkCounters.Of(tree).CallSitesScanned(); // per tree, for tests: an edit rescans one tree
            return new TreeCallSites(sites, qualified, unqualified, mentioned, byBaseName, usingStatic, globalUsingStatic)
            {
                HasGlobalAlias = globalAlias,
                GlobalUsingNamespaces = (IReadOnlyList<string>?)globalNamespaces ?? Array.Empty<string>(),
            };
        }

        private static void Add<T>(Dictionary<string, List<T>> map, string? name, T node)
        {
            if (name is null)
            {
                return;
            }

            if (!map.TryGetValue(name, out var list))
            {
                map[name] = list = new List<T>();
            }

            if (list.Count == 0 || !ReferenceEquals(list[list.Count - 1], node))
            {
                list.Add(node); // a site under one key once (two base-list entries may share a simple name)
            }
        }

        private static bool IsMethodGroupPosition(SyntaxNode node)
        {
            if (node is IdentifierNameSyntax && node.Parent is MemberAccessExpressionSyntax member && member.Name == node)
            {
                return false; // the member access itself is indexed
            }

            return node.Parent is ArgumentSyntax
                || (node.Parent is AssignmentExpressionSyntax assignment && assignment.Right == node && assignment.IsKind(SyntaxKind.AddAssignmentExpression));
        }

        /// <summary>The simple name an expression or type names: <c>Foo</c> for <c>Foo</c>, <c>a.Foo</c>, <c>Ns.Foo&lt;T&gt;</c>, <c>alias::Foo</c>.</summary>
        public static string? Name(ExpressionSyntax expression)
        {
            switch (expression)
            {
                case QualifiedNameSyntax qualified:
                    return qualified.Right.Identifier.ValueText;
                case AliasQualifiedNameSyntax alias:
                    return alias.Name.Identifier.ValueText;
                default:
                    return RegistrationIndex.GetName(expression);
            }
        }

        /// <summary>
        /// True when <paramref name="site"/> calls (or names as a method group) a simple name with no receiver, or with
        /// <c>this</c>/<c>base</c>: such a name binds only to a member of an enclosing type or of its bases (or to a
        /// static import), never to an unrelated type's member of the same name.
        /// </summary>
        public static bool IsUnqualified(SyntaxNode site)
        {
            switch (site)
            {
                case InvocationExpressionSyntax invocation:
                    return IsUnqualifiedName(invocation.Expression);
                case SimpleNameSyntax:
                    return true;
                case MemberAccessExpressionSyntax member:
                    return IsUnqualifiedName(member);
                default:
                    return false;
            }

            static bool IsUnqualifiedName(ExpressionSyntax expression)
                => expression is IdentifierNameSyntax or GenericNameSyntax
                   || (expression is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax or BaseExpressionSyntax });
        }

        /// <summary>A type declaration's name with its enclosing namespaces and types, dot-separated, without type parameters.</summary>
        public static string FullName(BaseTypeDeclarationSyntax declaration)
        {
            var parts = new List<string> { declaration.Identifier.ValueText };
            for (var node = declaration.Parent; node is not null; node = node.Parent)
            {
                switch (node)
                {
                    case BaseTypeDeclarationSyntax outer:
                        parts.Add(outer.Identifier.ValueText);
                        break;
                    case BaseNamespaceDeclarationSyntax ns:
                        parts.Add(ns.Name.ToString().Replace(" ", string.Empty));
                        break;
                }
            }

            parts.Reverse();
            return string.Join(".", parts);
        }

        /// <summary>The same form as <see cref="FullName(BaseTypeDeclarationSyntax)"/>, for a type symbol.</summary>
        public static string FullName(INamedTypeSymbol type)
        {
            var parts = new List<string> { type.Name };
            for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                parts.Add(outer.Name);
            }

            for (var ns = (type.ContainingType ?? type).ContainingNamespace; ns is not null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace)
            {
                parts.Add(ns.Name);
            }

            parts.Reverse();
            return string.Join(".", parts);
        }
    }
}
