using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Processing;

/// <summary>
/// A changed product handed off by the product batch -> <c>PUT products/{id}</c> in the ERP. An older version arriving
/// after a newer one (a backlog across runs, a replay) is skipped, so the ERP never goes back to an old snapshot.
/// </summary>
public sealed class ErpProductConsumer(ErpClient erp, SyncStateStore state, IOptions<TracktileClientOptions> tracktileOptions) : IEventConsumer
{
    /// <summary>The state scope (table partition) of products written to the ERP.</summary>
    public const string Scope = "erp-product";

    private readonly TracktileProductsOptions _products = tracktileOptions.Value.Products;

    /// <inheritdoc />
    public string Name => "erp-products";

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var product = ErpProductMapping.ToErpProduct(evt.Payload, _products.IdProperty, _products.ModifiedAtProperty)
            ?? throw new PermanentProcessingException($"product has no '{_products.IdProperty}' (check Tracktile:Api:Products:IdProperty)");
        var record = product.ModifiedAt is null ? null : await state.GetAsync(Scope, product.ExternalId, cancellationToken).ConfigureAwait(false);
        if (record is not null && product.ModifiedAt is { } modified && record.IsNewerThan(modified, evt.EventId))
        {
            return $"stale: version {modified:O} is older than {record.AppliedEventTime:O}, already in the ERP";
        }

        if (product.ModifiedAt is { } version && record?.AppliedEventId != evt.EventId)
        {
            // Record the version before writing it: a concurrent older version then finds itself stale.
            var next = new SyncRecord(Scope, product.ExternalId)
            {
                TargetId = product.ExternalId,
                AppliedEventId = evt.EventId,
                AppliedEventTime = version,
                ETag = record?.ETag ?? default,
            };
            if (!await state.TrySaveAsync(next, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"product {product.ExternalId} changed concurrently; retrying");
            }
        }

        await erp.UpsertProductAsync(product, ErpProductMapping.UpsertKey(evt.EventId), cancellationToken).ConfigureAwait(false);
        return $"upserted product {product.ExternalId}";
    }
}
