using TracktileFunctions.Processing;

namespace TracktileFunctions.QuickBooks;

/// <summary>The links the app keeps between Tracktile records and QuickBooks entities (sync state, one scope per entity).</summary>
internal static class QuickBooksLinks
{
    /// <summary>
    /// Keeps the link (the first one wins: two invoices, or an invoice and the product batch, finding the same entity at
    /// once agree on it), with the customer sync's base. With <paramref name="refuseShared"/>, a QuickBooks customer linked
    /// to another Tracktile customer already (two found by one name) is refused: their edits would overwrite each other.
    /// (A mapping that shares one is a choice.)
    /// </summary>
    /// <returns>The linked id: <paramref name="id"/>, or the one linked first.</returns>
    public static async Task<string> LinkAsync(
        this SyncStateStore state, string scope, string key, string id, string? baseline, bool refuseShared, CancellationToken cancellationToken)
        => await state.UnderLockAsync(scope, key, $"link/{Guid.NewGuid():N}", async record =>
        {
            if (record.TargetId is { } existing)
            {
                return ((SyncRecord?)null, existing);
            }

            if (refuseShared && await state.FindByTargetAsync(scope, id, cancellationToken).ConfigureAwait(false) is { } other && other.Key != key)
            {
                throw new PermanentProcessingException(
                    $"QuickBooks customer {id} is linked to Tracktile customer {other.Key} already, and Tracktile customer {key} has the same name: map one of them in QuickBooks:Customers:Map");
            }

            record.TargetId = id;
            record.Status ??= baseline;
            return ((SyncRecord?)record, id);
        }, cancellationToken).ConfigureAwait(false);
}
