using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.ShipHero;

/// <summary>
/// <c>POST /api/webhooks/shiphero</c>: verifies <c>X-ShipHero-HMAC-SHA256</c> (base64 HMAC-SHA256 of the raw body, keyed
/// with the webhook's shared secret: the configured ones and those the app stored when it registered its webhooks,
/// compared in constant time), takes <c>X-Shiphero-Message-ID</c> (or the payload's ids) as the event id and the body's
/// <c>webhook_type</c> as the kind, queues, and answers what ShipHero requires: 200 with
/// <c>{"code":"200","Status":"Success"}</c> as JSON. ShipHero retries anything else (5 times).
/// </summary>
public sealed partial class ShipHeroWebhook(
    EventPublisher publisher, ShipHeroWebhookSecrets secrets, IOptions<ShipHeroOptions> options, TimeProvider timeProvider, ILogger<ShipHeroWebhook> logger,
    ActivityLog activityLog)
{
    /// <summary>The source name of ShipHero's events.</summary>
    public const string Source = "shiphero";

    /// <summary>The acknowledgement ShipHero requires.</summary>
    public static HttpReply Acknowledged { get; } = new(200, """{"code":"200","Status":"Success"}""", ContentType: "application/json");

    /// <summary>The webhook types the app handles.</summary>
    public static IReadOnlyList<string> Types { get; } = ["Shipment Update", "Inventory Update"];

    private const int MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>Verifies and queues one delivery.</summary>
    public Task<HttpReply> ReceiveAsync(string? signature, string? messageId, long? contentLength, Stream body, CancellationToken cancellationToken)
        => WebhookOutcomes.ReceiveAsync(Source, activityLog, () => ReceiveCoreAsync(signature, messageId, contentLength, body, cancellationToken), cancellationToken);

    private async Task<HttpReply> ReceiveCoreAsync(string? signature, string? messageId, long? contentLength, Stream body, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            LogOff();
            return HttpReply.SourceOff;
        }

        using var raw = await BoundedBody.ReadAsync(body, contentLength, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            return HttpReply.TooLarge;
        }

        if (!await secrets.VerifyAsync(signature, raw.Memory, cancellationToken).ConfigureAwait(false))
        {
            LogBadSignature(raw.Length);
            return new HttpReply(401, "invalid signature");
        }

        string kind;
        string id;
        try
        {
            using var document = JsonDocument.Parse(raw.Memory, new JsonDocumentOptions { MaxDepth = EventEnvelope.MaxDepth });
            var root = document.RootElement;
            kind = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("webhook_type", out var type) && type.GetString() is { Length: > 0 and <= EventEnvelope.MaxFieldLength } t
                ? t
                : throw new JsonException("no webhook_type");
            id = messageId is { Length: > 0 and <= EventEnvelope.MaxFieldLength } ? messageId : FallbackId(kind, root, raw.Span);
        }
        catch (JsonException)
        {
            LogUnreadable(raw.Length);
            return new HttpReply(400, "not a ShipHero webhook (no webhook_type)");
        }

        EventTracing.TagEvent(id, kind);
        if (!Types.Contains(kind, StringComparer.Ordinal))
        {
            LogIgnored(kind, id);
            return Acknowledged;
        }

        try
        {
            await publisher.PublishAsync([QueueNames.ShipHeroEvents], Source, new EventEnvelope(id, kind, null), timeProvider.GetUtcNow(), raw.Memory, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStorageFailed(ex, kind, id);
            return HttpReply.StorageUnavailable;
        }

        LogAccepted(kind, id);
        return Acknowledged;
    }

    /// <summary>ShipHero's signature: base64 of HMAC-SHA256(key, raw body).</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) => Base64HmacSignature.Sign(secret, body);

    /// <summary>Without a message id: the shipment's id for a Shipment Update, else a hash of the body (an identical body is the same event).</summary>
    private static string FallbackId(string kind, JsonElement root, ReadOnlySpan<byte> body)
        => kind == "Shipment Update" && root.TryGetProperty("fulfillment", out var f) && f.ValueKind == JsonValueKind.Object
            && f.TryGetProperty("shipment_id", out var s) && s.ToString() is { Length: > 0 } shipment
                ? $"shipment:{shipment}"
                : $"body:{Convert.ToHexStringLower(SHA256.HashData(body))[..32]}";

    [LoggerMessage(LogLevel.Warning, "Refused ShipHero webhook: ShipHero is off (no ShipHero:Username or ShipHero:RefreshToken) (404)")]
    private partial void LogOff();

    [LoggerMessage(LogLevel.Warning, "Refused ShipHero webhook: X-ShipHero-HMAC-SHA256 matches no webhook secret ({BodyBytes} bytes)")]
    private partial void LogBadSignature(int bodyBytes);

    [LoggerMessage(LogLevel.Warning, "Refused signed ShipHero webhook: the body has no webhook_type ({BodyBytes} bytes)")]
    private partial void LogUnreadable(int bodyBytes);

    [LoggerMessage(LogLevel.Information, "Acknowledged ShipHero {WebhookType} {EventId} without queueing: not a type this app handles")]
    private partial void LogIgnored(string webhookType, string eventId);

    [LoggerMessage(LogLevel.Error, "Could not enqueue ShipHero {WebhookType} {EventId}; answered 503 so ShipHero retries")]
    private partial void LogStorageFailed(Exception exception, string webhookType, string eventId);

    [LoggerMessage(LogLevel.Information, "Accepted ShipHero {WebhookType} {EventId}")]
    private partial void LogAccepted(string webhookType, string eventId);
}
