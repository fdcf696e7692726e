using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using TracktileFunctions.Sandbox.Hosting;

namespace TracktileFunctions.Sandbox.Tracktile;

/// <summary>
/// A Tracktile webhook registration as the sandbox holds it, with its current secret (for tests: the API reveals the
/// secret only in the answers to <c>POST /hooks</c> and <c>POST /hooks/{id}/rotate</c>).
/// </summary>
/// <param name="Id"><c>hook_&lt;n&gt;</c>.</param>
/// <param name="Url">Where deliveries go (the sandbox only calls loopback addresses).</param>
/// <param name="On">The one event kind it subscribes to, e.g. <c>order.status.changed</c>.</param>
/// <param name="Secret">The current signing secret, <c>whsec_</c> + 32 hex digits.</param>
public sealed record TracktileHook(string Id, string Name, Uri Url, string On, DateTimeOffset CreatedAt, string Secret);

/// <summary>One POST of an event to a hook (<see cref="SandboxState.DeliverTracktileEventAsync"/>).</summary>
/// <param name="Kind">The event's <c>kind</c>.</param>
/// <param name="EventId">The event's <c>id</c>, or null when it has none.</param>
/// <param name="Status">The receiver's status; null when none came (refused, timed out, not a loopback target).</param>
/// <param name="SentAt">The time signed into <c>X-Tracktile-Signature</c>.</param>
public sealed record TracktileHookDelivery(string HookId, string Kind, string? EventId, Uri Url, int? Status, bool TimedOut, DateTimeOffset SentAt);

/// <summary>A hook as the API writes it; <c>secret</c> only in the answers that reveal it.</summary>
internal sealed record TracktileHookWire(
    string Id,
    string Name,
    string Url,
    string On,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret)
{
    public static TracktileHookWire Of(TracktileHook hook, bool revealSecret)
        => new(hook.Id, hook.Name, hook.Url.OriginalString, hook.On, hook.CreatedAt, revealSecret ? hook.Secret : null);
}

/// <summary>
/// Tracktile's webhook registration API (<c>POST/GET /hooks</c>, <c>PUT/DELETE /hooks/{id}</c>,
/// <c>POST /hooks/{id}/rotate</c>). Tracktile documents the routes, <c>{name, url, on}</c> and that the answer carries
/// <c>secret</c>; the rest (status codes, PUT as a partial update, the list as a bare array) is the plainest REST shape.
/// </summary>
internal static class TracktileHookEndpoints
{
    public static void Map(RouteGroupBuilder tracktile)
    {
        tracktile.MapGet("/hooks", (SandboxState state)
            => Results.Json(state.TracktileHooks.Select(h => TracktileHookWire.Of(h, revealSecret: false)).ToList(), SandboxJson.Options));
        tracktile.MapPost("/hooks", CreateAsync);
        tracktile.MapPut("/hooks/{hookId}", UpdateAsync);
        tracktile.MapDelete("/hooks/{hookId}", (string hookId, SandboxState state) => state.DeleteTracktileHook(hookId)
            ? Results.NoContent()
            : NotFound(hookId));
        tracktile.MapPost("/hooks/{hookId}/rotate", (string hookId, SandboxState state) => state.TryRotateTracktileHook(hookId) is { } hook
            ? Results.Json(TracktileHookWire.Of(hook, revealSecret: true), SandboxJson.Options)
            : NotFound(hookId));
    }

    /// <summary>Whether <paramref name="url"/> may be a hook's url: absolute http or https.</summary>
    public static bool IsHookUrl(Uri url)
        => url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) && url.Host.Length > 0;

    private static async Task<IResult> CreateAsync(HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<JsonElement>(request);
        if (body.Problem is not null)
        {
            return SandboxErrors.Tracktile(body.ProblemStatus, body.Problem);
        }

        var raw = body.Raw;
        if (!TryReadText(raw, "name", required: true, out var name, out var problem)
            || !TryReadUrl(raw, required: true, out var url, out problem)
            || !TryReadText(raw, "on", required: true, out var on, out problem))
        {
            return BadRequest(problem);
        }

        var hook = state.CreateTracktileHook(name!, url!, on!);
        return Results.Json(TracktileHookWire.Of(hook, revealSecret: true), SandboxJson.Options, statusCode: StatusCodes.Status201Created);
    }

    /// <summary><c>PUT /hooks/{id}</c>: the fields given replace the hook's, the others stay (the secret cannot be set).</summary>
    private static async Task<IResult> UpdateAsync(string hookId, HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<JsonElement>(request);
        if (body.Problem is not null)
        {
            return SandboxErrors.Tracktile(body.ProblemStatus, body.Problem);
        }

        var raw = body.Raw;
        if (!TryReadText(raw, "name", required: false, out var name, out var problem)
            || !TryReadUrl(raw, required: false, out var url, out problem)
            || !TryReadText(raw, "on", required: false, out var on, out problem))
        {
            return BadRequest(problem);
        }

        return state.UpdateTracktileHook(hookId, name, url, on) is { } hook
            ? Results.Json(TracktileHookWire.Of(hook, revealSecret: false), SandboxJson.Options)
            : NotFound(hookId);
    }

    private static bool TryReadText(JsonElement obj, string field, bool required, out string? value, out string problem)
    {
        value = null;
        problem = string.Empty;
        if (!obj.TryGetProperty(field, out var element))
        {
            problem = $"{field} is required and must be a non-empty string.";
            return !required;
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { Length: > 0 } text)
        {
            problem = $"{field} must be a non-empty string.";
            return false;
        }

        value = text;
        return true;
    }

    private static bool TryReadUrl(JsonElement obj, bool required, out Uri? url, out string problem)
    {
        url = null;
        if (!TryReadText(obj, "url", required, out var text, out problem))
        {
            return false;
        }

        if (text is null)
        {
            return true;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out url) || !IsHookUrl(url))
        {
            url = null;
            problem = "url must be an absolute http or https URL.";
            return false;
        }

        return true;
    }

    private static IResult BadRequest(string message) => SandboxErrors.Tracktile(StatusCodes.Status400BadRequest, message);

    private static IResult NotFound(string hookId) => SandboxErrors.Tracktile(StatusCodes.Status404NotFound, $"Hook '{hookId}' not found.");
}

/// <summary>Requests to <c>/tracktile/hooks</c> are recorded with any <c>secret</c> property replaced by <c>***</c>.</summary>
internal static partial class TracktileHookRedaction
{
    public static string Redact(string body) => Secret().Replace(body, "$1\"***\"");

    [GeneratedRegex("(\"secret\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"", RegexOptions.IgnoreCase)]
    private static partial Regex Secret();
}
