using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Shopify;

/// <summary>What one reconciliation run did in one shop.</summary>
public sealed record ShopifyReconciliationResult(string Shop, DateTimeOffset Since, int Queued, DateTimeOffset? Watermark);

/// <summary>
/// Shopify says webhooks can be missed: every few minutes, per shop, the orders updated since the last run (less an
/// overlap) are queued through the same import as webhooks. An order already imported changes nothing (the import's
/// link and version guard); the run's event id is the order and its <c>updatedAt</c>, so the ledger skips a version
/// found twice. The watermark moves to the newest <c>updatedAt</c> seen, only after the whole run is queued.
/// </summary>
public sealed partial class ShopifyOrderReconciliation(
    ShopifyClient shopify, EventPublisher publisher, SyncStateStore state, IOptions<ShopifyOptions> options, TimeProvider timeProvider,
    ILogger<ShopifyOrderReconciliation> logger)
{
    /// <summary>The state scope of the watermarks.</summary>
    public const string Scope = "shopify-reconcile";

    /// <summary>The event source of the run's finds.</summary>
    public const string Source = "shopify-reconcile";

    private readonly ShopifyOptions _options = options.Value;

    /// <summary>Runs once for every shop; nothing when Shopify is off.</summary>
    public async Task<IReadOnlyList<ShopifyReconciliationResult>> RunAsync(CancellationToken cancellationToken)
    {
        var results = new List<ShopifyReconciliationResult>();
        foreach (var shop in _options.Shops)
        {
            results.Add(await RunShopAsync(shop.Domain, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    private async Task<ShopifyReconciliationResult> RunShopAsync(string shop, CancellationToken cancellationToken)
    {
        var record = await state.GetAsync(Scope, shop, cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow();
        var watermark = record?.AppliedEventTime;
        var since = watermark is { } w
            ? w - TimeSpan.FromSeconds(_options.Orders.ReconcileOverlapSeconds)
            : now - TimeSpan.FromHours(_options.Orders.ReconcileInitialHours);
        var query = $"updated_at:>='{ShopifyClient.SearchTime(since)}'";
        string? after = null;
        var queued = 0;
        DateTimeOffset? newest = watermark;
        do
        {
            var variables = new JsonObject { ["query"] = query, ["after"] = after };
            var data = await shopify.ExecuteAsync(shop, ShopifyDocuments.OrdersUpdatedSince, variables, cancellationToken).ConfigureAwait(false);
            var orders = data.GetProperty("orders");
            foreach (var node in orders.GetProperty("nodes").EnumerateArray())
            {
                var rest = await OrderAsync(shop, node.GetProperty("id").GetString()!, cancellationToken).ConfigureAwait(false);
                if (rest is null)
                {
                    continue; // deleted since it was listed
                }

                var updated = DateTimeOffset.TryParse(rest["updated_at"]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var u) ? u : (DateTimeOffset?)null;
                var eventId = $"reconcile:{rest["id"]}@{updated?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) ?? "unknown"}";
                var payload = ShopifyWebhook.Wrap(shop, JsonSerializer.SerializeToUtf8Bytes(rest));
                await publisher.PublishAsync([QueueNames.ShopifyOrders], Source, new EventEnvelope(eventId, "orders/updated", updated), now, payload, cancellationToken)
                    .ConfigureAwait(false);
                queued++;
                if (updated is { } t && (newest is null || t > newest))
                {
                    newest = t;
                }
            }

            var page = orders.GetProperty("pageInfo");
            after = page.GetProperty("hasNextPage").GetBoolean() ? page.GetProperty("endCursor").GetString() : null;
        }
        while (after is not null);

        if (newest != watermark)
        {
            var next = record ?? new SyncRecord(Scope, shop);
            next.AppliedEventTime = newest;
            next.Status = "reconciled";
            await state.TrySaveAsync(next, cancellationToken).ConfigureAwait(false); // lost to a concurrent run: that run's mark stands
        }

        LogRun(shop, since, queued);
        return new ShopifyReconciliationResult(shop, since, queued, newest);
    }

    /// <summary>One order with all its lines, in the webhook's shape; null when it no longer exists.</summary>
    private async Task<JsonObject?> OrderAsync(string shop, string id, CancellationToken cancellationToken)
    {
        JsonElement? order = null;
        var lines = new List<JsonElement>();
        string? after = null;
        do
        {
            var data = await shopify.ExecuteAsync(shop, ShopifyDocuments.OrderForImport, new JsonObject { ["id"] = id, ["after"] = after }, cancellationToken).ConfigureAwait(false);
            if (data.GetProperty("order") is not { ValueKind: JsonValueKind.Object } node)
            {
                return null;
            }

            order ??= node;
            var items = node.GetProperty("lineItems");
            lines.AddRange(items.GetProperty("nodes").EnumerateArray());
            var info = items.GetProperty("pageInfo");
            after = info.GetProperty("hasNextPage").GetBoolean() ? info.GetProperty("endCursor").GetString() : null;
        }
        while (after is not null);

        return ShopifyOrders.ToRestShape(order.Value, lines);
    }

    [LoggerMessage(LogLevel.Information, "Shopify {Shop} reconciliation: {Queued} orders updated since {Since:O} queued for import")]
    private partial void LogRun(string shop, DateTimeOffset since, int queued);
}
