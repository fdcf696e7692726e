using System.Diagnostics;
using System.Globalization;

namespace TracktileFunctions.LoadDriver.Parent;

/// <summary>
/// Kills processes the driver started if the driver itself dies without cleaning up (SIGKILL, a crash the runtime
/// does not see): a <c>sh</c> loop that checks once a second whether the driver still runs. Disposing it (the normal
/// path) ends the loop; it also ends by itself once the driver is gone. Linux and macOS only; elsewhere it does nothing.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private readonly Process? _process;

    private Watchdog(Process? process) => _process = process;

    /// <summary>Watches the direct children of this process named <paramref name="command"/> (Azurite's <c>node</c>).</summary>
    public static Watchdog ForChildren(string command)
    {
        var pids = ProcessCpu.ChildIds(command);
        if (pids.Count == 0 || OperatingSystem.IsWindows() || !File.Exists("/bin/sh"))
        {
            return new Watchdog(null);
        }

        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var targets = string.Join(' ', pids.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"while kill -0 {self} 2>/dev/null; do sleep 1; done; kill -9 {targets} 2>/dev/null");
        return new Watchdog(Process.Start(start));
    }

    public void Dispose()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}
