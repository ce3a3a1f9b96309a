using MemoryRetention.Analyzers.Rules;
using MemoryRetention.CodeFixes;

namespace MemoryRetention.Analyzers.Tests.Verifiers
{
    // The verifier of each rule, named once for every test file (a file may still alias Verify<TAnalyzer, TCodeFix> itself).
    public sealed class VerifyCollections : Verify<GrowingCollectionAnalyzer, GrowingCollectionCodeFix> { private VerifyCollections() { } }
    public sealed class VerifyMEM001 : Verify<GrowingCollectionAnalyzer, GrowingCollectionCodeFix> { private VerifyMEM001() { } }
    public sealed class VerifyMEM010 : Verify<BufferAnalyzer, LargeObjectHeapAllocationCodeFix> { private VerifyMEM010() { } }
    public sealed class VerifyMEM011 : Verify<BufferEscapeAnalyzer, BufferEscapeCodeFix> { private VerifyMEM011() { } }
    public sealed class VerifyMEM012 : Verify<BufferAnalyzer, MemoryStreamPerInvocationCodeFix> { private VerifyMEM012() { } }
    public sealed class VerifyMEM013 : Verify<BufferAnalyzer, PoolMisuseCodeFix> { private VerifyMEM013() { } }
    public sealed class VerifyMEM020 : Verify<UndisposedHandlerDisposableAnalyzer, UndisposedHandlerDisposableCodeFix> { private VerifyMEM020() { } }
    public sealed class VerifyMEM030 : Verify<EventSubscriptionAnalyzer, EventSubscriptionCodeFix> { private VerifyMEM030() { } }
    public sealed class VerifyHandles : Verify<SubscriptionHandleAnalyzer, TokenRegistrationCodeFix> { private VerifyHandles() { } }
    public sealed class VerifyMEM032 : Verify<SubscriptionHandleAnalyzer, LinkedTokenSourceCodeFix> { private VerifyMEM032() { } }
    public sealed class VerifyMEM033 : Verify<SubscriptionHandleAnalyzer, TimerCodeFix> { private VerifyMEM033() { } }
    public sealed class VerifyMEM040 : Verify<CaptiveScopedServiceAnalyzer, CaptiveScopedServiceCodeFix> { private VerifyMEM040() { } }
    public sealed class VerifyMEM041 : Verify<ScopeReusedAcrossIterationsAnalyzer, ScopeReusedAcrossIterationsCodeFix> { private VerifyMEM041() { } }
    public sealed class VerifyMEM050 : Verify<UnboundedQueueAnalyzer, UnboundedQueueCodeFix> { private VerifyMEM050() { } }
    public sealed class VerifyMEM051 : Verify<UnboundedCacheEntryAnalyzer, UnboundedCacheEntryCodeFix> { private VerifyMEM051() { } }
    public sealed class VerifyMEM060 : Verify<XmlSerializerAnalyzer, XmlSerializerCodeFix> { private VerifyMEM060() { } }
    public sealed class VerifyMEM061 : Verify<AssemblyLoadAnalyzer, Microsoft.CodeAnalysis.Testing.EmptyCodeFixProvider> { private VerifyMEM061() { } }
    public sealed class VerifyMEM062 : Verify<NativeMemoryAnalyzer, NativeMemoryCodeFix> { private VerifyMEM062() { } }
    public sealed class VerifyMEM063 : Verify<StringInternAnalyzer, StringInternCodeFix> { private VerifyMEM063() { } }
    public sealed class VerifyMEM064 : Verify<LibraryRegistryAnalyzer, ServiceProviderPerUnitOfWorkCodeFix> { private VerifyMEM064() { } }
    public sealed class VerifyMEM065 : Verify<LibraryRegistryAnalyzer, MeterOrActivitySourceCodeFix> { private VerifyMEM065() { } }
    public sealed class VerifyMEM066 : Verify<LibraryRegistryAnalyzer, LoggerFactoryPerUnitOfWorkCodeFix> { private VerifyMEM066() { } }
    public sealed class VerifyMEM067 : Verify<LibraryRegistryAnalyzer, ReloadingConfigurationCodeFix> { private VerifyMEM067() { } }
    public sealed class VerifyMEM068 : Verify<DbContextConfigurationAnalyzer, DbContextInternalServiceProviderCodeFix> { private VerifyMEM068() { } }
}
