using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.BusinessCentral;

/// <summary>
/// <c>POST /api/webhooks/businesscentral</c>: Business Central's subscription handshake (<c>?validationToken=</c> ->
/// 200 with the token as plain text) and its change notifications (<c>{"value":[...]}</c>, several subscriptions'
/// entries per POST). An entry is trusted by its <c>clientState</c> (compared in constant time with every configured
/// one), queued without it, and answered 200. Business Central deletes a subscription on any 4xx but 408 and 429,
/// so a notification whose clientState is ours is never answered 4xx: it is queued, or answered 503 to be sent again.
/// </summary>
public sealed partial class BusinessCentralWebhook(
    EventPublisher publisher, IOptions<BusinessCentralOptions> options, TimeProvider timeProvider, ILogger<BusinessCentralWebhook> logger, ActivityLog activityLog)
{
    /// <summary>The source name of Business Central's events.</summary>
    public const string Source = "businesscentral";

    private const int MaxBodyBytes = 4 * 1024 * 1024;
    private const int MaxTokenLength = 1024;

    private readonly BusinessCentralOptions _options = options.Value;

    /// <summary>Answers a handshake, or queues a notification's entries.</summary>
    public Task<HttpReply> ReceiveAsync(string? validationToken, long? contentLength, Stream body, CancellationToken cancellationToken)
        => WebhookOutcomes.ReceiveAsync(Source, activityLog, () => ReceiveCoreAsync(validationToken, contentLength, body, cancellationToken), cancellationToken);

    private async Task<HttpReply> ReceiveCoreAsync(string? validationToken, long? contentLength, Stream body, CancellationToken cancellationToken)
    {
        if (!_options.Enabled || _options.Webhook.ClientStates.Count == 0)
        {
            LogOff();
            return HttpReply.SourceOff;
        }

        if (validationToken is not null)
        {
            // The handshake carries no clientState: echoing the token proves only that this URL is a receiver.
            return validationToken.Length is > 0 and <= MaxTokenLength
                ? new HttpReply(200, validationToken)
                : new HttpReply(400, "validationToken is empty or too long");
        }

        using var raw = await BoundedBody.ReadAsync(body, contentLength, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            return HttpReply.TooLarge;
        }

        List<JsonObject> accepted;
        int refused;
        try
        {
            (accepted, refused) = Accept(raw.Span);
        }
        catch (JsonException)
        {
            LogUnreadable(raw.Length);
            return new HttpReply(400, "not a Business Central notification");
        }

        if (accepted.Count == 0 && refused == 0)
        {
            return HttpReply.Accepted; // nothing in it; a 4xx would make Business Central delete the subscription
        }

        if (accepted.Count == 0)
        {
            LogRefused(refused);
            return new HttpReply(401, "unknown clientState");
        }

        var receivedAt = timeProvider.GetUtcNow();
        try
        {
            foreach (var entry in accepted)
            {
                var envelope = BusinessCentralEvents.Envelope(entry);
                await publisher.PublishAsync([QueueNames.BusinessCentralNotifications], Source, envelope, receivedAt,
                    Encoding.UTF8.GetBytes(entry.ToJsonString()), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStorageFailed(ex, accepted.Count);
            return HttpReply.StorageUnavailable; // 5xx: Business Central sends it again
        }

        LogAccepted(accepted.Count, refused);
        return HttpReply.Accepted;
    }

    private (List<JsonObject> Accepted, int Refused) Accept(ReadOnlySpan<byte> json)
    {
        var root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = EventEnvelope.MaxDepth }) as JsonObject
            ?? throw new JsonException("not an object");
        var entries = root["value"] as JsonArray ?? throw new JsonException("no value array");
        var accepted = new List<JsonObject>();
        var refused = 0;
        foreach (var node in entries)
        {
            if (node is JsonObject entry && entry["clientState"] is JsonValue state && state.TryGetValue<string>(out var clientState)
                && IsOurs(clientState) && entry["resource"] is JsonValue resource && resource.TryGetValue<string>(out _))
            {
                entry.Remove("clientState"); // a secret: never queued, logged or stored
                accepted.Add((JsonObject)entry.DeepClone());
            }
            else
            {
                refused++;
            }
        }

        return (accepted, refused);
    }

    private bool IsOurs(string clientState)
    {
        var given = Encoding.UTF8.GetBytes(clientState);
        var match = false;
        foreach (var secret in _options.Webhook.ClientStates)
        {
            match |= secret.Length > 0 && CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(secret));
        }

        return match;
    }

    [LoggerMessage(LogLevel.Warning, "Refused Business Central webhook: Business Central is not the ERP, or BusinessCentral:Webhook:ClientStates is empty (404)")]
    private partial void LogOff();

    [LoggerMessage(LogLevel.Warning, "Refused Business Central webhook: the body is not a notification ({BodyBytes} bytes)")]
    private partial void LogUnreadable(int bodyBytes);

    [LoggerMessage(LogLevel.Warning, "Refused Business Central webhook: none of its {Refused} entries carries a known clientState")]
    private partial void LogRefused(int refused);

    [LoggerMessage(LogLevel.Error, "Could not enqueue {Count} Business Central notifications; answered 503 so Business Central retries")]
    private partial void LogStorageFailed(Exception exception, int count);

    [LoggerMessage(LogLevel.Information, "Accepted {Count} Business Central notifications ({Refused} entries refused)")]
    private partial void LogAccepted(int count, int refused);
}
