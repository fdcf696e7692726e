using System.Text.Json;
using System.Text.Json.Nodes;

namespace TracktileFunctions.LoadDriver;

/// <summary>
/// How the driver and the child processes it starts talk: the child writes one event per line on stdout, prefixed
/// with <see cref="Prefix"/> (anything else on stdout is shown as the child's output); the parent writes commands,
/// one per line, on the child's stdin. A child whose stdin closes (the parent is gone) stops at once.
/// </summary>
internal static class Protocol
{
    public const string Prefix = "@@loaddriver ";

    // Events (child -> parent).
    public const string Ready = "ready";
    public const string Started = "started";
    public const string BatchReturned = "batchReturned";
    public const string Done = "done";
    public const string Result = "result";
    public const string Error = "error";

    // Commands (parent -> child).
    public const string Go = "go";
    public const string Stop = "stop";

    private static readonly Lock Gate = new();

    /// <summary>Writes one event line to stdout and flushes it.</summary>
    public static void Emit(string name, JsonObject? body = null)
    {
        var json = body ?? [];
        json["event"] = name;
        json["utcTicks"] = DateTimeOffset.UtcNow.UtcTicks;
        json["cpuMs"] = Environment.CpuUsage.TotalTime.TotalMilliseconds;
        var line = Prefix + json.ToJsonString(JsonSerializerOptions.Web);
        lock (Gate)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }

    /// <summary>The event in <paramref name="line"/>, or null when it is not one.</summary>
    public static JsonObject? Parse(string line)
    {
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(line.AsSpan(Prefix.Length).ToString()) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
