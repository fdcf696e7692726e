using System.Diagnostics;
using System.Runtime.InteropServices;

namespace TracktileFunctions.LoadDriver.Parent;

/// <summary>What the figures were measured on, and which code.</summary>
internal sealed record MachineInfo(int Cores, string Cpu, string Os, string Runtime, string LoadAverage, string Code)
{
    public static MachineInfo Read(string repositoryRoot) => new(
        Environment.ProcessorCount,
        CpuModel(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        LoadAverageNow(),
        Git(repositoryRoot));

    /// <summary>The 1, 5 and 15 minute load averages (<c>/proc/loadavg</c>), or empty.</summary>
    public static string LoadAverageNow()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string CpuModel()
    {
        try
        {
            return File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? ""
                : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The commit and how many files differ from it (the code measured), or why that is unknown.</summary>
    private static string Git(string root)
    {
        var commit = Run(root, "rev-parse", "--short", "HEAD");
        if (commit is null)
        {
            return "unknown (no git)";
        }

        var changed = Run(root, "status", "--porcelain", "--untracked-files=no")?.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        return changed is > 0 ? $"{commit.Trim()} with {changed} changed file(s)" : commit.Trim();
    }

    private static string? Run(string root, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(5000))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? output.GetAwaiter().GetResult() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
