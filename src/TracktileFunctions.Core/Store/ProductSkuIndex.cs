using Azure.Data.Tables;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Store;

/// <summary>
/// Tracktile product id <-> SKU, kept from the products the product batch reads (<see cref="StoreProductIndexConsumer"/>):
/// web stores name products by SKU. One partition, two rows per product: <c>product:Y</c> (its SKU, empty when it has
/// none) and <c>sku:X</c> (the product that has it). The batch writes a page's rows without reading any (one transaction
/// per 100 rows), so a row can be left behind: the SKU a product had before, the product a SKU moved away from. Every
/// read therefore checks the pair: a SKU names a product only while that product's row names the SKU back.
/// </summary>
public sealed class ProductSkuIndex(LazyTable table)
{
    /// <summary>The table's name.</summary>
    public const string TableName = "productskus";

    private const string Partition = "index";
    private const string SkuPrefix = "sku:";
    private const string ProductPrefix = "product:";

    /// <summary>The Tracktile product id of <paramref name="sku"/>, or null.</summary>
    public async Task<string?> ProductOfAsync(string sku, CancellationToken cancellationToken)
        => await GetAsync(SkuPrefix + sku, cancellationToken).ConfigureAwait(false) is { } productId
           && await GetAsync(ProductPrefix + productId, cancellationToken).ConfigureAwait(false) == sku
            ? productId
            : null;

    /// <summary>The SKU of Tracktile product <paramref name="productId"/>: empty when the product is known to have none, null when it is not indexed yet.</summary>
    public async Task<string?> SkuOfAsync(string productId, CancellationToken cancellationToken)
        => await GetAsync(ProductPrefix + productId, cancellationToken).ConfigureAwait(false) switch
        {
            null => null,
            "" => "",
            // Its SKU moved to another product since: this product's own new version is not indexed yet.
            var sku => await GetAsync(SkuPrefix + sku, cancellationToken).ConfigureAwait(false) == productId ? sku : null,
        };

    /// <summary>Every indexed SKU with its product, for the stock repair.</summary>
    public Task<List<(string Sku, string ProductId)>> AllAsync(CancellationToken cancellationToken)
        => table.RunAsync(async t =>
        {
            var skus = new Dictionary<string, string>(StringComparer.Ordinal);
            var products = new Dictionary<string, string>(StringComparer.Ordinal);
            await foreach (var row in t.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                // (Rows written before pages carry no Key: their short keys are escaped reversibly.)
                if ((row.GetString("Key") ?? Uri.UnescapeDataString(row.RowKey)) is var key && row.GetString("Value") is { } value)
                {
                    (key.StartsWith(SkuPrefix, StringComparison.Ordinal) ? skus : products)[key[(key.IndexOf(':', StringComparison.Ordinal) + 1)..]] = value;
                }
            }

            return skus.Where(s => products.GetValueOrDefault(s.Value) == s.Key).Select(s => (s.Key, s.Value)).ToList();
        }, cancellationToken);

    /// <summary>Records <paramref name="productId"/>'s SKU (null or empty: it has none any more).</summary>
    /// <returns>What it recorded, for the logs.</returns>
    public async Task<string> SetAsync(string productId, string? sku, CancellationToken cancellationToken)
        => (await SetManyAsync([(productId, sku)], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// Records the SKUs of a page of products, in order (a later entry for a product or a SKU wins), in one transaction
    /// per 100 rows and without reading: rows this leaves behind are told apart by the reads (see the class).
    /// </summary>
    /// <returns>What it recorded for each entry, in order.</returns>
    public async Task<IReadOnlyList<string>> SetManyAsync(IReadOnlyList<(string ProductId, string? Sku)> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        var outcomes = new string[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var (productId, sku) = entries[i];
            sku = string.IsNullOrEmpty(sku) ? null : sku;
            rows[ProductPrefix + productId] = sku ?? ""; // known, without SKU: web stores and warehouses skip its movements instead of waiting for an entry
            if (sku is not null)
            {
                rows[SkuPrefix + sku] = productId;
            }

            outcomes[i] = $"product {productId}: SKU {sku ?? "(none)"}";
        }

        foreach (var chunk in rows.Chunk(100))
        {
            var actions = chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new TableEntity(Partition, TableKeys.Escape(r.Key)) { ["Key"] = r.Key, ["Value"] = r.Value }));
            await table.RunAsync(t => t.SubmitTransactionAsync(actions, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        return outcomes;
    }

    private async Task<string?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var found = await table.RunAsync(
            t => t.GetEntityIfExistsAsync<TableEntity>(Partition, TableKeys.Escape(key), cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
        return found.HasValue ? found.Value!.GetString("Value") : null;
    }
}
