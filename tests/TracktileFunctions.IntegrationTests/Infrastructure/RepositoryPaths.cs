namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>Well-known files of the repository, found from the test binaries' folder.</summary>
public static class RepositoryPaths
{
    /// <summary>The file that marks the repository root.</summary>
    public const string SolutionFileName = "TracktileFunctions.sln";

    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The repository root: the closest folder above the test binaries that holds the solution file.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>The app's <c>host.json</c> (it lives at the repository root).</summary>
    public static string HostJson => Path.Combine(Root, "host.json");

    /// <summary>Where <c>npm ci --prefix tests/tools</c> installs Azurite's entry script.</summary>
    public static string AzuriteScript =>
        Path.Combine(Root, "tests", "tools", "node_modules", "azurite", "dist", "src", "azurite.js");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"Could not find {SolutionFileName} in any folder above '{AppContext.BaseDirectory}': run the tests from the repository.");
    }
}
