using System.Text.Json.Nodes;

namespace TracktileFunctions.LoadDriver.Child;

/// <summary>
/// A measured scenario in a process of its own (the driver starts it as <c>child-app</c> or <c>child-seed</c>), so
/// its peak memory is its own. It reports on stdout (<see cref="Protocol"/>) and logs on stderr.
/// </summary>
internal static class ChildEntry
{
    public const string AppMode = "child-app";
    public const string SeedMode = "child-seed";

    public static async Task<int> RunAsync(string mode, IReadOnlyList<string> arguments)
    {
        var commands = new CommandReader();
        try
        {
            await using var sampler = new MemorySampler();
            var args = new ArgumentReader(arguments, new HashSet<string>(StringComparer.Ordinal));
            if (mode == AppMode)
            {
                await AppChild.RunAsync(args, commands, sampler).ConfigureAwait(false);
            }
            else
            {
                await SeedLoopChild.RunAsync(args, commands, sampler).ConfigureAwait(false);
            }

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
