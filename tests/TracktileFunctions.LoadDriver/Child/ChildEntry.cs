using System.Text.Json.Nodes;
using TracktileFunctions.LoadDriver.Events;

namespace TracktileFunctions.LoadDriver.Child;

/// <summary>
/// A measured scenario in a process of its own (the driver starts it as <c>child-app</c>, <c>child-seed</c>,
/// <c>child-enqueue</c>, or for the <c>events</c> command <c>child-ingest</c> or <c>child-events</c>), so
/// its peak memory is its own. It reports on stdout (<see cref="Protocol"/>) and logs on stderr.
/// </summary>
internal static class ChildEntry
{
    public const string AppMode = "child-app";
    public const string SeedMode = "child-seed";
    public const string EnqueueMode = "child-enqueue";
    public const string IngestMode = "child-ingest";
    public const string EventsMode = "child-events";

    /// <summary>Every child mode and what runs it.</summary>
    private static readonly Dictionary<string, Func<ArgumentReader, CommandReader, MemorySampler, Task>> Modes = new(StringComparer.Ordinal)
    {
        [AppMode] = AppChild.RunAsync,
        [SeedMode] = SeedLoopChild.RunAsync,
        [EnqueueMode] = RawEnqueueChild.RunAsync,
        [IngestMode] = IngestChild.RunAsync,
        [EventsMode] = EventsChild.RunAsync,
    };

    /// <summary>Whether <paramref name="mode"/> is a child mode.</summary>
    public static bool IsMode(string mode) => Modes.ContainsKey(mode);

    /// <summary>How long a child waits for the driver's <c>go</c>, and (but the app's) for its <c>stop</c>.</summary>
    public static readonly TimeSpan WaitForGo = TimeSpan.FromMinutes(10);

    public static readonly TimeSpan WaitForStop = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(string mode, IReadOnlyList<string> arguments)
    {
        var commands = new CommandReader();
        try
        {
            await using var sampler = new MemorySampler();
            var args = new ArgumentReader(arguments, new HashSet<string>(["--no-http"], StringComparer.Ordinal));
            await Modes[mode](args, commands, sampler).ConfigureAwait(false);

            return 0;
        }
        catch (ParentGoneException)
        {
            return 3;
        }
#pragma warning disable CA1031 // Any failure is reported to the driver, which shows it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Protocol.Emit(Protocol.Error, new JsonObject { ["message"] = $"{ex.GetType().Name}: {ex.Message}", ["detail"] = ex.ToString() });
            return 1;
        }
    }
}
