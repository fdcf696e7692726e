using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Store;

/// <summary>
/// The product batch's changed products -> the <see cref="ProductSkuIndex"/> that web stores' orders and stock are
/// matched by. A product without a SKU leaves (or removes) no entry; it is not a failure.
/// </summary>
public sealed class StoreProductIndexConsumer(ProductSkuIndex index, IOptions<TracktileClientOptions> options) : IEventConsumer
{
    private readonly TracktileProductsOptions _products = options.Value.Products;

    /// <inheritdoc />
    public string Name => "store-products";

    /// <inheritdoc />
    public Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var product = evt.Payload;
        var id = product.ValueKind == JsonValueKind.Object && product.TryGetProperty(_products.IdProperty, out var i) && i.ToString() is { Length: > 0 } text
            ? text
            : throw new PermanentProcessingException($"a product has no '{_products.IdProperty}'");
        var sku = product.TryGetProperty(_products.SkuProperty, out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()?.Trim() : null;
        return index.SetAsync(id, sku, cancellationToken);
    }
}
