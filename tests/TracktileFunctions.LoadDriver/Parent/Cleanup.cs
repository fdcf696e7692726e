using System.Collections.Concurrent;

namespace TracktileFunctions.LoadDriver.Parent;

/// <summary>
/// Last-resort clean-up: what the driver started (child processes, Azurite) is registered here and killed when the
/// driver's process exits by any way the runtime sees (a second Ctrl+C, SIGTERM, an unhandled exception). The normal
/// path disposes each one itself and unregisters it.
/// </summary>
internal static class Cleanup
{
    private static readonly ConcurrentDictionary<long, Action> Actions = new();
    private static long _next;

    static Cleanup() => AppDomain.CurrentDomain.ProcessExit += (_, _) => RunAll();

    public static IDisposable Register(Action kill)
    {
        var id = Interlocked.Increment(ref _next);
        Actions[id] = kill;
        return new Registration(id);
    }

    public static void RunAll()
    {
        foreach (var id in Actions.Keys.ToList())
        {
            if (Actions.TryRemove(id, out var kill))
            {
                try
                {
                    kill();
                }
#pragma warning disable CA1031 // Best effort while exiting: one failure must not stop the others.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }
    }

    private sealed class Registration(long id) : IDisposable
    {
        public void Dispose() => Actions.TryRemove(id, out _);
    }
}
