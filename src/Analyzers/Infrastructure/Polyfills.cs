// Types that netstandard2.0 lacks but newer C# features expect.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit { }
}
