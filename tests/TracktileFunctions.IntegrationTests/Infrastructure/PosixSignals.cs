using System.Diagnostics;
using System.Runtime.InteropServices;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// Sends a signal to a process (libc <c>kill(pid, sig)</c>), for what <see cref="Process.Kill()"/> cannot do: a
/// graceful SIGTERM, or a signal a child handles itself (SIGUSR2). Linux only: the numbers are Linux's.
/// </summary>
public static class PosixSignals
{
    /// <summary>Asks a process to terminate; it may clean up first (Azurite saves its databases).</summary>
    public const int SigTerm = 15;

    /// <summary>User-defined signal 2 (Linux's number); tests/tools/azurite-clock.cjs moves Azurite's clock on it.</summary>
    public const int SigUsr2 = 12;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="process"/>; throws if it is gone or the system refuses.</summary>
    public static void Send(Process process, int signal)
    {
        ArgumentNullException.ThrowIfNull(process);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Signals are sent with Linux's numbers; these tests run on Linux.");
        }

        if (Kill(process.Id, signal) != 0)
        {
            throw new InvalidOperationException(
                $"kill({process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
