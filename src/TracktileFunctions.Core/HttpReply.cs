using System.Text.Json;
using System.Text.Json.Serialization;

namespace TracktileFunctions;

/// <summary>What an HTTP endpoint answers: a status code and a short fixed text (never a secret or a stack trace).</summary>
/// <param name="StatusCode">The HTTP status code.</param>
/// <param name="Body">A short plain-text body.</param>
/// <param name="RetryAfterSeconds">For 503: when the sender should try again.</param>
/// <param name="ContentType">The body's media type; plain text when null.</param>
public sealed record HttpReply(int StatusCode, string Body, int? RetryAfterSeconds = null, string? ContentType = null)
{
    /// <summary>200: the event is durably queued.</summary>
    public static HttpReply Accepted { get; } = new(200, "OK");

    /// <summary>404: the webhook source is off (no secret is configured for it).</summary>
    public static HttpReply SourceOff { get; } = new(404, "this webhook source is not configured");

    /// <summary>413: the body is over the configured cap.</summary>
    public static HttpReply TooLarge { get; } = new(413, "payload too large");

    /// <summary>How the app's JSON answers are written: camelCase, nulls kept (a reader sees every field).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>A JSON answer.</summary>
    public static HttpReply Json<T>(T value, int statusCode = 200)
        => new(statusCode, JsonSerializer.Serialize(value, JsonOptions), ContentType: "application/json; charset=utf-8");

    /// <summary>503: storage is unavailable; nothing was acknowledged, so the sender retries.</summary>
    public static HttpReply StorageUnavailable { get; } = new(503, "temporarily unavailable, retry later", 10);
}
