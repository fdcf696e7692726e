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

    /// <summary>The preload script that gives Azurite a clock a test can move (see <see cref="AzuriteOptions.AdjustableClock"/>).</summary>
    public static string AzuriteClockScript => Path.Combine(Root, "tests", "tools", "azurite-clock.cjs");

    /// <summary>
    /// The load driver's dll as the solution build leaves it, for the same configuration and target framework as
    /// these test binaries (their folder is <c>bin/{configuration}/{framework}/</c> too). The driver references this
    /// project, not the other way round, so only a solution build puts it there.
    /// </summary>
    public static string LoadDriverDll
    {
        get
        {
            var framework = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = framework.Parent ?? throw new InvalidOperationException($"'{AppContext.BaseDirectory}' has no parent folder.");
            return Path.Combine(Root, "tests", "TracktileFunctions.LoadDriver", "bin", configuration.Name, framework.Name,
                "TracktileFunctions.LoadDriver.dll");
        }
    }

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
