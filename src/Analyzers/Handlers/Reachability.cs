using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>
    /// Reachability: is a method or constructor of this compilation run per unit of work because per-unit-of-work code
    /// (an entry point's body, a lambda registered as a handler, a worker loop's body) calls it — directly, through
    /// <c>this</c>/<c>base</c>, by creating its type, through an interface, abstract or virtual member implemented
    /// in the compilation, or through a delegate (<c>Task.Run(Process)</c>) — or because its type is created per
    /// scope or per resolution (registered as scoped or transient, or a per-invocation handler), and by what path.
    /// </summary>
    /// <remarks>
    /// Built on demand, once per compilation, shared by every rule through <see cref="HandlerRecognizer.Classify"/>:
    /// each question walks callers backwards from the method through a syntax-only index of call sites by called name
    /// (<see cref="TreeCallSites"/>: scanned once per syntax tree and shared by every compilation that keeps the tree,
    /// so an IDE edit rescans one document), binding only the call sites whose name matches in trees that name a type
    /// involved (and, for a call without a receiver, only inside such a type), and the callers of a method are
    /// computed once. Which types derive from or implement which is answered the same way, per type asked, from the
    /// base-list names of the trees. Bounds: <see cref="MaxDepth"/> calls from the unit of
    /// work to the method, <see cref="MaxImplementationsPerDispatch"/> implementations for an interface or virtual
    /// call without a visible DI registration, a visited set for recursion. When a bound cuts the search the answer
    /// is "not reached": rules stay silent rather than guess. Callers that only run once (startup, <c>StartAsync</c>,
    /// <c>ExecuteAsync</c> before its loop) are not followed, so code reached only from them is not per unit of work.
    /// </remarks>
    internal sealed class Reachability
    {
        /// <summary>The most calls between the unit of work and the method that are followed.</summary>
        public const int MaxDepth = 4;

        /// <summary>An interface/abstract/virtual call is followed only when at most this many types implement it (or a DI registration names the implementation).</summary>
        public const int MaxImplementationsPerDispatch = 8;

        private const string ImplicitCreation = TreeCallSites.ImplicitCreation;
        private const string ConstructorInitializer = TreeCallSites.ConstructorInitializer;

        private readonly HandlerRecognizer _owner;
        private readonly Compilation _compilation;
        private readonly object _gate = new object();
        private volatile TypeIndex? _types;
        private ImmutableArray<TreeCallSites> _facts;
        private int _globalUsingStatic; // 0 unknown, 1 no, 2 yes
        private Tuple<HashSet<string>, bool>? _globalImports;
        private readonly ConcurrentDictionary<INamedTypeSymbol, ImmutableArray<INamedTypeSymbol>> _derived = new ConcurrentDictionary<INamedTypeSymbol, ImmutableArray<INamedTypeSymbol>>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<INamedTypeSymbol, int> _implementationCounts = new ConcurrentDictionary<INamedTypeSymbol, int>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<IMethodSymbol, ImmutableArray<CallerEdge>> _callers = new ConcurrentDictionary<IMethodSymbol, ImmutableArray<CallerEdge>>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<IMethodSymbol, ReachPath?> _paths = new ConcurrentDictionary<IMethodSymbol, ReachPath?>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<SyntaxNode, (IMethodSymbol? Callee, BoundCall Call)> _boundSites = new ConcurrentDictionary<SyntaxNode, (IMethodSymbol?, BoundCall)>();

        /// <summary>At most this many call sites are bound to answer who calls one method (a bound: past it, callers are missed, never invented).</summary>
        public const int MaxSitesPerMethod = 256;
        private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new ConcurrentDictionary<SyntaxTree, SemanticModel>();
        /// <summary>Questions (callers of a name, derived types of a name) answered by walking every tree before the compilation-wide index is built.</summary>
        public const int DefaultQuestionsBeforeIndex = 32;

        private long _questions;

        /// <summary>See <see cref="DefaultQuestionsBeforeIndex"/>; tests set it to compare the walk with the index on the same questions.</summary>
        internal int QuestionsBeforeIndex { get; set; } = DefaultQuestionsBeforeIndex;

        private volatile FactsIndex? _factsIndex;
        private long _treesVisited;
        private long _sitesExamined;
        private long _methodsVisited;
        private long _callSitesBound;
        private long _boundHits;

        public Reachability(HandlerRecognizer owner, Compilation compilation)
        {
            _owner = owner;
            _compilation = compilation;
        }

        /// <summary>Work counter (for tests that prove bounded cost): methods expanded by the backward search.</summary>
        internal long MethodsVisited => Interlocked.Read(ref _methodsVisited);

        /// <summary>Work counter: call sites bound to decide whether they call a method asked about.</summary>
        internal long CallSitesBound => Interlocked.Read(ref _callSitesBound);

        /// <summary>Work counter: trees whose facts a question looked at (every tree for the first questions, then only the index's candidates).</summary>
        internal long TreesVisited => Interlocked.Read(ref _treesVisited);

        /// <summary>Work counter: call sites a question examined as candidates before binding (each at most once per question).</summary>
        internal long SitesExamined => Interlocked.Read(ref _sitesExamined);

        /// <summary>Work counter: searches cut by a bound (depth, or implementations per dispatch).</summary>
        internal long BoundHits => Interlocked.Read(ref _boundHits);

        /// <summary>
        /// The shortest path by which per-unit-of-work code reaches <paramref name="method"/>, or null (not reached,
        /// reached only from run-once code, or a bound was hit). Memoised per method.
        /// </summary>
        public ReachPath? GetPath(IMethodSymbol method, CancellationToken cancellationToken)
        {
            method = method.OriginalDefinition;
            if (_paths.TryGetValue(method, out var known))
            {
                return known;
            }

            var path = Compute(method, cancellationToken);
            return _paths.GetOrAdd(method, path);
        }

        /// <summary>
        /// The methods or constructors whose execution runs <paramref name="operation"/>: the declared member of its
        /// body, or for an instance field/property initializer the type's instance constructors.
        /// </summary>
        public static ImmutableArray<IMethodSymbol> GetRunningMembers(IOperation operation)
        {
            var root = operation;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            var model = root.SemanticModel;
            if (model is null || root.Syntax is null)
            {
                return ImmutableArray<IMethodSymbol>.Empty;
            }

            ISymbol? symbol;
            switch (root)
            {
                case IMethodBodyOperation:
                case IConstructorBodyOperation:
                    symbol = model.GetDeclaredSymbol(root.Syntax);
                    break;
                case IBlockOperation when root.Syntax.Parent is not null:
                    symbol = model.GetDeclaredSymbol(root.Syntax.Parent);
                    break;
                case IFieldInitializerOperation fieldInitializer:
                    return fieldInitializer.InitializedFields.Length > 0 && !fieldInitializer.InitializedFields[0].IsStatic
                        ? fieldInitializer.InitializedFields[0].ContainingType.InstanceConstructors
                        : ImmutableArray<IMethodSymbol>.Empty;
                case IPropertyInitializerOperation propertyInitializer:
                    return propertyInitializer.InitializedProperties.Length > 0 && !propertyInitializer.InitializedProperties[0].IsStatic
                        ? propertyInitializer.InitializedProperties[0].ContainingType.InstanceConstructors
                        : ImmutableArray<IMethodSymbol>.Empty;
                default:
                    symbol = model.GetEnclosingSymbol(root.Syntax.SpanStart);
                    break;
            }

            // A lambda or local function belongs to the member that declares it.
            while (symbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction } inner)
            {
                symbol = inner.ContainingSymbol;
            }

            return symbol is IMethodSymbol { MethodKind: MethodKind.Ordinary or MethodKind.Constructor or MethodKind.ExplicitInterfaceImplementation } member
                ? ImmutableArray.Create(member)
                : ImmutableArray<IMethodSymbol>.Empty;
        }

        private ReachPath? Compute(IMethodSymbol target, CancellationToken cancellationToken)
        {
            // Breadth first, backwards from the method: the first root found is the shortest path.
            var next = new Dictionary<IMethodSymbol, IMethodSymbol?>(SymbolEqualityComparer.Default) { [target] = null };
            var frontier = new List<IMethodSymbol> { target };
            for (var level = 0; frontier.Count > 0; level++)
            {
                var following = new List<IMethodSymbol>();
                foreach (var node in frontier)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Interlocked.Increment(ref _methodsVisited);
                    if (CreatedPerUnitOfWork(node) is { } created)
                    {
                        return new ReachPath(target, Chain(node, next, includeFirst: false), ReachRootKind.Created, null, node, created.Unit, created.Why);
                    }

                    foreach (var edge in GetCallers(node, cancellationToken))
                    {
                        if (edge.Code is { } code)
                        {
                            return new ReachPath(
                                target,
                                Chain(node, next, includeFirst: true),
                                code.Kind == HandlerCodeKind.WorkerLoopBody ? ReachRootKind.WorkerLoop : ReachRootKind.EntryPoint,
                                code.EntryPoint,
                                edge.Caller,
                                null,
                                null);
                        }

                        if (edge.Caller is { } caller && !next.ContainsKey(caller))
                        {
                            if (level + 1 >= MaxDepth)
                            {
                                Interlocked.Increment(ref _boundHits);
                                continue;
                            }

                            next[caller] = node;
                            following.Add(caller);
                        }
                    }
                }

                frontier = following;
            }

            return null;
        }

        private static ImmutableArray<IMethodSymbol> Chain(IMethodSymbol from, Dictionary<IMethodSymbol, IMethodSymbol?> next, bool includeFirst)
        {
            // From the root side towards the target, the target itself excluded.
            var builder = ImmutableArray.CreateBuilder<IMethodSymbol>();
            for (IMethodSymbol? current = includeFirst ? from : next[from]; current is not null && next[current] is not null; current = next[current])
            {
                builder.Add(current);
            }

            return builder.ToImmutable();
        }

        private (string Unit, string Why)? CreatedPerUnitOfWork(IMethodSymbol method)
        {
            if (method.MethodKind != MethodKind.Constructor || method.IsStatic || method.ContainingType is not { } type)
            {
                return null;
            }

            // The syntax-only name check first: a type no registration names costs no registration index.
            if (RegistrationIndex.MayRegister(_compilation, type))
            {
                var registrations = _owner.Registrations;
                if (registrations.Scoped.Contains(type.OriginalDefinition))
                {
                    return ("scope", "registered as scoped");
                }

                if (registrations.Transient.Contains(type.OriginalDefinition))
                {
                    return ("resolution", "registered as transient");
                }
            }

            if (_owner.GetHandlerType(type) is { Lifetime: HandlerLifetime.PerInvocation } handler)
            {
                return (ReachPath.UnitOf(handler.Framework), "a per-invocation " + HandlerCatalog.Label(handler.Framework));
            }

            return null;
        }

        private ImmutableArray<CallerEdge> GetCallers(IMethodSymbol method, CancellationToken cancellationToken)
        {
            if (_callers.TryGetValue(method, out var known))
            {
                return known;
            }

            var edges = ComputeCallers(method, cancellationToken);
            return _callers.GetOrAdd(method, edges);
        }

        private ImmutableArray<CallerEdge> ComputeCallers(IMethodSymbol method, CancellationToken cancellationToken)
        {
            if (method.MethodKind != MethodKind.Ordinary && method.MethodKind != MethodKind.Constructor && method.MethodKind != MethodKind.ExplicitInterfaceImplementation)
            {
                return ImmutableArray<CallerEdge>.Empty;
            }

            var targets = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default) { method };
            var names = new HashSet<string>(StringComparer.Ordinal);
            if (method.MethodKind == MethodKind.Constructor)
            {
                if (method.IsStatic || method.ContainingType is null)
                {
                    return ImmutableArray<CallerEdge>.Empty;
                }

                names.Add(method.ContainingType.Name);
                names.Add(ImplicitCreation);
                names.Add(ConstructorInitializer);
            }
            else
            {
                names.Add(method.Name);
                AddDispatchTargets(method, targets, names);
            }

            // Only trees that name one of the types involved can call the method (a caller names the type, the interface
            // or base it calls through, or a derived type, or declares it): the others are never bound. In a large
            // compilation a common method name (Process, Handle, SendAsync) otherwise binds a site in every file, and the
            // IDE pays that for every new compilation, on every edit. Extension methods are called without naming their type.
            var scope = method.IsExtensionMethod ? null : RelevantTypes(method, targets, cancellationToken);
            var edges = ImmutableArray.CreateBuilder<CallerEdge>();
            var bound = 0;
            foreach (var name in names)
            {
                foreach (var (callee, call) in GetCalls(name, scope, ref bound, cancellationToken))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (callee is not null && targets.Contains(callee))
                    {
                        AddEdges(call, method, callee, edges, cancellationToken);
                    }
                }
            }

            if (method.MethodKind == MethodKind.Constructor)
            {
                // A derived type's constructor without an explicit initializer (or an implicit one) runs this one.
                foreach (var derived in DirectlyDerived(method.ContainingType, cancellationToken))
                {
                    foreach (var constructor in derived.InstanceConstructors)
                    {
                        if (!HasExplicitInitializer(constructor, cancellationToken) && method.Parameters.Length == 0)
                        {
                            edges.Add(new CallerEdge(constructor, null));
                        }
                    }
                }
            }

            return edges.ToImmutable();
        }

        private static void AddDispatchTargets(IMethodSymbol method, HashSet<IMethodSymbol> targets, HashSet<string> names)
        {
            // The members a call may name and still run this method: the interface members it implements, the
            // members it overrides.
            foreach (var explicitImplementation in method.ExplicitInterfaceImplementations)
            {
                targets.Add(explicitImplementation.OriginalDefinition);
                names.Add(explicitImplementation.Name);
            }

            var type = method.ContainingType;
            if (type is not null && method.MethodKind == MethodKind.Ordinary && !method.IsStatic)
            {
                foreach (var @interface in type.AllInterfaces)
                {
                    foreach (var member in @interface.GetMembers(method.Name))
                    {
                        if (member is IMethodSymbol interfaceMethod
                            && SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(interfaceMethod)?.OriginalDefinition, method))
                        {
                            targets.Add(interfaceMethod.OriginalDefinition);
                        }
                    }
                }
            }

            for (var overridden = method.OverriddenMethod; overridden is not null; overridden = overridden.OverriddenMethod)
            {
                targets.Add(overridden.OriginalDefinition);
            }
        }

        private void AddEdges(BoundCall call, IMethodSymbol method, IMethodSymbol callee, ImmutableArray<CallerEdge>.Builder edges, CancellationToken cancellationToken)
        {
            var operation = call.Operation;
            var reference = call.Reference;
            if (!SymbolEqualityComparer.Default.Equals(callee, method) && !FollowsDispatch(callee, method, cancellationToken))
            {
                Interlocked.Increment(ref _boundHits);
                return;
            }

            // `consumer.Received += OnReceived`, `new Timer(OnTick, …)`: a method registered as a handler runs per unit of work.
            if (reference is not null && _owner.EntryPoints.GetDelegateEntryPoint(reference) is { } registered)
            {
                edges.Add(new CallerEdge(FirstOrNull(GetRunningMembers(reference)), new HandlerCode(HandlerCodeKind.EntryPointBody, registered, null, null)));
                return;
            }

            var code = _owner.Classifier.ClassifyLexical(reference ?? operation, cancellationToken);
            if (code.RunsPerUnitOfWork)
            {
                edges.Add(new CallerEdge(FirstOrNull(GetRunningMembers(operation)), code));
                return;
            }

            if (code.Kind == HandlerCodeKind.RunOnceBody)
            {
                return; // startup code: what it calls runs once
            }

            foreach (var caller in GetRunningMembers(operation))
            {
                edges.Add(new CallerEdge(caller.OriginalDefinition, null));
            }
        }

        /// <summary>
        /// The call sites that name <paramref name="name"/> and may call a member of the types in <paramref name="scope"/>
        /// (every site when null), each bound at most once per compilation, with the method it calls (original
        /// definition). A site is a candidate only in a tree that mentions one of the types (its name, and the innermost
        /// name of its namespace unless a global using imports it), and — when it names the
        /// member without a receiver (or with <c>this</c>/<c>base</c>) — only inside one of the types or a type whose base
        /// list names one (unless static imports are in play). Stops after <see cref="MaxSitesPerMethod"/> bound sites
        /// for one question.
        /// </summary>
        private List<(IMethodSymbol? Callee, BoundCall Call)> GetCalls(string name, RelevantTypeSet? scope, ref int bound, CancellationToken cancellationToken)
        {
            var result = new List<(IMethodSymbol?, BoundCall)>();
            var scopeFilter = scope is not null && scope.Complete && !AnyGlobalUsingStatic(cancellationToken);
            foreach (var site in CandidateSites(name, scope, scopeFilter, cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!_boundSites.TryGetValue(site, out var known))
                {
                    if (bound >= MaxSitesPerMethod)
                    {
                        Interlocked.Increment(ref _boundHits);
                        return result;
                    }

                    bound++;
                    Interlocked.Increment(ref _callSitesBound);
                    var operation = GetModel(site.SyntaxTree).GetOperation(site, cancellationToken);
                    var (callee, reference) = GetCallee(operation);
                    known = _boundSites.GetOrAdd(site, (operation is null ? null : callee?.OriginalDefinition, new BoundCall(operation!, reference)));
                }

                if (known.Callee is not null)
                {
                    result.Add(known);
                }
            }

            return result;
        }

        /// <summary>
        /// The call sites named <paramref name="name"/> that may call a member of <paramref name="scope"/>, in the
        /// compilation's tree order and each tree's document order: in a tree that mentions one of the types, a site with
        /// a receiver, or — when <paramref name="scopeFilter"/> holds and the tree has no static import — an unqualified
        /// site only inside one of the types or a type whose base list names one (<see cref="TreeCallSites.UnqualifiedSitesAt"/>).
        /// </summary>
        /// <remarks>
        /// The first questions walk every tree's facts (cheap for the few questions of an IDE edit); past
        /// <see cref="DefaultQuestionsBeforeIndex"/> questions a compilation-wide index by name is built once, so a question
        /// looks only at the trees with a candidate: asking about every method of N files costs O(N), not O(N²) (the
        /// corpus's 1,000 'Worker.Remember' questions at 5,000 files each looked at 1,000 same-named sites).
        /// </remarks>
        private IEnumerable<SyntaxNode> CandidateSites(string name, RelevantTypeSet? scope, bool scopeFilter, CancellationToken cancellationToken)
        {
            var facts = Facts(cancellationToken);
            var index = IndexForNextQuestion(facts, cancellationToken);
            if (index is null)
            {
                var all = new List<SyntaxNode>();
                for (var i = 0; i < facts.Length; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Interlocked.Increment(ref _treesVisited);
                    AddCandidates(facts[i], name, scope, scopeFilter, all);
                }

                return all;
            }

            // The trees that can hold a candidate: with a receiver, by name; unqualified, by the keys the scope accepts;
            // trees with a static import, by name (every site there is a candidate, as in the walk above).
            var trees = new SortedSet<int>();
            if (scope is null)
            {
                trees.UnionWith(index.Trees(name));
            }
            else if (!scopeFilter)
            {
                AddMentioning(index.Trees(name), tree => facts[tree].SitesNamed(name).Count > 0);
            }
            else
            {
                AddMentioning(index.Qualified(name), tree => facts[tree].QualifiedSitesNamed(name).Count > 0);
                trees.UnionWith(index.UsingStatic);
                foreach (var fullName in scope.FullNames)
                {
                    trees.UnionWith(index.Unqualified(TreeCallSites.UnqualifiedKey(name, 'F', fullName)));
                }

                foreach (var simpleName in scope.SimpleNames)
                {
                    trees.UnionWith(index.Unqualified(TreeCallSites.UnqualifiedKey(name, 'B', simpleName)));
                }

                trees.UnionWith(index.Unqualified(TreeCallSites.UnqualifiedKey(name, 'T', null)));
            }

            var result = new List<SyntaxNode>();
            foreach (var tree in trees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Interlocked.Increment(ref _treesVisited);
                AddCandidates(facts[tree], name, scope, scopeFilter, result);
            }

            return result;

            // The trees of `named` that may name one of the scope's types, walking the smaller side: for each type the
            // shorter of the lists of trees mentioning its name and its namespace's name (AddCandidates checks both).
            void AddMentioning(List<int> named, Func<int, bool> hasSites)
            {
                var lists = new List<List<int>>();
                var mentioning = 0;
                foreach (var (typeName, part) in scope!.Named)
                {
                    var list = index.Mentioning(typeName);
                    if (part is not null && index.Mentioning(part).Count < list.Count)
                    {
                        list = index.Mentioning(part);
                    }

                    lists.Add(list);
                    mentioning += list.Count;
                }

                if (mentioning < named.Count)
                {
                    foreach (var list in lists)
                    {
                        foreach (var tree in list)
                        {
                            Interlocked.Increment(ref _treesVisited);
                            if (hasSites(tree))
                            {
                                trees.Add(tree);
                            }
                        }
                    }

                    return;
                }

                foreach (var tree in named)
                {
                    Interlocked.Increment(ref _treesVisited);
                    if (scope.MayBeNamedIn(facts[tree]))
                    {
                        trees.Add(tree);
                    }
                }
            }
        }

        /// <summary>One tree's candidates for <see cref="CandidateSites"/>, in document order.</summary>
        private void AddCandidates(TreeCallSites facts, string name, RelevantTypeSet? scope, bool scopeFilter, List<SyntaxNode> result)
        {
            var sites = facts.SitesNamed(name);
            if (sites.Count == 0 || (scope is not null && !scope.MayBeNamedIn(facts)))
            {
                return;
            }

            if (!scopeFilter || facts.HasUsingStatic)
            {
                Interlocked.Add(ref _sitesExamined, sites.Count);
                result.AddRange(sites);
                return;
            }

            // Unqualified sites by the keys the scope accepts, merged with the qualified ones in document order.
            var qualified = facts.QualifiedSitesNamed(name);
            if (qualified.Count == sites.Count)
            {
                Interlocked.Add(ref _sitesExamined, sites.Count);
                result.AddRange(sites);
                return;
            }

            var accepted = new HashSet<SyntaxNode>(qualified);
            foreach (var fullName in scope!.FullNames)
            {
                accepted.UnionWith(facts.UnqualifiedSitesAt(TreeCallSites.UnqualifiedKey(name, 'F', fullName)));
            }

            foreach (var simpleName in scope.SimpleNames)
            {
                accepted.UnionWith(facts.UnqualifiedSitesAt(TreeCallSites.UnqualifiedKey(name, 'B', simpleName)));
            }

            accepted.UnionWith(facts.UnqualifiedSitesAt(TreeCallSites.UnqualifiedKey(name, 'T', null)));
            Interlocked.Add(ref _sitesExamined, accepted.Count);
            if (accepted.Count == 0)
            {
                return;
            }

            foreach (var site in sites)
            {
                if (accepted.Contains(site))
                {
                    result.Add(site);
                }
            }
        }

        /// <summary>
        /// The types a caller of <paramref name="method"/> names or sits in: the types declaring it and the members it
        /// implements or overrides, and the types derived from its own (transitively, up to 64).
        /// </summary>
        private RelevantTypeSet RelevantTypes(IMethodSymbol method, HashSet<IMethodSymbol> targets, CancellationToken cancellationToken)
        {
            var types = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
            foreach (var target in targets)
            {
                if (target.ContainingType is { } declaring)
                {
                    types.Add(declaring.OriginalDefinition);
                }
            }

            var complete = true;
            if (method.ContainingType is { } type)
            {
                types.Add(type.OriginalDefinition);
                var pending = new Stack<INamedTypeSymbol>();
                pending.Push(type);
                while (pending.Count > 0)
                {
                    if (types.Count >= 64)
                    {
                        complete = false;
                        break;
                    }

                    foreach (var derived in DirectlyDerived(pending.Pop(), cancellationToken))
                    {
                        if (types.Add(derived))
                        {
                            pending.Push(derived);
                        }
                    }
                }
            }

            var simpleNames = new HashSet<string>(StringComparer.Ordinal);
            var fullNames = new HashSet<string>(StringComparer.Ordinal);
            var named = new List<(string, string?)>();
            var (globalNamespaces, globalAlias) = GlobalImports(cancellationToken);
            foreach (var relevant in types)
            {
                simpleNames.Add(relevant.Name);
                fullNames.Add(TreeCallSites.FullName(relevant));

                // A tree names a type of namespace A.B only by naming B too (a namespace or using directive, a qualified
                // name), unless every tree imports A.B (a global using) or may use an alias declared elsewhere.
                var ns = (relevant.ContainingType is null ? relevant : Outermost(relevant)).ContainingNamespace;
                var part = ns is null || ns.IsGlobalNamespace || globalAlias || globalNamespaces.Contains(ns.ToDisplayString()) ? null : ns.Name;
                named.Add((relevant.Name, part));
            }

            return new RelevantTypeSet(simpleNames, fullNames, named, complete);

            static INamedTypeSymbol Outermost(INamedTypeSymbol nested)
            {
                while (nested.ContainingType is { } outer)
                {
                    nested = outer;
                }

                return nested;
            }
        }

        /// <summary>The namespaces some tree imports for every tree (<c>global using A.B;</c>), and whether any tree declares a global alias. Once per compilation.</summary>
        private (HashSet<string> Namespaces, bool Alias) GlobalImports(CancellationToken cancellationToken)
        {
            var known = _globalImports;
            if (known is not null)
            {
                return (known.Item1, known.Item2);
            }

            var namespaces = new HashSet<string>(StringComparer.Ordinal);
            var alias = false;
            foreach (var facts in Facts(cancellationToken))
            {
                namespaces.UnionWith(facts.GlobalUsingNamespaces);
                alias |= facts.HasGlobalAlias;
            }

            Interlocked.CompareExchange(ref _globalImports, Tuple.Create(namespaces, alias), null);
            return (_globalImports!.Item1, _globalImports.Item2);
        }

        private sealed class RelevantTypeSet
        {
            private readonly List<(string Name, string? NamespacePart)> _named;

            public RelevantTypeSet(HashSet<string> simpleNames, HashSet<string> fullNames, List<(string Name, string? NamespacePart)> named, bool complete)
            {
                SimpleNames = simpleNames;
                FullNames = fullNames;
                _named = named;
                Complete = complete;
            }

            public HashSet<string> SimpleNames { get; }

            public HashSet<string> FullNames { get; }

            /// <summary>Each type's simple name and the innermost name of its namespace (null when a tree need not name it).</summary>
            public IReadOnlyList<(string Name, string? NamespacePart)> Named => _named;

            /// <summary>False when the derived types were cut at the cap: then only the tree filter applies.</summary>
            public bool Complete { get; }

            /// <summary>The tree can name one of the types: it mentions the type's name and (see <see cref="Named"/>) its namespace's.</summary>
            public bool MayBeNamedIn(TreeCallSites facts)
            {
                foreach (var (name, part) in _named)
                {
                    if (facts.Mentions(name) && (part is null || facts.Mentions(part)))
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        private static IMethodSymbol? FirstOrNull(ImmutableArray<IMethodSymbol> members) => members.IsEmpty ? null : members[0];

        private static (IMethodSymbol? Callee, IOperation? Reference) GetCallee(IOperation? operation)
        {
            switch (operation)
            {
                case IInvocationOperation invocation:
                    return (invocation.TargetMethod, null);
                case IObjectCreationOperation creation:
                    return (creation.Constructor, null);
                case IMethodReferenceOperation reference:
                    return (reference.Method, reference);
                case IDelegateCreationOperation { Target: IMethodReferenceOperation reference }:
                    return (reference.Method, reference);
                case IExpressionStatementOperation { Operation: IInvocationOperation initializer }:
                    return (initializer.TargetMethod, null);
                default:
                    return (null, null);
            }
        }

        private bool FollowsDispatch(IMethodSymbol callee, IMethodSymbol method, CancellationToken cancellationToken)
        {
            var service = callee.ContainingType?.OriginalDefinition;
            var implementation = method.ContainingType?.OriginalDefinition;
            if (service is null || implementation is null)
            {
                return false;
            }

            // A visible DI registration decides which implementation an injected interface resolves to.
            if (RegistrationIndex.MayRegister(_compilation, service) && _owner.Registrations.Implementations.TryGetValue(service, out var registered) && !registered.IsEmpty)
            {
                return registered.Contains(implementation);
            }

            return ImplementationCount(service, cancellationToken) <= MaxImplementationsPerDispatch;
        }

        private static bool HasExplicitInitializer(IMethodSymbol constructor, CancellationToken cancellationToken)
        {
            foreach (var reference in constructor.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is ConstructorDeclarationSyntax { Initializer: not null })
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Binds call sites of <paramref name="model"/>'s tree with that model: the one the analyzer driver analyzes the
        /// document with (in the IDE it is the document's own model, not the one <see cref="Compilation.GetSemanticModel(SyntaxTree, bool)"/>
        /// returns), so a method body the driver binds anyway is not bound a second time.
        /// </summary>
        internal void UseModel(SemanticModel? model)
        {
            if (model is not null && !model.IsSpeculativeSemanticModel && ReferenceEquals(model.Compilation, _compilation))
            {
                _models.TryAdd(model.SyntaxTree, model);
            }
        }

        private SemanticModel GetModel(SyntaxTree tree)
#pragma warning disable RS1030 // Call sites of other methods are bound on demand, once per tree, for the reachability questions rules ask.
            => _models.GetOrAdd(tree, t => _compilation.GetSemanticModel(t));
#pragma warning restore RS1030

        /// <summary>
        /// The call sites (invocations, creations, method groups) of the compilation that name <paramref name="name"/>,
        /// unbound: the same syntax index reachability uses, scanned once per tree and shared across compilations.
        /// </summary>
        public IReadOnlyList<SyntaxNode> CallSitesNamed(string name, CancellationToken cancellationToken)
        {
            var result = new List<SyntaxNode>();
            var facts = Facts(cancellationToken);
            foreach (var tree in TreesWith(facts, index => index.Trees(name), cancellationToken))
            {
                Interlocked.Increment(ref _treesVisited);
                result.AddRange(facts[tree].SitesNamed(name));
            }

            return result;
        }

        /// <summary>The syntax facts of every tree, in the compilation's order: looked up once per compilation (each tree scanned once, ever).</summary>
        private ImmutableArray<TreeCallSites> Facts(CancellationToken cancellationToken)
        {
            var facts = _facts;
            if (facts.IsDefault)
            {
                var builder = ImmutableArray.CreateBuilder<TreeCallSites>();
                foreach (var tree in _compilation.SyntaxTrees)
                {
                    builder.Add(TreeCallSites.Of(tree, cancellationToken));
                }

                ImmutableInterlocked.InterlockedInitialize(ref _facts, builder.ToImmutable());
                facts = _facts;
            }

            return facts;
        }

        /// <summary>A <c>global using static</c> anywhere makes an unqualified name in any tree able to bind to the imported type.</summary>
        private bool AnyGlobalUsingStatic(CancellationToken cancellationToken)
        {
            if (_globalUsingStatic == 0)
            {
                var any = false;
                foreach (var facts in Facts(cancellationToken))
                {
                    if (facts.HasGlobalUsingStatic)
                    {
                        any = true;
                        break;
                    }
                }

                Interlocked.CompareExchange(ref _globalUsingStatic, any ? 2 : 1, 0);
            }

            return _globalUsingStatic == 2;
        }

        /// <summary>The source types whose base type is <paramref name="type"/>: found by the name in their base lists, then bound (declarations only).</summary>
        private ImmutableArray<INamedTypeSymbol> DirectlyDerived(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            type = type.OriginalDefinition;
            if (_derived.TryGetValue(type, out var known))
            {
                return known;
            }

            var builder = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
            var seen = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
            foreach (var (candidate, _) in DeclaredTypesNaming(type.Name, cancellationToken))
            {
                if (candidate.TypeKind is TypeKind.Class or TypeKind.Struct
                    && SymbolEqualityComparer.Default.Equals(candidate.BaseType?.OriginalDefinition, type)
                    && seen.Add(candidate))
                {
                    builder.Add(candidate);
                }
            }

            return _derived.GetOrAdd(type, builder.ToImmutable());
        }

        /// <summary>
        /// How many source classes and structs implement or derive from <paramref name="service"/> (counting itself when
        /// it is a concrete class), exact up to one past <see cref="MaxImplementationsPerDispatch"/>. For a source type:
        /// the types whose base lists name it, then those naming them, bound one declaration at a time. A type from
        /// metadata may be implemented through metadata bases no base list names, so it asks the full type index.
        /// </summary>
        private int ImplementationCount(INamedTypeSymbol service, CancellationToken cancellationToken)
        {
            service = service.OriginalDefinition;
            if (_implementationCounts.TryGetValue(service, out var known))
            {
                return known;
            }

            int count;
            if (!IsInSource(service))
            {
                count = GetTypeIndex(cancellationToken).ImplementationCount(service);
            }
            else
            {
                count = service.TypeKind == TypeKind.Class && !service.IsAbstract ? 1 : 0;
                var seen = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default) { service };
                var queued = new HashSet<string>(StringComparer.Ordinal) { service.Name };
                var names = new Queue<string>();
                names.Enqueue(service.Name);
                while (names.Count > 0 && count <= MaxImplementationsPerDispatch)
                {
                    foreach (var (candidate, _) in DeclaredTypesNaming(names.Dequeue(), cancellationToken))
                    {
                        if (!seen.Add(candidate) || !DerivesFrom(candidate, service))
                        {
                            continue;
                        }

                        if (candidate.TypeKind is TypeKind.Class or TypeKind.Struct && ++count > MaxImplementationsPerDispatch)
                        {
                            break;
                        }

                        if (queued.Add(candidate.Name))
                        {
                            names.Enqueue(candidate.Name);
                        }
                    }
                }
            }

            return _implementationCounts.GetOrAdd(service, count);
        }

        private static bool DerivesFrom(INamedTypeSymbol type, INamedTypeSymbol service)
        {
            if (service.TypeKind == TypeKind.Interface)
            {
                foreach (var @interface in type.AllInterfaces)
                {
                    if (SymbolEqualityComparer.Default.Equals(@interface.OriginalDefinition, service))
                    {
                        return true;
                    }
                }

                return false;
            }

            for (var baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(baseType.OriginalDefinition, service))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The source types declared with <paramref name="baseName"/> in their base list (each declaration bound to its symbol).</summary>
        private IEnumerable<(INamedTypeSymbol Type, BaseTypeDeclarationSyntax Declaration)> DeclaredTypesNaming(string baseName, CancellationToken cancellationToken)
        {
            var all = Facts(cancellationToken);
            foreach (var tree in TreesWith(all, index => index.Deriving(baseName), cancellationToken))
            {
                Interlocked.Increment(ref _treesVisited);
                foreach (var declaration in all[tree].DeclarationsDerivingFrom(baseName))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (GetModel(declaration.SyntaxTree).GetDeclaredSymbol(declaration, cancellationToken) is INamedTypeSymbol type)
                    {
                        yield return (type, declaration);
                    }
                }
            }
        }

        private static bool IsInSource(INamedTypeSymbol type)
        {
            foreach (var location in type.Locations)
            {
                if (location.IsInSource)
                {
                    return true;
                }
            }

            return false;
        }

        private TypeIndex GetTypeIndex(CancellationToken cancellationToken)
        {
            var types = _types;
            if (types is not null)
            {
                return types;
            }

            lock (_gate)
            {
                return _types ??= TypeIndex.Build(_compilation, cancellationToken);
            }
        }

        /// <summary>For one question: every tree while few were asked, then the trees the index lists for it.</summary>
        private IEnumerable<int> TreesWith(ImmutableArray<TreeCallSites> facts, Func<FactsIndex, List<int>> lookup, CancellationToken cancellationToken)
            => IndexForNextQuestion(facts, cancellationToken) is { } index ? lookup(index) : Enumerable.Range(0, facts.Length);

        /// <summary>Counts a question; past <see cref="QuestionsBeforeIndex"/> of them, the index (built on the first such call).</summary>
        private FactsIndex? IndexForNextQuestion(ImmutableArray<TreeCallSites> facts, CancellationToken cancellationToken)
            => Interlocked.Increment(ref _questions) > QuestionsBeforeIndex ? GetFactsIndex(facts, cancellationToken) : null;

        private FactsIndex GetFactsIndex(ImmutableArray<TreeCallSites> facts, CancellationToken cancellationToken)
        {
            var index = _factsIndex;
            if (index is not null)
            {
                return index;
            }

            lock (_gate)
            {
                return _factsIndex ??= FactsIndex.Build(facts, cancellationToken);
            }
        }

        /// <summary>
        /// Which trees (by position in the compilation) hold call sites of a name, sites of a name with a receiver,
        /// unqualified sites under a <see cref="TreeCallSites.UnqualifiedKey"/>, type declarations naming a base, a
        /// mention of a simple name, and a static import. Built once per compilation from the per-tree facts, in one pass over them.
        /// </summary>
        private sealed class FactsIndex
        {
            private static readonly List<int> None = new List<int>();
            private readonly Dictionary<string, List<int>> _byName = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            private readonly Dictionary<string, List<int>> _qualified = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            private readonly Dictionary<string, List<int>> _unqualified = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            private readonly Dictionary<string, List<int>> _deriving = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            private readonly Dictionary<string, List<int>> _mentioning = new Dictionary<string, List<int>>(StringComparer.Ordinal);

            public List<int> UsingStatic { get; } = new List<int>();

            public List<int> Trees(string name) => _byName.TryGetValue(name, out var trees) ? trees : None;

            public List<int> Qualified(string name) => _qualified.TryGetValue(name, out var trees) ? trees : None;

            public List<int> Unqualified(string key) => _unqualified.TryGetValue(key, out var trees) ? trees : None;

            public List<int> Deriving(string baseName) => _deriving.TryGetValue(baseName, out var trees) ? trees : None;

            public List<int> Mentioning(string simpleName) => _mentioning.TryGetValue(simpleName, out var trees) ? trees : None;

            public static FactsIndex Build(ImmutableArray<TreeCallSites> facts, CancellationToken cancellationToken)
            {
                var index = new FactsIndex();
                for (var i = 0; i < facts.Length; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var tree = facts[i];
                    Add(index._byName, tree.SiteNames, i);
                    Add(index._qualified, tree.QualifiedNames, i);
                    Add(index._unqualified, tree.UnqualifiedKeys, i);
                    Add(index._deriving, tree.BaseNames, i);
                    Add(index._mentioning, tree.MentionedNames, i);
                    if (tree.HasUsingStatic)
                    {
                        index.UsingStatic.Add(i);
                    }
                }

                return index;
            }

            private static void Add(Dictionary<string, List<int>> map, IEnumerable<string> keys, int tree)
            {
                foreach (var key in keys)
                {
                    if (!map.TryGetValue(key, out var trees))
                    {
                        map[key] = trees = new List<int>();
                    }

                    trees.Add(tree);
                }
            }
        }

        private readonly struct BoundCall
        {
            public BoundCall(IOperation operation, IOperation? reference)
            {
                Operation = operation;
                Reference = reference;
            }

            /// <summary>The call, creation or delegate creation.</summary>
            public IOperation Operation { get; }

            /// <summary>The method reference, when the site names a method group rather than calling it.</summary>
            public IOperation? Reference { get; }
        }

        private readonly struct CallerEdge
        {
            public CallerEdge(IMethodSymbol? caller, HandlerCode? code)
            {
                Caller = caller;
                Code = code;
            }

            /// <summary>The method whose body holds the call site (for a root: where the unit of work's code is).</summary>
            public IMethodSymbol? Caller { get; }

            /// <summary>Set when the call site itself runs per unit of work: the search ends here.</summary>
            public HandlerCode? Code { get; }
        }

        /// <summary>
        /// The source types of the compilation: which derive from or implement which. A walk over every source type's
        /// bases: asked only how many implement a type from metadata (a source type is answered by its base-list names).
        /// </summary>
        private sealed class TypeIndex
        {
            private readonly Dictionary<ISymbol, int> _implementations;

            private TypeIndex(Dictionary<ISymbol, int> implementations) => _implementations = implementations;

            /// <summary>How many source types implement (or derive from) <paramref name="type"/>, counting itself when it is a concrete class.</summary>
            public int ImplementationCount(INamedTypeSymbol type)
                => (_implementations.TryGetValue(type, out var count) ? count : 0) + (type.TypeKind == TypeKind.Class && !type.IsAbstract ? 1 : 0);

            public static TypeIndex Build(Compilation compilation, CancellationToken cancellationToken)
            {
                var implementations = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
                var pending = new Stack<INamespaceOrTypeSymbol>();
                pending.Push(compilation.Assembly.GlobalNamespace);
                while (pending.Count > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var current = pending.Pop();
                    if (current is INamespaceSymbol ns)
                    {
                        foreach (var member in ns.GetMembers())
                        {
                            pending.Push(member);
                        }

                        continue;
                    }

                    if (current is not INamedTypeSymbol type)
                    {
                        continue;
                    }

                    foreach (var nested in type.GetTypeMembers())
                    {
                        pending.Push(nested);
                    }

                    if (type.TypeKind != TypeKind.Class && type.TypeKind != TypeKind.Struct)
                    {
                        continue;
                    }

                    foreach (var @interface in type.AllInterfaces)
                    {
                        var key = @interface.OriginalDefinition;
                        implementations[key] = implementations.TryGetValue(key, out var count) ? count + 1 : 1;
                    }

                    for (var baseType = type.BaseType; baseType is not null && baseType.SpecialType != SpecialType.System_Object; baseType = baseType.BaseType)
                    {
                        var key = baseType.OriginalDefinition;
                        implementations[key] = implementations.TryGetValue(key, out var count) ? count + 1 : 1;
                    }
                }

                return new TypeIndex(implementations);
            }
        }
    }

    internal enum ReachRootKind
    {
        /// <summary>A call in an entry point's body (or a lambda or method registered as a handler).</summary>
        EntryPoint,

        /// <summary>A call in a worker loop's body.</summary>
        WorkerLoop,

        /// <summary>The constructor of a type created per unit of work (registered as scoped or transient, a per-invocation handler).</summary>
        Created,
    }

    /// <summary>How per-unit-of-work code reaches a method: the root, and the methods called on the way.</summary>
    public sealed class ReachPath
    {
        private readonly ReachRootKind _rootKind;
        private readonly IMethodSymbol? _rootMember;
        private readonly string? _createdPer;
        private readonly string? _createdWhy;

        internal ReachPath(IMethodSymbol target, ImmutableArray<IMethodSymbol> via, ReachRootKind rootKind, HandlerEntryPoint? entryPoint, IMethodSymbol? rootMember, string? createdPer, string? createdWhy)
        {
            Target = target;
            Via = via;
            _rootKind = rootKind;
            EntryPoint = entryPoint;
            _rootMember = rootMember;
            _createdPer = createdPer;
            _createdWhy = createdWhy;
        }

        /// <summary>The method (or constructor) reached.</summary>
        public IMethodSymbol Target { get; }

        /// <summary>The methods called between the unit of work and <see cref="Target"/>, from the unit of work's side.</summary>
        public ImmutableArray<IMethodSymbol> Via { get; }

        /// <summary>The entry point whose unit of work reaches the target, when the root is one.</summary>
        public HandlerEntryPoint? EntryPoint { get; }

        /// <summary>Calls from the unit of work to the target.</summary>
        public int Calls => Via.Length + (_rootKind == ReachRootKind.Created ? 0 : 1);

        /// <summary>Words for a message: <c>in 'WebhookSender.SendAsync', called per message from RabbitMQ 'ReceivedAsync' handler in 'EventBus.Start' via 'OrderPaidHandler.Handle'</c>.</summary>
        public string Describe()
        {
            var where = "in " + Name(Target);
            string from;
            switch (_rootKind)
            {
                case ReachRootKind.Created when _rootMember is not null && SymbolEqualityComparer.Default.Equals(_rootMember.OriginalDefinition, Target.OriginalDefinition):
                    return where + ", created per " + _createdPer + " (" + _createdWhy + ")";
                case ReachRootKind.Created:
                    from = ", called per " + _createdPer + " from " + Name(_rootMember) + " (" + _createdWhy + ")";
                    break;
                case ReachRootKind.WorkerLoop:
                    from = ", called in every iteration of a worker loop of " + (EntryPoint?.Name ?? Name(_rootMember));
                    break;
                default:
                    from = ", called per " + (EntryPoint is null ? "unit of work" : UnitOf(EntryPoint.Framework)) + " from " + RootName();
                    break;
            }

            return where + from + ViaText();
        }

        internal static string UnitOf(HandlerFramework framework)
        {
            switch (framework)
            {
                case HandlerFramework.Quartz:
                case HandlerFramework.Hangfire:
                case HandlerFramework.Coravel:
                    return "job";
                case HandlerFramework.Timers:
                    return "tick";
                case HandlerFramework.MediatR:
                case HandlerFramework.Mediator:
                    return "request";
                case HandlerFramework.Channels:
                    return "item";
                case HandlerFramework.Hosting:
                    return "work item";
                case HandlerFramework.Custom:
                case HandlerFramework.AzureFunctions:
                case HandlerFramework.Orleans:
                    return "invocation";
                default:
                    return "message";
            }
        }

        private string RootName()
        {
            if (EntryPoint is null)
            {
                return Name(_rootMember);
            }

            // A lambda or method registered as a handler: say where it is registered.
            return _rootMember is not null && EntryPoint.Name.IndexOf("'" + _rootMember.ContainingType?.Name + "." + _rootMember.Name + "'", StringComparison.Ordinal) < 0
                ? EntryPoint.Name + " in " + Name(_rootMember)
                : EntryPoint.Name;
        }

        private string ViaText()
        {
            if (Via.IsEmpty)
            {
                return string.Empty;
            }

            var text = " via ";
            for (var i = 0; i < Via.Length; i++)
            {
                text += (i == 0 ? string.Empty : i == Via.Length - 1 ? " and " : ", ") + Name(Via[i]);
            }

            return text;
        }

        private static string Name(IMethodSymbol? method)
        {
            if (method is null)
            {
                return "handler code";
            }

            var type = method.ContainingType?.Name ?? string.Empty;
            return method.MethodKind == MethodKind.Constructor ? "the constructor of '" + type + "'" : "'" + type + "." + method.Name + "'";
        }
    }
}
