namespace TracktileFunctions.InfraTests;

/// <summary>Paths in the repository the tests run from (found by walking up to the solution file).</summary>
internal static class Repo
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The repository root: the folder holding TracktileFunctions.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>An absolute path under the repository root.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The text of a file under the repository root.</summary>
    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TracktileFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No TracktileFunctions.sln above {AppContext.BaseDirectory}: run the tests from the repository.");
    }
}
