using System.Net.Mime;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.QuickBooks;

/// <summary>
/// <c>POST /api/webhooks/quickbooks</c>: verifies <c>intuit-signature</c> (base64 HMAC-SHA256 of the raw body, keyed with
/// one of the app's verifier tokens, in constant time), reads the CloudEvents array Intuit sends (or the legacy
/// <c>eventNotifications</c> payload), queues one event per entity change on <c>quickbooks-events</c> (the CloudEvents
/// <c>id</c> is the event id, so a redelivery is applied once), and answers 200 at once. The payloads carry ids only:
/// the consumer reads the entity.
/// </summary>
public sealed partial class QuickBooksWebhook(
    EventPublisher publisher, IOptions<QuickBooksOptions> options, TimeProvider timeProvider, ILogger<QuickBooksWebhook> logger, ActivityLog activityLog)
{
    /// <summary>The source name of QuickBooks' events.</summary>
    public const string Source = "quickbooks";

    private const int MaxBodyBytes = 1024 * 1024;

    private static readonly CloudEventAttribute[] IntuitAttributes =
    [
        CloudEventAttribute.CreateExtension("intuitentityid", CloudEventAttributeType.String),
        CloudEventAttribute.CreateExtension("intuitaccountid", CloudEventAttributeType.String),
    ];

    private static readonly JsonEventFormatter Formatter = new();
    private static readonly ContentType StructuredType = new("application/cloudevents+json");

    private readonly byte[][] _keys = [.. options.Value.WebhookVerifierTokens.Select(Encoding.UTF8.GetBytes)];

    /// <summary>Verifies and queues one delivery.</summary>
    public Task<HttpReply> ReceiveAsync(string? signature, long? contentLength, Stream body, CancellationToken cancellationToken)
        => WebhookOutcomes.ReceiveAsync(Source, activityLog, () => ReceiveCoreAsync(signature, contentLength, body, cancellationToken), cancellationToken);

    private async Task<HttpReply> ReceiveCoreAsync(string? signature, long? contentLength, Stream body, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled || _keys.Length == 0)
        {
            LogOff();
            return HttpReply.SourceOff;
        }

        using var raw = await BoundedBody.ReadAsync(body, contentLength, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            return HttpReply.TooLarge;
        }

        if (!Base64HmacSignature.Matches(signature, raw.Span, _keys))
        {
            LogBadSignature(raw.Length);
            return new HttpReply(401, "invalid signature");
        }

        IReadOnlyList<Change> changes;
        try
        {
            changes = Read(raw.Memory);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            LogUnreadable(raw.Length, ex.GetType().Name);
            return new HttpReply(400, "not a QuickBooks webhook payload (a CloudEvents array, or eventNotifications)");
        }

        foreach (var skipped in changes.Where(c => c.Unreadable is not null))
        {
            LogSkipped(skipped.Id, skipped.Unreadable!);
        }

        changes = [.. changes.Where(c => c.Unreadable is null)];
        var receivedAt = timeProvider.GetUtcNow();
        try
        {
            foreach (var change in changes)
            {
                await publisher.PublishAsync([QueueNames.QuickBooksEvents], Source, new EventEnvelope(change.Id, change.Kind, change.Time), receivedAt,
                    JsonSerializer.SerializeToUtf8Bytes(change.Payload()), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStorageFailed(ex, changes.Count);
            return HttpReply.StorageUnavailable;
        }

        LogAccepted(changes.Count, string.Join(", ", changes.Take(5).Select(c => c.Id)));
        return HttpReply.Accepted;
    }

    /// <summary>The changes in a delivery: one per CloudEvent, or one per entity of the legacy payload.</summary>
    internal static IReadOnlyList<Change> Read(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = EventEnvelope.MaxDepth });
        if (document.RootElement.ValueKind == JsonValueKind.Array)
        {
            // One event at a time: an event this app cannot read is skipped (and logged by the caller), never the delivery.
            var events = new List<Change>();
            foreach (var element in document.RootElement.EnumerateArray())
            {
                try
                {
                    var e = Formatter.DecodeStructuredModeMessage(Encoding.UTF8.GetBytes(element.GetRawText()), StructuredType, IntuitAttributes);
                    events.Add(FromCloudEvent(e));
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or JsonException)
                {
                    events.Add(Unreadable(element, ex));
                }
            }

            return events;
        }

        if (!document.RootElement.TryGetProperty("eventNotifications", out var notifications) || notifications.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("neither a CloudEvents array nor eventNotifications");
        }

        var changes = new List<Change>();
        foreach (var notification in notifications.EnumerateArray())
        {
            var realm = QuickBooksClient.Text(notification, "realmId") ?? throw new JsonException("an eventNotification has no realmId");
            if (!notification.TryGetProperty("dataChangeEvent", out var data) || !data.TryGetProperty("entities", out var entities) || entities.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var entity in entities.EnumerateArray())
            {
                var name = QuickBooksClient.Text(entity, "name") ?? throw new JsonException("an entity has no name");
                var id = QuickBooksClient.Text(entity, "id") ?? throw new JsonException("an entity has no id");
                var operation = QuickBooksClient.Text(entity, "operation") ?? "Update";
                var updated = QuickBooksClient.Text(entity, "lastUpdated");
                var time = DateTimeOffset.TryParse(updated, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : (DateTimeOffset?)null;
                // The legacy payload has no event id: the change itself is one (the same change delivered twice is applied once).
                var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{realm}|{name}|{id}|{operation}|{updated}")))[..32];
                changes.Add(new Change($"legacy:{key}", Kind(name, operation), time, realm, name, id, operation));
            }
        }

        return changes;
    }

    /// <summary>The kind of a change, in the CloudEvents form: <c>qbo.customer.updated.v1</c>.</summary>
    internal static string Kind(string entity, string operation)
    {
        var verb = operation.ToLowerInvariant() switch
        {
            "create" => "created",
            "update" => "updated",
            "delete" => "deleted",
            "merge" => "merged",
            "void" => "voided",
            "emailed" => "emailed",
            var other => other,
        };
        return $"qbo.{entity.ToLowerInvariant()}.{verb}.v1";
    }

    private static Change FromCloudEvent(CloudEvent e)
    {
        var type = e.Type ?? throw new ArgumentException("a CloudEvent has no type");
        var parts = type.Split('.');
        if (parts.Length < 3 || parts[0] != "qbo")
        {
            throw new FormatException($"CloudEvent type {type} is not qbo.<entity>.<operation>");
        }

        var realm = e["intuitaccountid"] as string ?? throw new ArgumentException("a CloudEvent has no intuitaccountid");
        var id = e["intuitentityid"] as string ?? throw new ArgumentException("a CloudEvent has no intuitentityid");
        return new Change(e.Id!, type, e.Time, realm, parts[1], id, parts[2]);
    }

    /// <summary>An event of the array this app cannot read: kept aside to be logged (its id when it has one).</summary>
    private static Change Unreadable(JsonElement element, Exception ex)
    {
        var id = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : "?";
        var type = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "?";
        return new Change(id, type, null, "", "", "", "") { Unreadable = $"{type}: {ex.GetType().Name}" };
    }

    /// <summary>One entity change.</summary>
    internal sealed record Change(string Id, string Kind, DateTimeOffset? Time, string RealmId, string Entity, string EntityId, string Operation)
    {
        /// <summary>Why an event of the array was not read (null: it was).</summary>
        public string? Unreadable { get; init; }

        /// <summary>The queued payload.</summary>
        public JsonObject Payload() => new()
        {
            ["realmId"] = RealmId, ["entity"] = Entity.ToLowerInvariant(), ["entityId"] = EntityId, ["operation"] = Operation.ToLowerInvariant(),
        };
    }

    [LoggerMessage(LogLevel.Warning, "Refused QuickBooks webhook: QuickBooks is off or QuickBooks:WebhookVerifierTokens is empty (404)")]
    private partial void LogOff();

    [LoggerMessage(LogLevel.Warning, "Refused QuickBooks webhook: intuit-signature matches no verifier token ({BodyBytes} bytes)")]
    private partial void LogBadSignature(int bodyBytes);

    [LoggerMessage(LogLevel.Warning, "Refused signed QuickBooks webhook: not a CloudEvents array nor eventNotifications ({BodyBytes} bytes, {Error})")]
    private partial void LogUnreadable(int bodyBytes, string error);

    [LoggerMessage(LogLevel.Warning, "Skipped an event of a QuickBooks webhook that is not one this app reads: {EventId} ({Reason}); the rest is queued")]
    private partial void LogSkipped(string eventId, string reason);

    [LoggerMessage(LogLevel.Error, "Could not enqueue a QuickBooks webhook of {Count} changes; answered 503 so Intuit retries")]
    private partial void LogStorageFailed(Exception exception, int count);

    [LoggerMessage(LogLevel.Information, "Accepted QuickBooks webhook: {Count} changes ({EventIds})")]
    private partial void LogAccepted(int count, string eventIds);
}
