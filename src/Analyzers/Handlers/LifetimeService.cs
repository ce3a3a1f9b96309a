using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using MemoryRetention.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>How long an instance of a type lives, as far as retention is concerned.</summary>
    public enum InstanceLifetime
    {
        /// <summary>Nothing in the compilation says (conservative: treated as not long-lived).</summary>
        Unknown,

        /// <summary>A new instance per message, job, request, scope or resolution (per-invocation handlers, scoped and transient registrations).</summary>
        PerUnitOfWork,

        /// <summary>
        /// An Orleans grain activation: one per grain identity, collected when idle. Its instance state is the entity's
        /// state, not process-lifetime growth.
        /// </summary>
        PerActivation,

        /// <summary>One instance (or a few) for the life of the process.</summary>
        Process,
    }

    /// <summary>The answer of <see cref="LifetimeService.Of"/>: the lifetime and words for a message.</summary>
    public readonly struct TypeLifetime
    {
        public TypeLifetime(InstanceLifetime kind, string? owner, HandlerFramework? framework)
        {
            Kind = kind;
            Owner = owner;
            Framework = framework;
        }

        public InstanceLifetime Kind { get; }

        /// <summary>The type as a message names it: "hosted service 'OrderWorker'", "singleton 'PriceCache'".</summary>
        public string? Owner { get; }

        /// <summary>The handler framework, when the type is a task handler.</summary>
        public HandlerFramework? Framework { get; }

        public bool LivesForProcess => Kind == InstanceLifetime.Process;
    }

    /// <summary>
    /// The one answer to "how long does an instance of this type live", shared by every rule (MEM001/002, MEM011,
    /// MEM030–033, MEM040, MEM050/051 through <see cref="Flow.LongLivedSources"/>). A type lives for the process when it
    /// is a long-lived task handler (hosted service, actor, Mediator handler, a handler registered as a singleton…), a
    /// registered singleton (<c>AddSingleton&lt;T&gt;</c>, <c>AddSingleton&lt;I, T&gt;</c>, a factory lambda, an
    /// instance, <c>TryAdd*</c>, keyed, <c>AddHostedService</c>), an Akka <c>IExtension</c> (one per actor system), held
    /// in a static field or property, or created once in the run-once part of a hosted service (<c>ExecuteAsync</c>
    /// before its loop). An Orleans grain lives per activation, unless it is a process-wide aggregator
    /// (<c>[StatelessWorker]</c>, or every <c>GetGrain</c> call in the compilation passes one constant key).
    /// Scoped and transient registrations and per-invocation handlers live per unit of work. Anything else is unknown.
    /// Built once per compilation (per recognizer), lazily; thread-safe.
    /// </summary>
    public sealed class LifetimeService
    {
        /// <summary>How many transient hops the registration graph is followed from a singleton before giving up.</summary>
        public const int RegistrationDepth = 4;

        private static readonly ConditionalWeakTable<HandlerRecognizer, LifetimeService> PerRecognizer = new ConditionalWeakTable<HandlerRecognizer, LifetimeService>();

        private readonly HandlerRecognizer _handlers;
        private readonly INamedTypeSymbol? _akkaExtension;
        private readonly INamedTypeSymbol? _orleansGrain;
        private readonly INamedTypeSymbol? _orleansGrainBase;
        private readonly INamedTypeSymbol? _orleansGrainInterface;
        private readonly ConcurrentDictionary<INamedTypeSymbol, TypeLifetime> _cache = new ConcurrentDictionary<INamedTypeSymbol, TypeLifetime>(SymbolEqualityComparer.Default);
        private readonly object _gate = new object();
        private volatile ImmutableDictionary<ISymbol, string>? _heldForProcess;

        private LifetimeService(HandlerRecognizer handlers)
        {
            _handlers = handlers;
            var compilation = handlers.Compilation;
            _akkaExtension = KnownTypes.Get(compilation, "Akka.Actor.IExtension");
            _orleansGrain = KnownTypes.Get(compilation, "Orleans.Grain");
            _orleansGrainBase = KnownTypes.Get(compilation, "Orleans.IGrainBase");
            _orleansGrainInterface = KnownTypes.Get(compilation, "Orleans.IGrain");
        }

        /// <summary>The lifetime service for the recognizer's compilation (one per recognizer, shared by all rules).</summary>
        public static LifetimeService For(HandlerRecognizer handlers) => PerRecognizer.GetValue(handlers, h => new LifetimeService(h));

        public HandlerRecognizer Handlers => _handlers;

        /// <summary>How long an instance of <paramref name="type"/> lives.</summary>
        public TypeLifetime Of(INamedTypeSymbol? type)
        {
            if (type is null || type.TypeKind != TypeKind.Class)
            {
                return default;
            }

            return _cache.GetOrAdd(type.OriginalDefinition, Compute);
        }

        /// <summary>True when instances of <paramref name="type"/> live for the process.</summary>
        public bool LivesForProcess(INamedTypeSymbol? type) => Of(type).Kind == InstanceLifetime.Process;

        /// <summary>A field that outlives one unit of work: static (including <c>[ThreadStatic]</c>: one per pool thread), or of a type that lives for the process (read through <c>this</c>).</summary>
        public bool IsLongLivedMember(IFieldSymbol field, IOperation? instance)
            => field.IsStatic || (instance is IInstanceReferenceOperation && LivesForProcess(field.ContainingType));

        /// <summary>
        /// The lifetime the compilation registers <paramref name="service"/> with, when every registration of it agrees
        /// (an open generic registration answers for its closed uses); null when unregistered or ambiguous.
        /// </summary>
        public ServiceLifetimeKind? RegisteredLifetime(ITypeSymbol? service)
        {
            var registrations = RegistrationsOf(service);
            if (registrations.IsEmpty)
            {
                return null;
            }

            var lifetime = registrations[0].Lifetime;
            foreach (var registration in registrations)
            {
                if (registration.Lifetime != lifetime)
                {
                    return null;
                }
            }

            return lifetime;
        }

        /// <summary>The registrations of <paramref name="service"/> as a service type.</summary>
        public ImmutableArray<ServiceRegistration> RegistrationsOf(ITypeSymbol? service)
            => service is INamedTypeSymbol named && RegistrationIndex.MayRegister(_handlers.Compilation, named)
               && _handlers.Registrations.ByService.TryGetValue(named.OriginalDefinition, out var list)
                ? list
                : ImmutableArray<ServiceRegistration>.Empty;

        /// <summary>All registrations the compilation makes.</summary>
        public ImmutableArray<ServiceRegistration> AllRegistrations => _handlers.Registrations.Registrations;

        /// <summary>
        /// The constructor the container calls: the public instance constructor with the most parameters (the container
        /// picks the longest one it can satisfy). Null when there is none or two tie.
        /// </summary>
        public static IMethodSymbol? ContainerConstructor(INamedTypeSymbol type)
        {
            IMethodSymbol? best = null;
            var tie = false;
            foreach (var constructor in type.InstanceConstructors)
            {
                if (constructor.DeclaredAccessibility != Accessibility.Public)
                {
                    continue;
                }

                if (best is null || constructor.Parameters.Length > best.Parameters.Length)
                {
                    best = constructor;
                    tie = false;
                }
                else if (constructor.Parameters.Length == best.Parameters.Length)
                {
                    tie = true;
                }
            }

            return tie ? null : best;
        }

        /// <summary>
        /// Follows the registration graph from a dependency of a long-lived service: when <paramref name="dependency"/>
        /// is registered as transient only, the constructors of its container-built implementations are searched (up to
        /// <see cref="RegistrationDepth"/> hops, each type once) for a dependency that <paramref name="scopedReason"/> says
        /// is scoped. Returns the path ("'IOrderService' (transient 'OrderService') needs 'AppDbContext' (a DbContext)")
        /// or null. Silent when a bound is hit.
        /// </summary>
        public string? FindScopedThroughTransients(ITypeSymbol dependency, Func<ITypeSymbol, string?> scopedReason)
            => FindScoped(dependency, scopedReason, 1, new HashSet<ISymbol>(SymbolEqualityComparer.Default));

        private string? FindScoped(ITypeSymbol dependency, Func<ITypeSymbol, string?> scopedReason, int depth, HashSet<ISymbol> visited)
        {
            if (depth > RegistrationDepth || RegisteredLifetime(dependency) != ServiceLifetimeKind.Transient)
            {
                return null;
            }

            foreach (var registration in RegistrationsOf(dependency))
            {
                var implementation = registration.Implementation;
                if (!registration.ConstructedByContainer || implementation is null || !visited.Add(implementation)
                    || ContainerConstructor(implementation) is not { } constructor)
                {
                    continue;
                }

                foreach (var parameter in constructor.Parameters)
                {
                    var head = "'" + dependency.Name + "' (transient '" + implementation.Name + "') needs ";
                    if (scopedReason(parameter.Type) is { } why)
                    {
                        return head + "'" + parameter.Type.Name + "' (" + why + ")";
                    }

                    if (FindScoped(parameter.Type, scopedReason, depth + 1, visited) is { } deeper)
                    {
                        return head + deeper;
                    }
                }
            }

            return null;
        }

        private TypeLifetime Compute(INamedTypeSymbol type)
        {
            // Orleans grains first: their catalog lifetime is "long-lived" (an activation outlives a call), but an activation
            // is per grain identity and collected when idle.
            if (IsGrain(type))
            {
                var owner = "Orleans grain '" + type.Name + "'";
                if (HasStatelessWorker(type))
                {
                    return new TypeLifetime(InstanceLifetime.Process, "[StatelessWorker] " + owner, HandlerFramework.Orleans);
                }

                if (HasOneConstantKey(type))
                {
                    return new TypeLifetime(InstanceLifetime.Process, owner + " (every caller uses one key)", HandlerFramework.Orleans);
                }

                return new TypeLifetime(InstanceLifetime.PerActivation, owner, HandlerFramework.Orleans);
            }

            if (_handlers.GetHandlerType(type) is { } handler)
            {
                var owner = HandlerCatalog.Label(handler.Framework) + " '" + type.Name + "'";
                return new TypeLifetime(handler.Lifetime == HandlerLifetime.LongLived ? InstanceLifetime.Process : InstanceLifetime.PerUnitOfWork, owner, handler.Framework);
            }

            if (RegistrationIndex.MayRegister(_handlers.Compilation, type) && _handlers.Registrations.ByImplementation.TryGetValue(type, out var registrations))
            {
                ServiceRegistration? perUnit = null;
                foreach (var registration in registrations)
                {
                    if (registration.Lifetime == ServiceLifetimeKind.Singleton)
                    {
                        return new TypeLifetime(InstanceLifetime.Process, (registration.Hosted ? "hosted service '" : "singleton '") + type.Name + "'", registration.Hosted ? HandlerFramework.Hosting : (HandlerFramework?)null);
                    }

                    perUnit ??= registration;
                }

                if (perUnit is not null)
                {
                    return new TypeLifetime(InstanceLifetime.PerUnitOfWork, (perUnit.Lifetime == ServiceLifetimeKind.Scoped ? "scoped '" : "transient '") + type.Name + "'", null);
                }
            }

            if (_akkaExtension is not null && TypeRelations.ImplementsOrEquals(type, _akkaExtension))
            {
                return new TypeLifetime(InstanceLifetime.Process, "Akka extension '" + type.Name + "' (one per actor system)", HandlerFramework.Akka);
            }

            if (HeldForProcess().TryGetValue(type, out var where))
            {
                return new TypeLifetime(InstanceLifetime.Process, "'" + type.Name + "' (" + where + ")", null);
            }

            return default;
        }

        private bool IsGrain(INamedTypeSymbol type)
            => (_orleansGrain is not null && TypeRelations.InheritsFrom(type, _orleansGrain))
               || (_orleansGrainBase is not null && TypeRelations.ImplementsOrEquals(type, _orleansGrainBase));

        private static bool HasStatelessWorker(INamedTypeSymbol type)
        {
            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass?.Name == "StatelessWorkerAttribute"
                    && attribute.AttributeClass.ContainingNamespace?.ToDisplayString().StartsWith("Orleans", StringComparison.Ordinal) == true)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Every <c>GetGrain</c> of the grain's own interfaces passes the same constant key: one activation serves every caller.</summary>
        private bool HasOneConstantKey(INamedTypeSymbol type)
        {
            if (_orleansGrainInterface is null)
            {
                return false;
            }

            var keys = _handlers.Registrations.GrainKeys;
            if (keys.IsEmpty)
            {
                return false;
            }

            var seen = false;
            foreach (var @interface in type.AllInterfaces)
            {
                if (!keys.TryGetValue(@interface.OriginalDefinition, out var used))
                {
                    continue;
                }

                if (used.Count != 1 || used.Contains(RegistrationIndex.DynamicGrainKey))
                {
                    return false;
                }

                seen = true;
            }

            return seen;
        }

        /// <summary>
        /// Source classes whose instances the compilation keeps for the process, decided only where the answer is sure:
        /// a class whose instance constructors are all non-public and that a static field or property holds (the
        /// singleton pattern, <c>static readonly Foo Instance = new Foo()</c>); a class created once in the run-once part
        /// of a hosted service (<c>ExecuteAsync</c>/<c>StartAsync</c> outside any loop, lambda or local function) and
        /// created nowhere else in the compilation. (A public class with a static sentinel such as <c>Order.Empty</c> is
        /// also created per message, so a static alone says nothing.) Built lazily, once: a walk over source type
        /// members, then only files that mention a run-once member name or a candidate's name.
        /// </summary>
        private ImmutableDictionary<ISymbol, string> HeldForProcess()
        {
            var held = _heldForProcess;
            if (held is not null)
            {
                return held;
            }

            lock (_gate)
            {
                return _heldForProcess ??= BuildHeldForProcess();
            }
        }

        private ImmutableDictionary<ISymbol, string> BuildHeldForProcess()
        {
            var compilation = _handlers.Compilation;
            var builder = ImmutableDictionary.CreateBuilder<ISymbol, string>(SymbolEqualityComparer.Default);
            var stack = new Stack<INamespaceOrTypeSymbol>();
            stack.Push(compilation.Assembly.GlobalNamespace);
            while (stack.Count > 0)
            {
                var current = stack.Pop();
                if (current is INamespaceSymbol ns)
                {
                    foreach (var member in ns.GetMembers())
                    {
                        stack.Push(member);
                    }

                    continue;
                }

                if (current is not INamedTypeSymbol declaring)
                {
                    continue;
                }

                foreach (var member in declaring.GetMembers())
                {
                    ITypeSymbol? held = member switch
                    {
                        IFieldSymbol { IsStatic: true, IsConst: false, IsImplicitlyDeclared: false } field => field.Type,
                        IPropertySymbol { IsStatic: true } property => property.Type,
                        INamedTypeSymbol nested => PushAndSkip(stack, nested),
                        _ => null,
                    };

                    if (held is INamedTypeSymbol { TypeKind: TypeKind.Class, IsStatic: false } heldType && IsInSource(heldType)
                        && OnlyNonPublicConstructors(heldType) && !builder.ContainsKey(heldType.OriginalDefinition))
                    {
                        builder[heldType.OriginalDefinition] = "held in the static '" + declaring.Name + "." + member.Name + "'";
                    }
                }
            }

            // Created once in a run-once member: candidates and the creation that made them one.
            var candidates = new Dictionary<ISymbol, (SyntaxNode Site, string Where)>(SymbolEqualityComparer.Default);
            foreach (var tree in compilation.SyntaxTrees)
            {
                var content = TextOf(tree);
                if (content.IndexOf("ExecuteAsync", StringComparison.Ordinal) < 0 && content.IndexOf("StartAsync", StringComparison.Ordinal) < 0)
                {
                    continue;
                }

                SemanticModel? model = null;
                foreach (var method in tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
                {
                    var name = method.Identifier.ValueText;
                    if (name != "ExecuteAsync" && name != "StartAsync")
                    {
                        continue;
                    }

#pragma warning disable RS1030 // Bound once per compilation, lazily, only for run-once members of files that mention them.
                    model ??= compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
                    if (model.GetDeclaredSymbol(method) is not IMethodSymbol symbol || _handlers.GetEntryPoint(symbol) is not { RunsOnce: true })
                    {
                        continue;
                    }

                    foreach (var creation in method.DescendantNodes().OfType<BaseObjectCreationExpressionSyntax>())
                    {
                        if (IsRepeated(creation, method))
                        {
                            continue;
                        }

                        if (model.GetTypeInfo(creation).Type is INamedTypeSymbol { TypeKind: TypeKind.Class } created && IsInSource(created)
                            && !builder.ContainsKey(created.OriginalDefinition))
                        {
                            // Created twice in run-once code is still once per process per site; one site is enough to keep.
                            candidates[created.OriginalDefinition] = (creation, "created once in '" + symbol.ContainingType.Name + "." + name + "'");
                        }
                    }
                }
            }

            if (candidates.Count > 0)
            {
                RemoveCreatedElsewhere(compilation, candidates);
                foreach (var candidate in candidates)
                {
                    builder[candidate.Key] = candidate.Value.Where;
                }
            }

            return builder.ToImmutable();

            static ITypeSymbol? PushAndSkip(Stack<INamespaceOrTypeSymbol> stack, INamedTypeSymbol nested)
            {
                stack.Push(nested);
                return null;
            }
        }

        /// <summary>Drops a candidate that any other `new` in the compilation creates (by name first, then bound).</summary>
        private static void RemoveCreatedElsewhere(Compilation compilation, Dictionary<ISymbol, (SyntaxNode Site, string Where)> candidates)
        {
            var names = new HashSet<string>(candidates.Keys.Select(k => k.Name), StringComparer.Ordinal);
            foreach (var tree in compilation.SyntaxTrees)
            {
                var content = TextOf(tree);
                if (!names.Any(n => content.IndexOf(n, StringComparison.Ordinal) >= 0))
                {
                    continue;
                }

                SemanticModel? model = null;
                foreach (var creation in tree.GetRoot().DescendantNodes().OfType<ObjectCreationExpressionSyntax>())
                {
                    var typeName = creation.Type switch
                    {
                        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
                        SimpleNameSyntax simple => simple.Identifier.ValueText,
                        _ => null,
                    };

                    if (typeName is null || !names.Contains(typeName))
                    {
                        continue;
                    }

#pragma warning disable RS1030 // Bound once per compilation, lazily, only for creations named like a candidate.
                    model ??= compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
                    if (model.GetTypeInfo(creation).Type is INamedTypeSymbol created
                        && candidates.TryGetValue(created.OriginalDefinition, out var candidate)
                        && candidate.Site != creation)
                    {
                        candidates.Remove(created.OriginalDefinition);
                    }
                }
            }
        }

        private static string TextOf(SyntaxTree tree)
        {
            if (!tree.TryGetText(out var text))
            {
                text = tree.GetText();
            }

            return text.ToString();
        }

        private static bool OnlyNonPublicConstructors(INamedTypeSymbol type)
        {
            foreach (var constructor in type.InstanceConstructors)
            {
                if (constructor.DeclaredAccessibility != Accessibility.Private && constructor.DeclaredAccessibility != Accessibility.Protected)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Inside a loop, a lambda or a local function of the run-once member: may run more than once.</summary>
        private static bool IsRepeated(SyntaxNode node, SyntaxNode member)
        {
            for (var current = node.Parent; current is not null && current != member; current = current.Parent)
            {
                switch (current.Kind())
                {
                    case SyntaxKind.WhileStatement:
                    case SyntaxKind.DoStatement:
                    case SyntaxKind.ForStatement:
                    case SyntaxKind.ForEachStatement:
                    case SyntaxKind.ForEachVariableStatement:
                    case SyntaxKind.SimpleLambdaExpression:
                    case SyntaxKind.ParenthesizedLambdaExpression:
                    case SyntaxKind.AnonymousMethodExpression:
                    case SyntaxKind.LocalFunctionStatement:
                        return true;
                }
            }

            return false;
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
    }
}
