using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Processing;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Sync;

/// <summary>
/// Two-way customer sync, written once for both directions. An event from either side is only a cue: under the
/// customer's lock, both sides' current customers are read and merged three ways against the last synced fields
/// (<see cref="CustomerMerge"/>), and each side is written only the fields it lacks. A write of ours coming back as an
/// event finds both sides equal to the base and changes nothing (no echo loop), an edit on one side is never written
/// over by the other side's older values (no lost edit), and no time from one system's clock is compared with the
/// other's. The record (scope <see cref="CustomerLink.Scope"/>, keyed by the Tracktile id) keeps the base and the other
/// system's id. One instance per system Tracktile's customers are synced with (the ERP, the ledger), each with its own links.
/// </summary>
public sealed class CustomerSync(TracktileClient tracktile, ICustomerBook erp, SyncStateStore state, CustomerSyncOptions options, CustomerLink link)
{
    /// <summary>The state scope (table partition) of customers synced with the ERP.</summary>
    public const string Scope = "tracktile-customer";

    private readonly CustomerSyncOptions _options = options;

    /// <summary>The customer sync with the ERP: links in <see cref="Scope"/> and in the Tracktile customer's <see cref="CustomerSyncOptions.TracktileErpIdProperty"/>.</summary>
    public static CustomerSync ForErp(TracktileClient tracktile, IErp erp, SyncStateStore state, IOptions<CustomerSyncOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(tracktile, erp, state, options.Value, new CustomerLink(Scope, options.Value.TracktileErpIdProperty));
    }

    /// <summary>Where this sync keeps its links.</summary>
    public CustomerLink Link => link;

    /// <summary>Syncs one customer after a change on <paramref name="changedSide"/>.</summary>
    /// <param name="holder">Who locks the record (a consumer and an event).</param>
    /// <param name="changedSide">The side the event came from.</param>
    /// <param name="tracktileId">The Tracktile customer id.</param>
    /// <param name="erpId">The ERP customer id when the event names it; otherwise the one on record or on the Tracktile customer.</param>
    /// <param name="eventId">The event, for the record and the idempotency keys.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The outcome for the ledger.</returns>
    public Task<string> SyncAsync(
        string holder, CustomerConflictWinner changedSide, string tracktileId, string? erpId, string eventId, CancellationToken cancellationToken)
        => state.UnderLockAsync(link.Scope, tracktileId, holder, async record =>
        {
            var tracktileCustomer = await tracktile.GetCustomerAsync(tracktileId, cancellationToken).ConfigureAwait(false);
            erpId ??= record.TargetId ?? (link.TracktileIdProperty is { } property ? StringProperty(tracktileCustomer, property) : null);
            if (string.IsNullOrEmpty(erpId))
            {
                return ((SyncRecord?)null, link.TracktileIdProperty is { } named
                    ? $"skipped: the Tracktile customer has no {named}, so there is no {erp.Name} customer to sync with"
                    : $"skipped: Tracktile customer {tracktileId} is linked to no {erp.Name} customer yet");
            }

            var erpCustomer = await erp.GetCustomerAsync(erpId, cancellationToken).ConfigureAwait(false);
            var unchangedSide = changedSide == CustomerConflictWinner.Erp ? CustomerConflictWinner.Tracktile : CustomerConflictWinner.Erp;
            var merge = CustomerMerge.Merge(
                CustomerFields.FromStored(record.Status), CustomerFields.From(erp.Project(tracktileCustomer)), CustomerFields.From(erpCustomer), _options.ConflictWinner, unchangedSide);

            if (merge.ToTracktile.Count > 0 || (link.TracktileIdProperty is not null && record.TargetId != erpId))
            {
                // Tracktile's own values, but for the fields it must take: never the other system's cut-short copy of the rest.
                var body = CustomerFields.From(tracktileCustomer).With(merge.Merged, merge.ToTracktile);
                await tracktile.PutCustomerAsync(tracktileId, TracktileBody(body, erpId), cancellationToken).ConfigureAwait(false);
            }

            if (merge.ToErp.Count > 0)
            {
                await erp.PutCustomerAsync(erpId, tracktileId, JsonSerializer.SerializeToElement(merge.Merged.ToJsonObject()), $"customer-sync-{eventId}-{merge.Merged.Hash()[..16]}", cancellationToken).ConfigureAwait(false);
            }

            record.TargetId = erpId;
            record.Status = merge.Merged.ToStoredJson();
            record.Hash = merge.Merged.Hash();
            record.AppliedEventId = eventId;
            return (record, Outcome(merge, tracktileId, erpId));
        }, cancellationToken);

    private string Outcome(CustomerMerge.Result merge, string tracktileId, string erpId)
    {
        if (merge.ToTracktile.Count == 0 && merge.ToErp.Count == 0)
        {
            return $"unchanged: Tracktile customer {tracktileId} and {erp.Name} customer {erpId} already agree (an echo of our own write, or a no-op)";
        }

        var parts = new List<string>();
        if (merge.ToTracktile.Count > 0)
        {
            parts.Add($"Tracktile customer {tracktileId} <- {string.Join(", ", merge.ToTracktile)}");
        }

        if (merge.ToErp.Count > 0)
        {
            parts.Add($"{erp.Name} customer {erpId} <- {string.Join(", ", merge.ToErp)}");
        }

        if (merge.Conflicts.Count > 0)
        {
            parts.Add($"changed on both sides: {string.Join(", ", merge.Conflicts)} (kept {_options.ConflictWinner}'s)");
        }

        return "updated " + string.Join("; ", parts);
    }

    /// <summary>The body of Tracktile's <c>PUT /customers/{id}</c>: the synced fields, and the other id when Tracktile holds it.</summary>
    private JsonElement TracktileBody(CustomerFields fields, string erpId)
    {
        var body = fields.ToJsonObject();
        if (link.TracktileIdProperty is { } property)
        {
            body[property] = erpId;
        }

        return JsonSerializer.SerializeToElement(body);
    }

    private static string? StringProperty(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}

/// <summary>Two-way customer sync. Bound from <c>CustomerSync</c>.</summary>
public sealed class CustomerSyncOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "CustomerSync";

    /// <summary>Who keeps a field that both sides changed since the last sync (default: the ERP, the usual system of record).</summary>
    public CustomerConflictWinner ConflictWinner { get; set; } = CustomerConflictWinner.Erp;

    /// <summary>The Tracktile customer property holding the ERP customer id (undocumented; a setting).</summary>
    public string TracktileErpIdProperty { get; set; } = "externalId";
}
