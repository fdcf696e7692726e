using System.Text.Json;

namespace TracktileFunctions.Sync;

/// <summary>
/// A system that keeps customers the app syncs with Tracktile's both ways (the ERP, the accounting ledger): read one,
/// write the synced fields of one. <see cref="CustomerSync"/> is written once against it.
/// </summary>
public interface ICustomerBook
{
    /// <summary>The system's name, for outcomes and logs (e.g. <c>Business Central</c>, <c>QuickBooks</c>).</summary>
    string Name { get; }

    /// <summary>Reads a customer, in the synced fields' shape (<c>name</c>, <c>email</c>, <c>phone</c>, <c>address</c>).</summary>
    Task<JsonElement> GetCustomerAsync(string erpCustomerId, CancellationToken cancellationToken);

    /// <summary>
    /// What this system keeps of a customer's synced fields (its field lengths, the address parts it has): the merge
    /// compares Tracktile's fields as this system would hold them, so a value it can only hold cut short is not taken for
    /// an edit made in it (and written back over Tracktile's full value). Unless told otherwise, all of them.
    /// </summary>
    JsonElement Project(JsonElement customer) => customer;

    /// <summary>Writes the synced fields of a customer (<paramref name="customer"/> is in the shape <see cref="GetCustomerAsync"/> reads).</summary>
    Task PutCustomerAsync(string erpCustomerId, string tracktileCustomerId, JsonElement customer, string idempotencyKey, CancellationToken cancellationToken);
}

/// <summary>
/// How Tracktile's customers are linked to one <see cref="ICustomerBook"/>: the sync state scope of the links (keyed by the
/// Tracktile id, holding the other id and the last synced fields), and the Tracktile customer property that also holds
/// the other id (the ERP's <c>externalId</c>), or null when the link lives only in sync state.
/// </summary>
public sealed record CustomerLink(string Scope, string? TracktileIdProperty);
