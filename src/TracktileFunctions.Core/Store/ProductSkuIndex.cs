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
    /// <returns>What changed, for the logs.</returns>
    public async Task<string> SetAsync(string productId, string? sku, CancellationToken cancellationToken)
        => (await SetManyAsync([(productId, sku)], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// Records the SKUs of a page of products, in order (a later entry for a product wins): the rows they touch are
    /// read in a few queries, the changes worked out in memory, and written in one transaction per 100 rows.
    /// </summary>
    /// <returns>What changed for each entry, in order.</returns>
    public async Task<IReadOnlyList<string>> SetManyAsync(IReadOnlyList<(string ProductId, string? Sku)> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var wanted = entries.Select(e => (e.ProductId, Sku: string.IsNullOrEmpty(e.Sku) ? null : e.Sku)).ToList();

        // The rows as stored (null: none), then as they will be: the product rows first, the SKU rows of the SKUs that move.
        var rows = new Dictionary<string, string?>(StringComparer.Ordinal);
        await ReadAsync(wanted.Select(e => "product:" + e.ProductId)).ConfigureAwait(false);
        await ReadAsync(wanted.Where(e => e.Sku is not null && rows["product:" + e.ProductId] != e.Sku).Select(e => "sku:" + e.Sku)).ConfigureAwait(false);
        var stored = new Dictionary<string, string?>(rows, StringComparer.Ordinal);

        var outcomes = new string[wanted.Count];
        for (var i = 0; i < wanted.Count; i++)
        {
            var (productId, sku) = wanted[i];
            var productRow = "product:" + productId;
            var had = rows[productRow];
            var old = had is { Length: > 0 } ? had : null;
            if (had is not null && old == sku)
            {
                outcomes[i] = $"unchanged: product {productId} has SKU {sku ?? "(none)"}";
                continue;
            }

            if (old is not null)
            {
                rows["sku:" + old] = null;
            }

            if (sku is null)
            {
                rows[productRow] = ""; // known, without SKU: web stores and warehouses skip its movements instead of waiting for an entry
            }
            else
            {
                // A SKU that moved here from another product: that product no longer has it (a SKU names one product).
                if (rows.GetValueOrDefault("sku:" + sku) is { } previous && previous != productId)
                {
                    rows["product:" + previous] = null;
                }

                rows["sku:" + sku] = productId;
                rows[productRow] = sku;
            }

            outcomes[i] = $"product {productId}: SKU {old ?? "(none)"} -> {sku ?? "(none)"}";
        }

        // What differs from what was read (a row that was not read, e.g. the product a SKU moved away from, is written as it is now).
        var actions = rows.Where(r => !stored.TryGetValue(r.Key, out var before) || before != r.Value).Select(r => r.Value is null
            ? new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, TableKeys.Escape(r.Key)), ETag.All)
            : new TableTransactionAction(TableTransactionActionType.UpsertReplace, Row(r.Key, r.Value))).ToList();
        foreach (var chunk in actions.Chunk(100))
        {
            await SubmitAsync(chunk, cancellationToken).ConfigureAwait(false);
        }

        return outcomes;

        async Task ReadAsync(IEnumerable<string> keys)
        {
            var missing = keys.Where(k => !rows.ContainsKey(k)).Distinct(StringComparer.Ordinal).ToDictionary(TableKeys.Escape, StringComparer.Ordinal);
            foreach (var key in missing.Values)
            {
                rows[key] = null;
            }

            foreach (var row in await table.GetManyAsync<TableEntity>(Partition, missing.Keys, cancellationToken).ConfigureAwait(false))
            {
                rows[missing[row.RowKey]] = row.GetString("Value");
            }
        }
    }

    private static TableEntity Row(string key, string value)
        => key.StartsWith("sku:", StringComparison.Ordinal)
            ? new TableEntity(Partition, TableKeys.Escape(key)) { ["Value"] = value, ["Sku"] = key["sku:".Length..] }
            : new TableEntity(Partition, TableKeys.Escape(key)) { ["Value"] = value };

    private async Task SubmitAsync(TableTransactionAction[] actions, CancellationToken cancellationToken)
    {
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
    }

    private async Task<TableEntity?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var found = await table.RunAsync(
            t => t.GetEntityIfExistsAsync<TableEntity>(Partition, TableKeys.Escape(key), cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
        return found.HasValue ? found.Value : null;
    }
}
