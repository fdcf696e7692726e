using System.Text.Json;
using Microsoft.Extensions.Logging;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Store;

/// <summary>What one drift repair found and did.</summary>
public sealed record StoreStockRepairReport(string Store, int Checked, IReadOnlyList<StoreStockDifference> Differences, IReadOnlyList<string> Failed, string? Skipped);

/// <summary>One SKU at one location where the store and Tracktile disagreed.</summary>
public sealed record StoreStockDifference(string Sku, string Location, int Store, int Tracktile, string Outcome);

/// <summary>
/// Drift repair: for every SKU in the product index the store sells, Tracktile's total per location (the sum of the
/// lots at the nodes mapped to it) against the store's quantity there; a difference is set in the store by
/// compare-and-set (what it was read as), so a sale landing meanwhile is never overwritten, and reported. The time the
/// totals were read is recorded (<see cref="StoreRepairs"/>): a movement from before it that arrives later is skipped,
/// as the totals counted it. One SKU failing is reported and the run goes on.
/// </summary>
public sealed partial class StoreStockRepair(
    IStore store, ProductSkuIndex index, StoreRepairs repairs, TracktileClient tracktile, bool apply, TimeProvider timeProvider, ILogger<StoreStockRepair> logger)
{
    /// <summary>Runs once.</summary>
    public async Task<StoreStockRepairReport> RunAsync(CancellationToken cancellationToken)
    {
        if (store.Locations.Count == 0)
        {
            return new StoreStockRepairReport(store.Name, 0, [], [], "no Tracktile node is mapped to a store location");
        }

        var run = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var differences = new List<StoreStockDifference>();
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var (sku, productId) in await index.AllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                checkedCount += await RepairAsync(sku, productId, run, differences, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Http.ExternalApiException or Processing.PermanentProcessingException or Processing.NotReadyException)
            {
                LogSkuFailed(store.Name, sku, ex.Message);
                failures.Add($"{sku}: {ex.Message}");
            }
        }

        LogRun(store.Name, checkedCount, differences.Count, failures.Count);
        return new StoreStockRepairReport(store.Name, checkedCount, differences, failures, null);
    }

    private async Task<int> RepairAsync(string sku, string productId, long run, List<StoreStockDifference> differences, CancellationToken cancellationToken)
    {
        var levels = await store.GetLevelsAsync(sku, cancellationToken).ConfigureAwait(false);
        if (levels.Count == 0)
        {
            return 0;
        }

        var readAt = timeProvider.GetUtcNow();
        var totals = Totals(await tracktile.ListInventoryEntitiesAsync(productId, cancellationToken).ConfigureAwait(false));
        var checkedCount = 0;
        foreach (var location in store.Locations.Select(l => l.Location).Distinct())
        {
            if (levels.FirstOrDefault(l => l.Location == location) is not { } level)
            {
                continue; // not stocked at that location
            }

            checkedCount++;
            var nodes = store.Locations.Where(l => l.Location == location).Select(l => l.NodeId);
            var expected = (int)decimal.Floor(nodes.Sum(node => totals.GetValueOrDefault(node)));
            if (expected == level.Quantity)
            {
                continue;
            }

            var outcome = "reported";
            if (apply)
            {
                var reference = new Uri($"tracktile://stock-repair/{run}/{Uri.EscapeDataString(sku)}", UriKind.Absolute);
                var set = new StoreStockSet(sku, location, expected, level.Quantity, reference, $"{store.Name}-repair/{run}/{sku}/{location.Shop}/{location.Id}");
                if (await store.SetAsync(set, cancellationToken).ConfigureAwait(false))
                {
                    await repairs.RecordAsync(store.Name, sku, location, readAt, cancellationToken).ConfigureAwait(false);
                    outcome = "set";
                }
                else
                {
                    outcome = "changed meanwhile; left for the next run";
                }
            }

            LogDifference(store.Name, sku, location.Id, level.Quantity, expected, outcome);
            differences.Add(new StoreStockDifference(sku, location.Id, level.Quantity, expected, outcome));
        }

        return checkedCount;
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

    [LoggerMessage(LogLevel.Warning, "{Store} stock repair could not check {Sku}: {Reason}")]
    private partial void LogSkuFailed(string store, string sku, string reason);

    [LoggerMessage(LogLevel.Warning, "{Store} stock of {Sku} at {Location} was {StoreQuantity}, Tracktile has {TracktileQuantity}: {Outcome}")]
    private partial void LogDifference(string store, string sku, string location, int storeQuantity, int tracktileQuantity, string outcome);

    [LoggerMessage(LogLevel.Information, "{Store} stock repair checked {Checked} SKU-locations, found {Differences} differences, {Failed} SKUs failed")]
    private partial void LogRun(string store, int @checked, int differences, int failed);
}
