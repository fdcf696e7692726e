using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Processing;

/// <summary>A changed product handed off by the product batch -> <c>PUT products/{id}</c> in the ERP.</summary>
public sealed class ErpProductConsumer(ErpClient erp, IOptions<TracktileClientOptions> tracktileOptions) : IEventConsumer
{
    private readonly TracktileProductsOptions _products = tracktileOptions.Value.Products;

    /// <inheritdoc />
    public string Name => "erp-products";

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var product = ErpProductMapping.ToErpProduct(evt.Payload, _products.IdProperty, _products.ModifiedAtProperty)
            ?? throw new PermanentProcessingException($"product has no '{_products.IdProperty}' (check Tracktile:Api:Products:IdProperty)");
        await erp.UpsertProductAsync(product, ErpProductMapping.UpsertKey(product), cancellationToken).ConfigureAwait(false);
        return $"upserted product {product.ExternalId}";
    }
}
