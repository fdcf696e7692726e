using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace TracktileFunctions.InfraTests;

/// <summary>What one run of the Bicep CLI did.</summary>
internal sealed record BicepRun(string Arguments, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    /// <summary>Every diagnostic line (a warning or an error) in <paramref name="text"/>.</summary>
    public static IReadOnlyList<string> Diagnostics(string text) =>
        [.. text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => BicepCli.DiagnosticPattern.IsMatch(l))];

    /// <summary>A description for assertion messages.</summary>
    public string Describe() =>
        $"bicep {Arguments} exited {ExitCode} after {Elapsed.TotalSeconds:0.0} s.\nstderr:\n{StandardError}\n" +
        (StandardOutput.Length <= 4_000 ? $"stdout:\n{StandardOutput}" : $"stdout: {StandardOutput.Length} chars");
}

/// <summary>
/// Runs the Bicep CLI that <c>dotnet restore</c> downloaded (the test project's <c>PackageDownload</c> of
/// Azure.Bicep.CommandLine.linux-x64) from NuGet's global packages folder.
/// </summary>
internal static partial class BicepCli
{
    private const string PackageId = "azure.bicep.commandline.linux-x64";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly Lazy<string> ExecutablePath = new(FindExecutable);

    /// <summary>A Bicep diagnostic: <c>file(line,col) : Warning|Error code: message</c>, or any line naming a warning or error.</summary>
    public static Regex DiagnosticPattern { get; } = DiagnosticRegex();

    /// <summary>The executable's full path.</summary>
    public static string Executable => ExecutablePath.Value;

    /// <summary>Runs <c>bicep</c> with <paramref name="arguments"/> in the repository root.</summary>
    public static async Task<BicepRun> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = Repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No telemetry and no first-run banner in test output.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Executable}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds} s.");
        }

        return new BicepRun(string.Join(' ', arguments), process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }

    private static string FindExecutable()
    {
        var version = Metadata("BicepVersion");
        var roots = new List<string>();
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured)
        {
            roots.Add(configured);
        }

        if (Metadata("NuGetPackageRoot") is { Length: > 0 } restoredInto)
        {
            roots.Add(restoredInto);
        }

        roots.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));

        var candidates = roots.Select(root => Path.Combine(root, PackageId, version, "tools", "bicep")).Distinct().ToList();
        return candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException(
            $"The Bicep CLI {version} is not in NuGet's global packages folder; run 'dotnet restore' on the test project " +
            $"(it downloads {PackageId}). Looked for: {string.Join(", ", candidates)}");
    }

    private static string Metadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"The test assembly has no '{key}' metadata (see the .csproj).");

    [GeneratedRegex(@"\b(Warning|Error)\b", RegexOptions.IgnoreCase)]
    private static partial Regex DiagnosticRegex();
}
