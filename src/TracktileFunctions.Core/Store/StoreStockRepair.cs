using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Store;

/// <summary>What one drift repair found and did.</summary>
public sealed record StoreStockRepairReport(string Store, int Checked, IReadOnlyList<StoreStockDifference> Differences, string? Skipped);

/// <summary>One SKU at one location where the store and Tracktile disagreed.</summary>
public sealed record StoreStockDifference(string Sku, string Location, int Store, int Tracktile, string Outcome);

/// <summary>
/// Drift repair: for every SKU in the product index the store sells, Tracktile's total per node (the sum of its lots)
/// against the store's quantity at the node's location; a difference is set in the store by compare-and-set (what it
/// was read as), so a sale landing meanwhile is never overwritten, and reported. Movements still queued would be
/// counted twice (in Tracktile's total, then again when applied), so the run is skipped while any wait.
/// </summary>
public sealed partial class StoreStockRepair(
    IStore store, ProductSkuIndex index, TracktileClient tracktile, QueueServiceClient queues, string stockQueue, bool apply, TimeProvider timeProvider,
    ILogger<StoreStockRepair> logger)
{
    /// <summary>Runs once.</summary>
    public async Task<StoreStockRepairReport> RunAsync(CancellationToken cancellationToken)
    {
        if (store.Locations.Count == 0)
        {
            return new StoreStockRepairReport(store.Name, 0, [], "no Tracktile node is mapped to a store location");
        }

        var queue = queues.GetQueueClient(stockQueue);
        if (await queue.ExistsAsync(cancellationToken).ConfigureAwait(false)
            && (await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount > 0)
        {
            LogSkipped(store.Name, stockQueue);
            return new StoreStockRepairReport(store.Name, 0, [], $"stock movements are waiting in {stockQueue}; the repair runs when they are applied");
        }

        var run = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var differences = new List<StoreStockDifference>();
        var checkedCount = 0;
        foreach (var (sku, productId) in await index.AllAsync(cancellationToken).ConfigureAwait(false))
        {
            var levels = await store.GetLevelsAsync(sku, cancellationToken).ConfigureAwait(false);
            if (levels.Count == 0)
            {
                continue;
            }

            var totals = Totals(await tracktile.ListInventoryEntitiesAsync(productId, cancellationToken).ConfigureAwait(false));
            foreach (var (node, location) in store.Locations)
            {
                if (levels.FirstOrDefault(l => l.Location == location) is not { } level)
                {
                    continue; // not stocked at that location
                }

                checkedCount++;
                var expected = (int)decimal.Floor(totals.GetValueOrDefault(node));
                if (expected == level.Quantity)
                {
                    continue;
                }

                var outcome = "reported";
                if (apply)
                {
                    var reference = new Uri($"tracktile://stock-repair/{run}/{Uri.EscapeDataString(sku)}", UriKind.Absolute);
                    var set = new StoreStockSet(sku, location, expected, level.Quantity, reference, $"{store.Name}-repair/{run}/{sku}/{location.Shop}/{location.Id}");
                    outcome = await store.SetAsync(set, cancellationToken).ConfigureAwait(false) ? "set" : "changed meanwhile; left for the next run";
                }

                LogDifference(store.Name, sku, location.Id, level.Quantity, expected, outcome);
                differences.Add(new StoreStockDifference(sku, location.Id, level.Quantity, expected, outcome));
            }
        }

        LogRun(store.Name, checkedCount, differences.Count);
        return new StoreStockRepairReport(store.Name, checkedCount, differences, null);
    }

    /// <summary>Quantity per node id: the sum of the lots' <c>quantity</c>, each lot at its <c>node.id</c> (or <c>nodeId</c>).</summary>
    private static Dictionary<string, decimal> Totals(IReadOnlyList<JsonElement> lots)
    {
        var totals = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var lot in lots)
        {
            if (lot.ValueKind != JsonValueKind.Object || !lot.TryGetProperty("quantity", out var q) || q.ValueKind != JsonValueKind.Number)
            {
                continue;
            }

            var node = lot.TryGetProperty("node", out var n) && n.ValueKind == JsonValueKind.Object && n.TryGetProperty("id", out var id) ? id.GetString()
                : lot.TryGetProperty("nodeId", out var nodeId) ? nodeId.GetString() : null;
            if (node is not null)
            {
                totals[node] = totals.GetValueOrDefault(node) + q.GetDecimal();
            }
        }

        return totals;
    }

    [LoggerMessage(LogLevel.Information, "{Store} stock repair skipped: movements are waiting in {Queue}")]
    private partial void LogSkipped(string store, string queue);

    [LoggerMessage(LogLevel.Warning, "{Store} stock of {Sku} at {Location} was {StoreQuantity}, Tracktile has {TracktileQuantity}: {Outcome}")]
    private partial void LogDifference(string store, string sku, string location, int storeQuantity, int tracktileQuantity, string outcome);

    [LoggerMessage(LogLevel.Information, "{Store} stock repair checked {Checked} SKU-locations, found {Differences} differences")]
    private partial void LogRun(string store, int @checked, int differences);
}
