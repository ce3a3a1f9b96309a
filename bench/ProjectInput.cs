using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Build.Locator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.MSBuild;

namespace MemoryRetention.Bench
{
    /// <summary>Loads any existing .csproj through MSBuildWorkspace, so anyone can measure on their own code.</summary>
    public static class ProjectInput
    {
        public static async Task<Compilation> LoadAsync(string path)
        {
            if (!MSBuildLocator.IsRegistered)
            {
                MSBuildLocator.RegisterDefaults();
            }

            return await LoadCoreAsync(path).ConfigureAwait(false);
        }

        // Separate method so that MSBuild types load only after the locator has registered the SDK.
        private static async Task<Compilation> LoadCoreAsync(string path)
        {
            using var workspace = MSBuildWorkspace.Create();
            var project = await workspace.OpenProjectAsync(path).ConfigureAwait(false);
            foreach (var diagnostic in workspace.Diagnostics.Take(5))
            {
                Console.WriteLine($"workspace: {diagnostic.Message}");
            }

            return await project.GetCompilationAsync().ConfigureAwait(false)
                ?? throw new InvalidOperationException($"No compilation for {path}");
        }
    }
}
