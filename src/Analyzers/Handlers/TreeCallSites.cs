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
        private readonly HashSet<string> _mentioned;
        private readonly Dictionary<string, List<BaseTypeDeclarationSyntax>> _byBaseName;

        private TreeCallSites(Dictionary<string, List<SyntaxNode>> sites, HashSet<string> mentioned, Dictionary<string, List<BaseTypeDeclarationSyntax>> byBaseName, bool usingStatic, bool globalUsingStatic)
        {
            _sites = sites;
            _mentioned = mentioned;
            _byBaseName = byBaseName;
            HasUsingStatic = usingStatic;
            HasGlobalUsingStatic = globalUsingStatic;
        }

        /// <summary>The tree has a <c>using static</c> directive (unqualified calls in it may name another type's members).</summary>
        public bool HasUsingStatic { get; }

        /// <summary>The tree has a <c>global using static</c> directive (which applies to every tree of the compilation).</summary>
        public bool HasGlobalUsingStatic { get; }

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

        /// <summary>True when the tree mentions (as a simple name or a declared type name) any of <paramref name="names"/>.</summary>
        public bool MentionsAny(HashSet<string> names) => _mentioned.Overlaps(names);

        /// <summary>The type declarations whose base list names <paramref name="name"/> (by its simple name, generic or qualified).</summary>
        public IReadOnlyList<BaseTypeDeclarationSyntax> DeclarationsDerivingFrom(string name)
            => _byBaseName.TryGetValue(name, out var declarations) ? declarations : NoDeclarations;

        private static TreeCallSites Scan(SyntaxTree tree, CancellationToken cancellationToken)
        {
            var sites = new Dictionary<string, List<SyntaxNode>>(StringComparer.Ordinal);
            var mentioned = new HashSet<string>(StringComparer.Ordinal);
            var byBaseName = new Dictionary<string, List<BaseTypeDeclarationSyntax>>(StringComparer.Ordinal);
            var usingStatic = false;
            var globalUsingStatic = false;

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
                }

                switch (node)
                {
                    case InvocationExpressionSyntax invocation:
                        Add(sites, Name(invocation.Expression), node);
                        break;
                    case ObjectCreationExpressionSyntax creation:
                        Add(sites, Name(creation.Type), node);
                        break;
                    case ImplicitObjectCreationExpressionSyntax:
                        Add(sites, ImplicitCreation, node);
                        break;
                    case ConstructorInitializerSyntax:
                        Add(sites, ConstructorInitializer, node);
                        break;
                    case IdentifierNameSyntax or MemberAccessExpressionSyntax when IsMethodGroupPosition(node):
                        Add(sites, Name((ExpressionSyntax)node), node);
                        break;
                }
            }

            Infrastructure.WorkCounters.Of(tree).CallSitesScanned(); // per tree, for tests: an edit rescans one tree
            return new TreeCallSites(sites, mentioned, byBaseName, usingStatic, globalUsingStatic);
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

            list.Add(node);
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

        /// <summary>
        /// For an unqualified site: could it bind to a member declared by (or inherited from) one of the types whose
        /// full names are <paramref name="fullNames"/> and simple names <paramref name="simpleNames"/>? Syntactically:
        /// an enclosing type declaration is one of them (same namespace and name, any part of a partial type), or names
        /// one of them in its base list. A site outside any type (top-level statements) may bind anywhere.
        /// </summary>
        public static bool MayBindToMemberOf(SyntaxNode site, HashSet<string> fullNames, HashSet<string> simpleNames)
        {
            var enclosed = false;
            for (var node = site.Parent; node is not null; node = node.Parent)
            {
                if (node is not TypeDeclarationSyntax type)
                {
                    continue;
                }

                enclosed = true;
                if (simpleNames.Contains(type.Identifier.ValueText) && fullNames.Contains(FullName(type)))
                {
                    return true;
                }

                if (type.BaseList is { } baseList)
                {
                    foreach (var baseType in baseList.Types)
                    {
                        if (Name(baseType.Type) is { } name && simpleNames.Contains(name))
                        {
                            return true;
                        }
                    }
                }
            }

            return !enclosed;
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
