using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Processing;

/// <summary>
/// A changed product handed off by the product batch -> <c>PUT products/{id}</c> in the ERP. Versions of one product
/// are written one at a time under the product's lock in sync state: an older version (a backlog across runs, a
/// replay) is skipped, and no older write can land after a newer one, so the ERP always ends at the newest version.
/// The same version again (an overlapping run, a forced resync) is written again: a PUT of the same data is harmless.
/// </summary>
public sealed class ErpProductConsumer(IErp erp, SyncStateStore state, IOptions<TracktileClientOptions> tracktileOptions) : IEventConsumer
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
        if (product.ModifiedAt is not { } version)
        {
            // No version to order by: every hand-off of it is the product as it was read, written as it comes.
            var itemKey = await erp.UpsertProductAsync(product, ErpProductMapping.UpsertKey(evt.EventId), cancellationToken).ConfigureAwait(false);
            await state.TrySaveAsync(new SyncRecord(Scope, product.ExternalId) { TargetId = itemKey }, cancellationToken).ConfigureAwait(false);
            return $"upserted product {product.ExternalId} (it has no '{_products.ModifiedAtProperty}')";
        }

        return await state.UnderLockAsync(Scope, product.ExternalId, $"{Name}/{evt.EventId}", async record =>
        {
            if (record.IsNewerThan(version))
            {
                return ((SyncRecord?)null, $"stale: version {version:O} is older than {record.AppliedEventTime:O}, already in the ERP");
            }

            record.TargetId = await erp.UpsertProductAsync(product with { ErpKey = record.TargetId }, ErpProductMapping.UpsertKey(evt.EventId), cancellationToken).ConfigureAwait(false);
            record.AppliedEventId = evt.EventId;
            record.AppliedEventTime = version;
            return (record, $"upserted product {product.ExternalId}");
        }, cancellationToken).ConfigureAwait(false);
    }
}
