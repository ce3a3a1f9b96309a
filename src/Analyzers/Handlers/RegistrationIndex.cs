using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>
    /// Facts that only registration call sites elsewhere in the compilation can tell: which types are registered as
    /// singletons (a per-invocation handler registered with <c>AddSingleton</c> becomes long-lived), which methods
    /// Hangfire expressions name as jobs, and Mediator's configured lifetime.
    /// Built lazily, at most once per compilation, and only when a rule asks: trees are pre-filtered by text, and
    /// only the matching invocations are bound.
    /// </summary>
    /// <summary>A DI lifetime, as <c>Microsoft.Extensions.DependencyInjection.ServiceLifetime</c> names them.</summary>
    public enum ServiceLifetimeKind
    {
        Singleton,
        Scoped,
        Transient,
    }

    /// <summary>One registration call the compilation makes.</summary>
    public sealed class ServiceRegistration
    {
        public ServiceRegistration(INamedTypeSymbol service, INamedTypeSymbol? implementation, ServiceLifetimeKind lifetime, bool constructedByContainer, bool keyed, bool hosted, InvocationExpressionSyntax syntax, LambdaExpressionSyntax? factory)
        {
            Service = service;
            Implementation = implementation;
            Lifetime = lifetime;
            ConstructedByContainer = constructedByContainer;
            Keyed = keyed;
            Hosted = hosted;
            Syntax = syntax;
            Factory = factory;
        }

        /// <summary>The service type (original definition).</summary>
        public INamedTypeSymbol Service { get; }

        /// <summary>The implementation class (original definition), when the registration names or returns one.</summary>
        public INamedTypeSymbol? Implementation { get; }

        public ServiceLifetimeKind Lifetime { get; }

        /// <summary>True when the container calls the implementation's constructor (not a factory, not an instance).</summary>
        public bool ConstructedByContainer { get; }

        public bool Keyed { get; }

        /// <summary>AddHostedService: a singleton the host starts.</summary>
        public bool Hosted { get; }

        /// <summary>The registration call.</summary>
        public InvocationExpressionSyntax Syntax { get; }

        /// <summary>The factory lambda, for a factory registration.</summary>
        public LambdaExpressionSyntax? Factory { get; }
    }

    internal sealed class RegistrationIndex
    {
        private static readonly string[] Triggers =
        {
            "AddSingleton", "TryAddSingleton", "Enqueue", "Schedule", "AddOrUpdate", "ContinueJobWith", "FromExpression", "AddMediator",
            "AddScoped", "TryAddScoped", "AddDbContext", "AddDbContextPool",
            "AddTransient", "TryAddTransient", "AddHostedService",
            "AddKeyedSingleton", "TryAddKeyedSingleton", "AddKeyedScoped", "TryAddKeyedScoped", "AddKeyedTransient", "TryAddKeyedTransient",
            "GetGrain",
        };

        /// <summary>The triggers that only Hangfire job clients answer.</summary>
        private static readonly string[] HangfireTriggers = { "Enqueue", "Schedule", "AddOrUpdate", "ContinueJobWith", "FromExpression" };

        // Per syntax tree, the invocations whose name is a trigger: syntax only, so every compilation that shares the
        // tree shares the answer (in the IDE each edit makes a new compilation and keeps every other tree: only the
        // edited document is scanned again). Weakly keyed, nothing outlives the tree.
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SyntaxTree, Candidates> PerTree =
            new System.Runtime.CompilerServices.ConditionalWeakTable<SyntaxTree, Candidates>();

        private sealed class Candidates
        {
            public static readonly Candidates None = new Candidates(ImmutableArray<(InvocationExpressionSyntax, string)>.Empty, null, false);

            public Candidates(ImmutableArray<(InvocationExpressionSyntax Invocation, string Name)> calls, HashSet<string>? names, bool opaque)
            {
                Calls = calls;
                Names = names;
                Opaque = opaque;
            }

            public ImmutableArray<(InvocationExpressionSyntax Invocation, string Name)> Calls { get; }

            /// <summary>The simple names written inside the tree's DI lifetime registrations (null when it has none).</summary>
            public HashSet<string>? Names { get; }

            /// <summary>
            /// A registration of the tree may register a type it does not name (an instance, a factory returning what
            /// a call returns, an alias), or the tree declares a global alias: <see cref="Names"/> cannot rule a type out.
            /// </summary>
            public bool Opaque { get; }
        }

        private static ImmutableArray<(InvocationExpressionSyntax Invocation, string Name)> CandidatesOf(SyntaxTree tree) => CandidateFacts(tree).Calls;

        private static Candidates CandidateFacts(SyntaxTree tree) => PerTree.GetValue(tree, FindCandidates);

        private static Candidates FindCandidates(SyntaxTree tree)
        {
            if (!tree.TryGetText(out var text))
            {
                text = tree.GetText();
            }

            var content = text.ToString();
            var any = false;
            foreach (var trigger in Triggers)
            {
                if (content.IndexOf(trigger, StringComparison.Ordinal) >= 0)
                {
                    any = true;
                    break;
                }
            }

            if (!any)
            {
                // A global alias lets every tree register a type under another name.
                return content.IndexOf("global using", StringComparison.Ordinal) >= 0 && HasAlias(tree.GetRoot(), globalOnly: true)
                    ? new Candidates(ImmutableArray<(InvocationExpressionSyntax, string)>.Empty, null, opaque: true)
                    : Candidates.None;
            }

            var calls = ImmutableArray.CreateBuilder<(InvocationExpressionSyntax, string)>();
            HashSet<string>? names = null;
            var opaque = false;
            var root = tree.GetRoot();
            foreach (var node in root.DescendantNodes())
            {
                if (node is InvocationExpressionSyntax invocation && GetName(invocation.Expression) is { } name && Array.IndexOf(Triggers, name) >= 0)
                {
                    calls.Add((invocation, name));
                    if (RegistrationLifetime(name) is not null)
                    {
                        names ??= new HashSet<string>(StringComparer.Ordinal);
                        opaque |= !NamesWhatItRegisters(invocation, names);
                    }
                }
            }

            opaque |= names is not null && HasAlias(root, globalOnly: false);
            return new Candidates(calls.ToImmutable(), names, opaque);
        }

        /// <summary>
        /// Adds the simple names written in a lifetime registration to <paramref name="names"/>; false when what it
        /// registers (service or implementation) may be a type it does not name: an argument other than a <c>typeof</c>,
        /// a literal, a <c>new T(…)</c> or a factory lambda returning <c>new T(…)</c> or <c>GetService&lt;T&gt;()</c>
        /// (an instance, a factory returning what a call returns), or a keyword type.
        /// </summary>
        private static bool NamesWhatItRegisters(InvocationExpressionSyntax invocation, HashSet<string> names)
        {
            var named = true;
            foreach (var node in invocation.DescendantNodes())
            {
                if (node is SimpleNameSyntax simple)
                {
                    names.Add(simple.Identifier.ValueText);
                }
                else if (node is PredefinedTypeSyntax)
                {
                    named = false; // `AddSingleton<string>`: the type's name (String) is not written
                }
            }

            if (!named)
            {
                return false;
            }

            foreach (var argument in invocation.ArgumentList.Arguments)
            {
                var written = argument.Expression switch
                {
                    TypeOfExpressionSyntax or LiteralExpressionSyntax => true,
                    ObjectCreationExpressionSyntax => true,
                    LambdaExpressionSyntax { Body: ObjectCreationExpressionSyntax } => true,
                    LambdaExpressionSyntax { Body: InvocationExpressionSyntax { Expression: GenericNameSyntax or MemberAccessExpressionSyntax { Name: GenericNameSyntax } } } => true,
                    _ => false,
                };

                if (!written)
                {
                    return false;
                }
            }

            return true;
        }

        private static bool HasAlias(SyntaxNode root, bool globalOnly)
        {
            foreach (var node in root.DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax))
            {
                if (node is UsingDirectiveSyntax { Alias: not null } directive && (!globalOnly || directive.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword)))
                {
                    return true;
                }
            }

            return false;
        }

        // Per compilation: the names every tree's registrations write (syntax only, from the per-tree facts above).
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Compilation, RegisteredNames> PerCompilation =
            new System.Runtime.CompilerServices.ConditionalWeakTable<Compilation, RegisteredNames>();

        private sealed class RegisteredNames
        {
            public RegisteredNames(HashSet<string>? names) => Names = names;

            /// <summary>Null when some registration may register a type it does not name: then nothing is ruled out.</summary>
            public HashSet<string>? Names { get; }
        }

        /// <summary>
        /// False only when no DI lifetime registration of the compilation (AddSingleton/AddScoped/AddTransient, TryAdd*,
        /// keyed, AddHostedService, AddDbContext) can register <paramref name="type"/>: none writes its simple name, and
        /// each names what it registers. Syntax only, from per-tree facts shared across compilations, so a rule can ask it
        /// before the first question that would build the index (which binds every registration call of the
        /// compilation): a constructor whose parameters no registration names then costs no binding at all.
        /// </summary>
        public static bool MayRegister(Compilation compilation, ITypeSymbol? type)
        {
            if (type is not INamedTypeSymbol named)
            {
                return false;
            }

            var names = PerCompilation.GetValue(compilation, BuildNames).Names;
            return names is null || names.Contains(named.Name);
        }

        private static RegisteredNames BuildNames(Compilation compilation)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tree in compilation.SyntaxTrees)
            {
                var facts = CandidateFacts(tree);
                if (facts.Opaque)
                {
                    return new RegisteredNames(null);
                }

                if (facts.Names is not null)
                {
                    names.UnionWith(facts.Names);
                }
            }

            return new RegisteredNames(names);
        }

        private RegistrationIndex(
            ImmutableHashSet<ISymbol> singletons,
            ImmutableHashSet<ISymbol> scoped,
            ImmutableHashSet<ISymbol> hangfireJobs,
            HandlerLifetime? mediatorLifetime,
            ImmutableArray<ServiceRegistration> registrations,
            ImmutableDictionary<ISymbol, ImmutableHashSet<string>> grainKeys,
            ImmutableDictionary<ISymbol, ImmutableArray<INamedTypeSymbol>> scopedConstructions)
        {
            Singletons = singletons;
            Scoped = scoped;
            _scopedConstructions = scopedConstructions;
            HangfireJobs = hangfireJobs;
            MediatorLifetime = mediatorLifetime;
            Registrations = registrations;
            GrainKeys = grainKeys;
            var byService = new Dictionary<ISymbol, ImmutableArray<ServiceRegistration>.Builder>(SymbolEqualityComparer.Default);
            var byImplementation = new Dictionary<ISymbol, ImmutableArray<ServiceRegistration>.Builder>(SymbolEqualityComparer.Default);
            foreach (var registration in registrations)
            {
                Add(byService, registration.Service, registration);
                if (registration.Implementation is not null)
                {
                    Add(byImplementation, registration.Implementation, registration);
                }
            }

            ByService = byService.ToImmutableDictionary(p => p.Key, p => p.Value.ToImmutable(), SymbolEqualityComparer.Default);
            ByImplementation = byImplementation.ToImmutableDictionary(p => p.Key, p => p.Value.ToImmutable(), SymbolEqualityComparer.Default);

            // What reachability asks: the types created per resolution, and the implementations registered for a service.
            var transient = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
            var implementations = new Dictionary<ISymbol, ImmutableHashSet<ISymbol>.Builder>(SymbolEqualityComparer.Default);
            foreach (var registration in registrations)
            {
                if (registration.Lifetime == ServiceLifetimeKind.Transient)
                {
                    transient.Add(registration.Service);
                    if (registration.Implementation is not null)
                    {
                        transient.Add(registration.Implementation);
                    }
                }

                if (registration.Implementation is not null && !SymbolEqualityComparer.Default.Equals(registration.Service, registration.Implementation))
                {
                    if (!implementations.TryGetValue(registration.Service, out var set))
                    {
                        implementations[registration.Service] = set = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
                    }

                    set.Add(registration.Implementation);
                }
            }

            Transient = transient.ToImmutable();
            Implementations = implementations.ToImmutableDictionary(p => p.Key, p => p.Value.ToImmutable(), SymbolEqualityComparer.Default);

            static void Add(Dictionary<ISymbol, ImmutableArray<ServiceRegistration>.Builder> map, ISymbol key, ServiceRegistration value)
            {
                if (!map.TryGetValue(key, out var list))
                {
                    map[key] = list = ImmutableArray.CreateBuilder<ServiceRegistration>();
                }

                list.Add(value);
            }
        }

        /// <summary>Service and implementation types (original definitions) registered as transient (AddTransient, keyed, TryAdd…).</summary>
        public ImmutableHashSet<ISymbol> Transient { get; }

        /// <summary>Per service type (original definition), the implementation types the compilation registers for it.</summary>
        public ImmutableDictionary<ISymbol, ImmutableHashSet<ISymbol>> Implementations { get; }

        /// <summary>Every DI registration the compilation makes (AddSingleton/AddScoped/AddTransient, TryAdd*, keyed, AddHostedService, AddDbContext).</summary>
        public ImmutableArray<ServiceRegistration> Registrations { get; }

        /// <summary>Registrations by service type (original definition: an open generic registration and its closed uses share one key).</summary>
        public ImmutableDictionary<ISymbol, ImmutableArray<ServiceRegistration>> ByService { get; }

        /// <summary>Registrations by implementation type (original definition), when the registration names one.</summary>
        public ImmutableDictionary<ISymbol, ImmutableArray<ServiceRegistration>> ByImplementation { get; }

        /// <summary>
        /// Orleans: per grain interface (original definition) the keys that <c>GetGrain&lt;T&gt;(key)</c> calls pass — the
        /// constant's text, or <see cref="DynamicGrainKey"/> for a key computed at run time.
        /// </summary>
        public ImmutableDictionary<ISymbol, ImmutableHashSet<string>> GrainKeys { get; }

        public const string DynamicGrainKey = "\0dynamic";

        /// <summary>Types (original definitions) the compilation registers with a singleton lifetime.</summary>
        public ImmutableHashSet<ISymbol> Singletons { get; }

        /// <summary>Service and implementation types (original definitions) registered as scoped (AddScoped, AddDbContext…).</summary>
        public ImmutableHashSet<ISymbol> Scoped { get; }

        // Per scoped type (original definition), the types as the scoped registrations wrote them (`Bind<IBus, ISendEndpointProvider>`).
        private readonly ImmutableDictionary<ISymbol, ImmutableArray<INamedTypeSymbol>> _scopedConstructions;

        /// <summary>
        /// Whether <paramref name="type"/> is registered as scoped. A closed generic is scoped only when a scoped
        /// registration names that construction (or an open generic one): `AddScoped(_ =&gt; Bind&lt;IBus&gt;.Create(sendEndpoint))`
        /// makes `Bind&lt;IBus, ISendEndpointProvider&gt;` scoped, not the `Bind&lt;IBus, IBusInstance&gt;` a singleton registers
        /// (MassTransit, docs/real-code.md). A type parameter in either matches any type that meets its constraints.
        /// </summary>
        public bool IsScopedRegistration(INamedTypeSymbol type)
        {
            if (!Scoped.Contains(type.OriginalDefinition))
            {
                return false;
            }

            if (!type.IsGenericType || type.IsUnboundGenericType || !_scopedConstructions.TryGetValue(type.OriginalDefinition, out var written))
            {
                return true;
            }

            foreach (var registered in written)
            {
                if (registered.IsUnboundGenericType || ConstructionsMatch(registered, type))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool ConstructionsMatch(INamedTypeSymbol left, INamedTypeSymbol right)
        {
            if (left.TypeArguments.Length != right.TypeArguments.Length)
            {
                return false;
            }

            for (var i = 0; i < left.TypeArguments.Length; i++)
            {
                if (!ArgumentsMatch(left.TypeArguments[i], right.TypeArguments[i], 0))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool ArgumentsMatch(ITypeSymbol left, ITypeSymbol right, int depth)
        {
            if (SymbolEqualityComparer.Default.Equals(left, right) || depth > 4)
            {
                return true;
            }

            if (left is ITypeParameterSymbol || right is ITypeParameterSymbol)
            {
                return (left is ITypeParameterSymbol && right is ITypeParameterSymbol)
                    || (left is ITypeParameterSymbol p && MeetsConstraints(right, p))
                    || (right is ITypeParameterSymbol q && MeetsConstraints(left, q));
            }

            if (left is INamedTypeSymbol { IsGenericType: true } l && right is INamedTypeSymbol { IsGenericType: true } r
                && SymbolEqualityComparer.Default.Equals(l.OriginalDefinition, r.OriginalDefinition))
            {
                for (var i = 0; i < l.TypeArguments.Length; i++)
                {
                    if (!ArgumentsMatch(l.TypeArguments[i], r.TypeArguments[i], depth + 1))
                    {
                        return false;
                    }
                }

                return true;
            }

            return false;
        }

        private static bool MeetsConstraints(ITypeSymbol type, ITypeParameterSymbol parameter)
        {
            foreach (var constraint in parameter.ConstraintTypes)
            {
                if (constraint is ITypeParameterSymbol || constraint.TypeKind == TypeKind.Error)
                {
                    continue;
                }

                var satisfied = false;
                for (var current = type; current is not null && !satisfied; current = current.BaseType)
                {
                    satisfied = SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, constraint.OriginalDefinition);
                }

                foreach (var @interface in type.AllInterfaces)
                {
                    satisfied = satisfied || SymbolEqualityComparer.Default.Equals(@interface.OriginalDefinition, constraint.OriginalDefinition);
                }

                if (!satisfied)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Methods (original definitions) that Hangfire job expressions name.</summary>
        public ImmutableHashSet<ISymbol> HangfireJobs { get; }

        /// <summary>The lifetime that <c>AddMediator(o =&gt; o.ServiceLifetime = …)</c> sets, if any.</summary>
        public HandlerLifetime? MediatorLifetime { get; }

        public static RegistrationIndex Build(Compilation compilation, ImmutableArray<INamedTypeSymbol> hangfireClients)
        {
            var singletons = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
            var scoped = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
            var jobs = ImmutableHashSet.CreateBuilder<ISymbol>(SymbolEqualityComparer.Default);
            HandlerLifetime? mediatorLifetime = null;
            var registrations = ImmutableArray.CreateBuilder<ServiceRegistration>();
            var grainKeys = new Dictionary<ISymbol, HashSet<string>>(SymbolEqualityComparer.Default);
            var scopedConstructions = new Dictionary<ISymbol, ImmutableArray<INamedTypeSymbol>.Builder>(SymbolEqualityComparer.Default);

            foreach (var tree in compilation.SyntaxTrees)
            {
                SemanticModel? model = null;
                foreach (var (invocation, name) in CandidatesOf(tree))
                {
                    if (hangfireClients.IsEmpty && Array.IndexOf(HangfireTriggers, name) >= 0)
                    {
                        continue; // Hangfire is not referenced: its job-expression calls are not bound
                    }

#pragma warning disable RS1030 // Bound once per compilation, lazily, only for pre-filtered registration calls.
                    model ??= compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
                    Infrastructure.WorkCounters.Of(tree).RegistrationCallBound(); // for tests: the index is built only when needed
                    if (model.GetSymbolInfo(invocation).Symbol is not IMethodSymbol method)
                    {
                        continue;
                    }

                    if (name == "GetGrain")
                    {
                        AddGrainKey(model, invocation, method, grainKeys);
                        continue;
                    }

                    var lifetime = RegistrationLifetime(name);
                    if (lifetime is not null && ReadRegistration(model, invocation, method, lifetime.Value) is { } registration)
                    {
                        registrations.Add(registration);
                        if (registration.Lifetime == ServiceLifetimeKind.Singleton && registration.Implementation is not null)
                        {
                            singletons.Add(registration.Implementation);
                        }
                    }

                    if (name == "AddSingleton" || name == "TryAddSingleton" || name == "AddKeyedSingleton" || name == "TryAddKeyedSingleton" || name == "AddHostedService")
                    {
                        AddRegisteredTypes(model, invocation, method, singletons, allTypeArguments: false);
                    }
                    else if (name == "AddScoped" || name == "TryAddScoped" || name == "AddKeyedScoped" || name == "TryAddKeyedScoped" || name == "AddDbContext" || name == "AddDbContextPool")
                    {
                        AddRegisteredTypes(model, invocation, method, scoped, allTypeArguments: true, scopedConstructions);
                    }
                    else if (name == "AddMediator")
                    {
                        mediatorLifetime = ReadMediatorLifetime(invocation) ?? mediatorLifetime;
                    }
                    else if (IsHangfireClient(method, hangfireClients))
                    {
                        AddHangfireJobs(model, invocation, jobs);
                    }
                }
            }

            return new RegistrationIndex(
                singletons.ToImmutable(),
                scoped.ToImmutable(),
                jobs.ToImmutable(),
                mediatorLifetime,
                registrations.ToImmutable(),
                grainKeys.ToImmutableDictionary(p => p.Key, p => p.Value.ToImmutableHashSet(StringComparer.Ordinal), SymbolEqualityComparer.Default),
                scopedConstructions.ToImmutableDictionary(p => p.Key, p => p.Value.ToImmutable(), SymbolEqualityComparer.Default));
        }

        private static ServiceLifetimeKind? RegistrationLifetime(string name)
        {
            if (name.EndsWith("Singleton", StringComparison.Ordinal) || name == "AddHostedService")
            {
                return ServiceLifetimeKind.Singleton;
            }

            if (name.EndsWith("Scoped", StringComparison.Ordinal) || name == "AddDbContext" || name == "AddDbContextPool")
            {
                return ServiceLifetimeKind.Scoped;
            }

            return name.EndsWith("Transient", StringComparison.Ordinal) ? ServiceLifetimeKind.Transient : (ServiceLifetimeKind?)null;
        }

        /// <summary>
        /// Reads one registration call: <c>AddX&lt;TService, TImplementation&gt;()</c>, <c>AddX&lt;T&gt;()</c>,
        /// <c>AddX(typeof(TService), typeof(TImplementation))</c> (open generics too), a factory lambda
        /// (<c>AddX&lt;TService&gt;(sp =&gt; new Impl(…))</c>: the implementation is what the lambda returns; the container
        /// does not call its constructor), or an instance (<c>AddSingleton&lt;TService&gt;(instance)</c>).
        /// </summary>
        private static ServiceRegistration? ReadRegistration(SemanticModel model, InvocationExpressionSyntax invocation, IMethodSymbol method, ServiceLifetimeKind lifetime)
        {
            INamedTypeSymbol? service = null;
            INamedTypeSymbol? implementation = null;
            var byContainer = true;
            LambdaExpressionSyntax? factory = null;
            var keyed = method.Name.IndexOf("Keyed", StringComparison.Ordinal) >= 0;

            if (method.TypeArguments.Length >= 1)
            {
                service = method.TypeArguments[0] as INamedTypeSymbol;
                implementation = method.TypeArguments[method.TypeArguments.Length - 1] as INamedTypeSymbol;
            }

            var arguments = invocation.ArgumentList.Arguments;
            var offset = method.ReducedFrom is null && method.IsExtensionMethod ? 1 : 0;
            var typeOfs = new List<INamedTypeSymbol>();
            for (var i = 0; i < arguments.Count; i++)
            {
                var expression = arguments[i].Expression;
                var parameterIndex = i + offset;
                var parameterName = parameterIndex < method.Parameters.Length ? method.Parameters[parameterIndex].Name : string.Empty;
                if (expression is TypeOfExpressionSyntax typeOf)
                {
                    if (model.GetTypeInfo(typeOf.Type).Type is INamedTypeSymbol named)
                    {
                        typeOfs.Add(named);
                    }
                }
                else if (expression is LambdaExpressionSyntax lambda)
                {
                    factory = lambda;
                    byContainer = false;
                    implementation = lambda.Body is ExpressionSyntax body && model.GetTypeInfo(body).Type is INamedTypeSymbol { TypeKind: TypeKind.Class } created
                        ? created
                        : (method.TypeArguments.Length == 2 ? implementation : null);
                }
                else if (parameterName == "implementationInstance" || parameterName == "instance")
                {
                    byContainer = false;
                    implementation = model.GetTypeInfo(expression).Type as INamedTypeSymbol ?? implementation;
                }
            }

            if (typeOfs.Count > 0)
            {
                service ??= typeOfs[0];
                implementation = typeOfs[typeOfs.Count - 1];
                if (typeOfs.Count == 1 && method.TypeArguments.Length == 0)
                {
                    service = typeOfs[0];
                }
            }

            if (service is null)
            {
                service = implementation;
            }

            if (service is null || service.TypeKind == TypeKind.Error)
            {
                return null;
            }

            return new ServiceRegistration(
                service.OriginalDefinition,
                implementation?.TypeKind == TypeKind.Class ? implementation.OriginalDefinition : null,
                lifetime,
                byContainer && implementation?.TypeKind == TypeKind.Class,
                keyed,
                method.Name == "AddHostedService",
                invocation,
                factory);
        }

        private static void AddGrainKey(SemanticModel model, InvocationExpressionSyntax invocation, IMethodSymbol method, Dictionary<ISymbol, HashSet<string>> grainKeys)
        {
            if (method.TypeArguments.Length != 1
                || method.TypeArguments[0] is not INamedTypeSymbol grainInterface
                || method.ContainingNamespace?.ToDisplayString().StartsWith("Orleans", StringComparison.Ordinal) != true
                || invocation.ArgumentList.Arguments.Count == 0)
            {
                return;
            }

            var key = invocation.ArgumentList.Arguments[0].Expression;
            var constant = model.GetConstantValue(key);
            var text = constant.HasValue ? constant.Value?.ToString() ?? "null" : DynamicGrainKey;
            if (!grainKeys.TryGetValue(grainInterface.OriginalDefinition, out var keys))
            {
                grainKeys[grainInterface.OriginalDefinition] = keys = new HashSet<string>(StringComparer.Ordinal);
            }

            keys.Add(text);
        }

        /// <summary>The simple name an invoked expression calls (<c>x.Add</c>, <c>Add&lt;T&gt;</c>, <c>?.Add</c>), or null.</summary>
        internal static string? GetName(ExpressionSyntax expression)
        {
            switch (expression)
            {
                case MemberAccessExpressionSyntax member:
                    return member.Name.Identifier.ValueText;
                case GenericNameSyntax generic:
                    return generic.Identifier.ValueText;
                case IdentifierNameSyntax identifier:
                    return identifier.Identifier.ValueText;
                case MemberBindingExpressionSyntax binding:
                    return binding.Name.Identifier.ValueText;
                default:
                    return null;
            }
        }

        private static void AddRegisteredTypes(SemanticModel model, InvocationExpressionSyntax invocation, IMethodSymbol method, ImmutableHashSet<ISymbol>.Builder singletons, bool allTypeArguments, Dictionary<ISymbol, ImmutableArray<INamedTypeSymbol>.Builder>? constructions = null)
        {
            void Add(INamedTypeSymbol type)
            {
                singletons.Add(type.OriginalDefinition);
                if (constructions is not null)
                {
                    if (!constructions.TryGetValue(type.OriginalDefinition, out var written))
                    {
                        constructions[type.OriginalDefinition] = written = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
                    }

                    written.Add(type);
                }
            }

            // AddX<TService, TImplementation>() / AddX<T>(): the last type argument is the implementation (for scoped
            // registrations the service type is scoped too).
            for (var i = allTypeArguments ? 0 : method.TypeArguments.Length - 1; i >= 0 && i < method.TypeArguments.Length; i++)
            {
                if (method.TypeArguments[i] is INamedTypeSymbol typeArgument)
                {
                    Add(typeArgument);
                }
            }

            // AddSingleton(typeof(TService), typeof(TImplementation)): the last typeof is the implementation.
            TypeOfExpressionSyntax? lastTypeOf = null;
            foreach (var argument in invocation.ArgumentList.Arguments)
            {
                if (argument.Expression is TypeOfExpressionSyntax typeOf)
                {
                    if (allTypeArguments && lastTypeOf is not null && model.GetTypeInfo(lastTypeOf.Type).Type is INamedTypeSymbol serviceType)
                    {
                        Add(serviceType); // AddScoped(typeof(IService<>), typeof(Impl<>)): the service is scoped too
                    }

                    lastTypeOf = typeOf;
                }
            }

            if (lastTypeOf is not null && model.GetTypeInfo(lastTypeOf.Type).Type is INamedTypeSymbol type)
            {
                Add(type);
            }
        }

        private static HandlerLifetime? ReadMediatorLifetime(InvocationExpressionSyntax invocation)
        {
            foreach (var assignment in invocation.ArgumentList.DescendantNodes())
            {
                if (assignment is AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax left } a
                    && left.Name.Identifier.ValueText == "ServiceLifetime")
                {
                    var value = a.Right.ToString();
                    if (value.EndsWith("Singleton", StringComparison.Ordinal))
                    {
                        return HandlerLifetime.LongLived;
                    }

                    if (value.EndsWith("Scoped", StringComparison.Ordinal) || value.EndsWith("Transient", StringComparison.Ordinal))
                    {
                        return HandlerLifetime.PerInvocation;
                    }
                }
            }

            return null;
        }

        private static bool IsHangfireClient(IMethodSymbol method, ImmutableArray<INamedTypeSymbol> clients)
        {
            var containing = method.ContainingType?.OriginalDefinition;
            foreach (var client in clients)
            {
                if (SymbolEqualityComparer.Default.Equals(containing, client))
                {
                    return true;
                }
            }

            return false;
        }

        private static void AddHangfireJobs(SemanticModel model, InvocationExpressionSyntax invocation, ImmutableHashSet<ISymbol>.Builder jobs)
        {
            foreach (var argument in invocation.ArgumentList.Arguments)
            {
                if (argument.Expression is not LambdaExpressionSyntax lambda)
                {
                    continue;
                }

                var body = lambda.Body as ExpressionSyntax;
                while (body is AwaitExpressionSyntax awaitExpression)
                {
                    body = awaitExpression.Expression;
                }

                if (body is InvocationExpressionSyntax jobCall && model.GetSymbolInfo(jobCall).Symbol is IMethodSymbol job)
                {
                    jobs.Add(job.OriginalDefinition);
                    if (job.ReducedFrom is not null)
                    {
                        jobs.Add(job.ReducedFrom.OriginalDefinition);
                    }
                }
            }
        }
    }
}
