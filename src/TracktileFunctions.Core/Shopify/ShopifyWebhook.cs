using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Shopify;

/// <summary>The headers of one Shopify webhook delivery.</summary>
public sealed record ShopifyWebhookHeaders(string? Hmac, string? ShopDomain, string? Topic, string? WebhookId, string? TriggeredAt, long? ContentLength);

/// <summary>
/// <c>POST /api/webhooks/shopify</c>: verifies <c>X-Shopify-Hmac-Sha256</c> (base64 HMAC-SHA256 of the raw body, keyed
/// with the app's client secret; every configured secret tried, in constant time), checks the shop against
/// <c>Shopify:Shops</c>, and queues order topics with <c>X-Shopify-Webhook-Id</c> as the event id (Shopify repeats it on
/// every retry), <c>X-Shopify-Topic</c> as the kind and <c>X-Shopify-Triggered-At</c> as the event time. It answers as
/// soon as the event is queued, well inside Shopify's 5 seconds; only storage failing gets a 5xx (Shopify retries).
/// </summary>
public sealed partial class ShopifyWebhook(
    EventPublisher publisher, IOptions<ShopifyOptions> options, TimeProvider timeProvider, ILogger<ShopifyWebhook> logger, ActivityLog activityLog)
{
    /// <summary>The source name of Shopify's events.</summary>
    public const string Source = "shopify";

    /// <summary>The order topics imported into Tracktile.</summary>
    public static IReadOnlyList<string> OrderTopics { get; } = ["orders/create", "orders/updated", "orders/cancelled"];

    private const int MaxBodyBytes = 2 * 1024 * 1024;

    private readonly ShopifyOptions _options = options.Value;
    private readonly byte[][] _keys = [.. options.Value.ClientSecrets.Select(Encoding.UTF8.GetBytes)];

    /// <summary>Verifies and queues one delivery.</summary>
    public Task<HttpReply> ReceiveAsync(ShopifyWebhookHeaders headers, Stream body, CancellationToken cancellationToken)
        => WebhookOutcomes.ReceiveAsync(Source, activityLog, () => ReceiveCoreAsync(headers, body, cancellationToken), cancellationToken);

    private async Task<HttpReply> ReceiveCoreAsync(ShopifyWebhookHeaders headers, Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (!_options.Enabled || _keys.Length == 0)
        {
            LogOff();
            return HttpReply.SourceOff;
        }

        using var raw = await BoundedBody.ReadAsync(body, headers.ContentLength, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            return HttpReply.TooLarge;
        }

        if (!Verify(headers.Hmac, raw.Span))
        {
            LogBadSignature(headers.ShopDomain ?? "-", headers.Topic ?? "-", raw.Length);
            return new HttpReply(401, "invalid signature");
        }

        // The signature proves the app's secret; the shop must also be one this deployment serves.
        var shop = _options.Shop(headers.ShopDomain);
        if (shop is null)
        {
            LogUnknownShop(headers.ShopDomain ?? "-", headers.Topic ?? "-");
            return new HttpReply(401, "unknown shop");
        }

        if (headers.WebhookId is not { Length: > 0 and <= EventEnvelope.MaxFieldLength } webhookId
            || headers.Topic is not { Length: > 0 and <= EventEnvelope.MaxFieldLength } topic)
        {
            return new HttpReply(400, "X-Shopify-Webhook-Id and X-Shopify-Topic are required");
        }

        if (!OrderTopics.Contains(topic, StringComparer.Ordinal))
        {
            LogIgnoredTopic(shop.Domain, topic, webhookId);
            return HttpReply.Accepted; // subscribed by someone else, or a topic this app does not import: acknowledged, not retried
        }

        EventTracing.TagEvent(webhookId, topic);
        DateTimeOffset? time = DateTimeOffset.TryParse(headers.TriggeredAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        byte[] payload;
        try
        {
            payload = Wrap(shop.Domain, raw.Span);
        }
        catch (JsonException)
        {
            LogUnreadable(shop.Domain, topic, webhookId);
            return new HttpReply(400, "the body is not a JSON object");
        }

        try
        {
            await publisher.PublishAsync([QueueNames.ShopifyOrders], Source, new EventEnvelope(webhookId, topic, time), timeProvider.GetUtcNow(), payload, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStorageFailed(ex, shop.Domain, topic, webhookId);
            return HttpReply.StorageUnavailable;
        }

        LogAccepted(shop.Domain, topic, webhookId);
        return HttpReply.Accepted;
    }

    /// <summary>Shopify's signature: base64 of HMAC-SHA256(key, raw body).</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) => Base64HmacSignature.Sign(secret, body);

    /// <summary>The queued payload: the order as Shopify sent it, under <c>order</c>, with the shop it came from.</summary>
    public static byte[] Wrap(string shop, ReadOnlySpan<byte> order)
    {
        var reader = new Utf8JsonReader(order, new JsonReaderOptions { MaxDepth = EventEnvelope.MaxDepth });
        if (!JsonDocument.TryParseValue(ref reader, out var document) || document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document?.Dispose();
            throw new JsonException("not an object");
        }

        using (document)
        using (var buffer = new MemoryStream(order.Length + 64))
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("shop", shop);
                writer.WritePropertyName("order");
                document.RootElement.WriteTo(writer);
                writer.WriteEndObject();
            }

            return buffer.ToArray();
        }
    }

    private bool Verify(string? header, ReadOnlySpan<byte> body) => Base64HmacSignature.Matches(header, body, _keys);

    [LoggerMessage(LogLevel.Warning, "Refused Shopify webhook: Shopify:Shops or Shopify:ClientSecrets is empty, so Shopify is off (404)")]
    private partial void LogOff();

    [LoggerMessage(LogLevel.Warning, "Refused Shopify webhook from {Shop} ({Topic}): X-Shopify-Hmac-Sha256 does not match ({BodyBytes} bytes)")]
    private partial void LogBadSignature(string shop, string topic, int bodyBytes);

    [LoggerMessage(LogLevel.Warning, "Refused Shopify webhook {Topic}: shop {Shop} is not one of Shopify:Shops")]
    private partial void LogUnknownShop(string shop, string topic);

    [LoggerMessage(LogLevel.Information, "Acknowledged Shopify {Topic} {WebhookId} from {Shop} without queueing: not a topic this app imports")]
    private partial void LogIgnoredTopic(string shop, string topic, string webhookId);

    [LoggerMessage(LogLevel.Warning, "Refused signed Shopify {Topic} {WebhookId} from {Shop}: the body is not a JSON object")]
    private partial void LogUnreadable(string shop, string topic, string webhookId);

    [LoggerMessage(LogLevel.Error, "Could not enqueue Shopify {Topic} {WebhookId} from {Shop}; answered 503 so Shopify retries")]
    private partial void LogStorageFailed(Exception exception, string shop, string topic, string webhookId);

    [LoggerMessage(LogLevel.Information, "Accepted Shopify {Topic} {WebhookId} from {Shop}")]
    private partial void LogAccepted(string shop, string topic, string webhookId);
}
