using System.Globalization;

namespace TracktileFunctions.LoadDriver.Parent;

/// <summary>CPU time of processes, for telling a machine-bound run from an ERP-bound one.</summary>
internal static class ProcessCpu
{
    private const double ClockTicksPerSecond = 100; // USER_HZ: 100 on Linux (sysconf(_SC_CLK_TCK))

    /// <summary>This process's CPU time (user + system), in seconds.</summary>
    public static double Self() => Environment.CpuUsage.TotalTime.TotalSeconds;

    /// <summary>
    /// The CPU time (seconds) of this process's direct children named <paramref name="command"/> (Azurite's
    /// <c>node</c>), read from <c>/proc</c>; null where there is no <c>/proc</c>.
    /// </summary>
    public static double? Children(string command)
        => Directory.Exists("/proc") ? DirectChildren(command).Sum(c => c.CpuSeconds) : null;

    /// <summary>The process ids of this process's direct children named <paramref name="command"/> (none without <c>/proc</c>).</summary>
    public static IReadOnlyList<int> ChildIds(string command) => [.. DirectChildren(command).Select(c => c.Pid)];

    private static List<(int Pid, double CpuSeconds)> DirectChildren(string command)
    {
        var found = new List<(int, double)>();
        if (!Directory.Exists("/proc"))
        {
            return found;
        }

        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // gone meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // pid (comm) state ppid ... utime stime: fields 14 and 15; comm may hold spaces, so split after its ')'.
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            if (open < 0 || close < open || close + 2 > stat.Length)
            {
                continue;
            }

            var fields = stat[(close + 2)..].Split(' ');
            if (stat[(open + 1)..close] == command
                && fields.Length > 12
                && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) && parent == self
                && long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
                && long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system))
            {
                found.Add((pid, (user + system) / ClockTicksPerSecond));
            }
        }

        return found;
    }
}
