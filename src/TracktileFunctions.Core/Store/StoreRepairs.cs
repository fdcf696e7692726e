using Azure.Data.Tables;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Store;

/// <summary>
/// When the drift repair last set a SKU at a store location from Tracktile's totals. Those totals already counted every
/// movement that happened before they were read, so the stock consumer skips such a movement when it arrives later
/// (in flight, retried, or replayed from poison): it would otherwise be counted twice.
/// </summary>
public sealed class StoreRepairs(LazyTable table)
{
    /// <summary>The table's name.</summary>
    public const string TableName = "storerepairs";

    /// <summary>Records that <paramref name="sku"/> at <paramref name="location"/> was set from totals read at <paramref name="totalsReadAt"/>.</summary>
    public Task RecordAsync(string store, string sku, StoreLocation location, DateTimeOffset totalsReadAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        return table.RunAsync(t => t.UpsertEntityAsync(new TableEntity(store, Key(sku, location)) { ["TotalsReadAt"] = totalsReadAt }, TableUpdateMode.Replace, cancellationToken),
            cancellationToken);
    }

    /// <summary>Whether a repair set <paramref name="sku"/> at <paramref name="location"/> from totals read at or after <paramref name="movementTime"/>.</summary>
    public async Task<bool> CoversAsync(string store, string sku, StoreLocation location, DateTimeOffset movementTime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        var found = await table.RunAsync(t => t.GetEntityIfExistsAsync<TableEntity>(store, Key(sku, location), cancellationToken: cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        return found.HasValue && found.Value!.GetDateTimeOffset("TotalsReadAt") is { } readAt && readAt >= movementTime;
    }

    private static string Key(string sku, StoreLocation location) => TableKeys.Escape($"{sku}|{location.Shop}|{location.Id}");
}
