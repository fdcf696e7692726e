using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Processing;
using TracktileFunctions.Sync;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Store;

/// <summary>
/// The product batch's pages of changed products -> the <see cref="ProductSkuIndex"/> that web stores' orders and
/// stock are matched by, a page at a time. A product without a SKU leaves (or removes) no entry; it is not a failure.
/// </summary>
public sealed class StoreProductIndexConsumer(ProductSkuIndex index, IOptions<TracktileClientOptions> options) : IProductPageTarget
{
    private readonly TracktileProductsOptions _products = options.Value.Products;

    /// <inheritdoc />
    public string Name => "store-products";

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProductOutcome>> ApplyAsync(ProductPage page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var outcomes = new ProductOutcome[page.Products.Count];
        var entries = new List<(string ProductId, string? Sku)>(page.Products.Count);
        var positions = new List<int>(page.Products.Count);
        for (var i = 0; i < page.Products.Count; i++)
        {
            var product = page.Products[i].Product;
            if (product.ValueKind != JsonValueKind.Object || !product.TryGetProperty(_products.IdProperty, out var id) || id.ToString() is not { Length: > 0 } productId)
            {
                outcomes[i] = ProductOutcome.Failed(new PermanentProcessingException($"a product has no '{_products.IdProperty}'"));
                continue;
            }

            var sku = product.TryGetProperty(_products.SkuProperty, out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()?.Trim() : null;
            entries.Add((productId, sku));
            positions.Add(i);
        }

        var changes = await index.SetManyAsync(entries, cancellationToken).ConfigureAwait(false);
        for (var e = 0; e < positions.Count; e++)
        {
            outcomes[positions[e]] = ProductOutcome.Done(changes[e]);
        }

        return outcomes;
    }
}
