using Azure.Data.Tables;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Warehouse;

/// <summary>
/// Where a WMS's stock and Tracktile's disagree, for an operator to see (the status view) and settle: neither side is
/// overwritten. One row per system, SKU and warehouse, replaced by each new report; removed when they agree again.
/// </summary>
public sealed class StockDifferences(LazyTable table, TimeProvider timeProvider)
{
    /// <summary>The table's name.</summary>
    public const string TableName = "stockdifferences";

    /// <summary>Records what was found: a difference is kept (replacing the last), an agreement clears it.</summary>
    public Task RecordAsync(string system, string sku, string warehouseId, decimal wms, decimal tracktile, CancellationToken cancellationToken)
    {
        var key = TableKeys.Escape($"{sku}|{warehouseId}");
        return wms == tracktile
            ? table.RunAsync(t => t.DeleteEntityAsync(system, key, cancellationToken: cancellationToken), cancellationToken)
            : table.RunAsync(t => t.UpsertEntityAsync(new TableEntity(system, key)
            {
                ["Sku"] = sku, ["WarehouseId"] = warehouseId, ["Wms"] = (double)wms, ["Tracktile"] = (double)tracktile, ["Difference"] = (double)(wms - tracktile),
                ["At"] = timeProvider.GetUtcNow(),
            }, TableUpdateMode.Replace, cancellationToken), cancellationToken);
    }

    /// <summary>The differences recorded for <paramref name="system"/>.</summary>
    public Task<List<TableEntity>> ListAsync(string system, CancellationToken cancellationToken)
        => table.RunAsync(async t =>
        {
            var rows = new List<TableEntity>();
            await foreach (var row in t.QueryAsync<TableEntity>(e => e.PartitionKey == system, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(row);
            }

            return rows;
        }, cancellationToken);
}
