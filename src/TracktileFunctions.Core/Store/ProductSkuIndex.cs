using Azure;
using Azure.Data.Tables;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Store;

/// <summary>
/// Tracktile product id <-> SKU, kept from the products the product batch reads (<see cref="StoreProductIndexConsumer"/>):
/// web stores name products by SKU. One partition, two rows per product (<c>sku:X</c> and <c>product:Y</c>), written
/// together in one transaction; a SKU that moved to another product is re-pointed, and a product whose SKU changed
/// loses its old one.
/// </summary>
public sealed class ProductSkuIndex(LazyTable table)
{
    /// <summary>The table's name.</summary>
    public const string TableName = "productskus";

    private const string Partition = "index";

    /// <summary>The Tracktile product id of <paramref name="sku"/>, or null.</summary>
    public async Task<string?> ProductOfAsync(string sku, CancellationToken cancellationToken)
        => (await GetAsync("sku:" + sku, cancellationToken).ConfigureAwait(false))?.GetString("Value");

    /// <summary>The SKU of Tracktile product <paramref name="productId"/>: empty when the product is known to have none, null when it is not indexed yet.</summary>
    public async Task<string?> SkuOfAsync(string productId, CancellationToken cancellationToken)
        => (await GetAsync("product:" + productId, cancellationToken).ConfigureAwait(false))?.GetString("Value");

    /// <summary>Every indexed SKU with its product, for the stock repair.</summary>
    public Task<List<(string Sku, string ProductId)>> AllAsync(CancellationToken cancellationToken)
        => table.RunAsync(async t =>
        {
            var all = new List<(string Sku, string ProductId)>();
            await foreach (var row in t.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (row.GetString("Sku") is { } sku && row.GetString("Value") is { } productId)
                {
                    all.Add((sku, productId));
                }
            }

            return all;
        }, cancellationToken);

    /// <summary>Records <paramref name="productId"/>'s SKU (null or empty: it has none any more).</summary>
    /// <returns>What changed, for the ledger.</returns>
    public async Task<string> SetAsync(string productId, string? sku, CancellationToken cancellationToken)
    {
        var productKey = TableKeys.Escape("product:" + productId);
        var row = await GetAsync("product:" + productId, cancellationToken).ConfigureAwait(false);
        var old = row?.GetString("Value") is { Length: > 0 } had ? had : null;
        sku = string.IsNullOrEmpty(sku) ? null : sku;
        if (row is not null && old == sku)
        {
            return $"unchanged: product {productId} has SKU {sku ?? "(none)"}";
        }

        var actions = new List<TableTransactionAction>();
        if (old is not null)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, TableKeys.Escape("sku:" + old)), ETag.All));
        }

        if (sku is null)
        {
            // Known, without SKU: web stores and warehouses skip its movements instead of waiting for an index entry.
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, productKey) { ["Value"] = "" }));
        }
        else
        {
            // A SKU that moved here from another product: that product no longer has it (a SKU names one product).
            if ((await GetAsync("sku:" + sku, cancellationToken).ConfigureAwait(false))?.GetString("Value") is { } previous && previous != productId)
            {
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, TableKeys.Escape("product:" + previous)), ETag.All));
            }

            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, TableKeys.Escape("sku:" + sku)) { ["Value"] = productId, ["Sku"] = sku }));
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, productKey) { ["Value"] = sku }));
        }

        try
        {
            await table.RunAsync(t => t.SubmitTransactionAsync(actions, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 404)
        {
            // A row to delete was gone already (another writer): apply each action alone, a missing row being deleted already.
            foreach (var action in actions)
            {
                var entity = (TableEntity)action.Entity;
                if (action.ActionType == TableTransactionActionType.Delete)
                {
                    await table.RunAsync(t => t.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ETag.All, cancellationToken), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await table.RunAsync(t => t.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return $"product {productId}: SKU {old ?? "(none)"} -> {sku ?? "(none)"}";
    }

    private async Task<TableEntity?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var found = await table.RunAsync(
            t => t.GetEntityIfExistsAsync<TableEntity>(Partition, TableKeys.Escape(key), cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
        return found.HasValue ? found.Value : null;
    }
}
