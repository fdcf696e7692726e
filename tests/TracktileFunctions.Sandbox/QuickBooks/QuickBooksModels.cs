using System.Collections;

namespace TracktileFunctions.Sandbox.QuickBooks;

/// <summary>What the person at the fake consent page does (<see cref="SandboxState.QuickBooksConsent"/>).</summary>
public enum QuickBooksConsent
{
    /// <summary>Connects the company: the callback carries <c>code</c>, <c>state</c> and <c>realmId</c>.</summary>
    Approve,

    /// <summary>Refuses: the callback carries <c>error=access_denied</c> and <c>state</c>.</summary>
    Deny,
}

/// <summary>When a refresh (<c>grant_type=refresh_token</c>) answers a new refresh token (<see cref="SandboxState.QuickBooksRotation"/>).</summary>
public enum QuickBooksRotation
{
    /// <summary>Every refresh answers a new refresh token and the one used stops working at once (the harshest case).</summary>
    Always,

    /// <summary>
    /// The same refresh token is answered until it is <see cref="SandboxState.QuickBooksRefreshTokenRotationAge"/> old
    /// (24 h); the refresh after that answers a new one, and the old one stops working at once.
    /// </summary>
    WhenOld,

    /// <summary>
    /// What Intuit documents: as <see cref="WhenOld"/>, but the previous refresh token keeps working for
    /// <see cref="SandboxState.QuickBooksRefreshTokenGracePeriod"/> (24 h) after a new one is issued (refreshing with it
    /// answers the newest refresh token).
    /// </summary>
    WhenOldWithGrace,
}

/// <summary>The payload format of the app's webhook subscription (<see cref="SandboxState.QuickBooksWebhookFormat"/>).</summary>
public enum QuickBooksWebhookFormat
{
    /// <summary>A JSON array of CloudEvents 1.0 (<c>type: qbo.customer.updated.v1</c>); the format Intuit migrates every app to.</summary>
    CloudEvents,

    /// <summary>The legacy <c>{"eventNotifications":[{"realmId","dataChangeEvent":{"entities":[...]}}]}</c>.</summary>
    Legacy,
}

/// <summary>One change of a Customer, Item or Invoice that a webhook reports.</summary>
/// <param name="EventId">The CloudEvents <c>id</c> (kept when the delivery is retried).</param>
/// <param name="Entity"><c>Customer</c>, <c>Item</c> or <c>Invoice</c>.</param>
/// <param name="Id">The entity's Id.</param>
/// <param name="Operation"><c>Create</c>, <c>Update</c>, <c>Delete</c> or <c>Void</c> (legacy names).</param>
/// <param name="Time">When it changed (the entity's new <c>LastUpdatedTime</c>).</param>
public sealed record QuickBooksChange(string EventId, string Entity, string Id, string Operation, DateTimeOffset Time);

/// <summary>One POST of a webhook delivery (each retry is one), with the receiver's answer.</summary>
/// <param name="Attempt">1 for the first try, 2.. for the retries (same body, same event ids).</param>
/// <param name="Body">The exact body sent.</param>
/// <param name="Signature">The <c>intuit-signature</c> header sent (null when none was).</param>
/// <param name="Changes">The changes the body reports, in the order they happened.</param>
/// <param name="StatusCode">The answer's status; null when none came (refused, timed out).</param>
/// <param name="TimedOut">Whether the receiver took longer than <see cref="SandboxState.QuickBooksWebhookTimeout"/>.</param>
public sealed record QuickBooksWebhookDelivery(
    Uri Target,
    QuickBooksWebhookFormat Format,
    int Attempt,
    string Body,
    string? Signature,
    IReadOnlyList<QuickBooksChange> Changes,
    int? StatusCode,
    bool TimedOut,
    DateTimeOffset SentAt,
    TimeSpan Elapsed)
{
    /// <summary>Whether Intuit counts it delivered: a 2xx answer in time.</summary>
    public bool Delivered => StatusCode is >= 200 and < 300;
}

/// <summary>One authenticated request to the Accounting API (<c>/quickbooks/v3/company/...</c>), as served.</summary>
/// <param name="Path">The path after <c>/v3/company/{realmId}/</c>, e.g. <c>customer</c> or <c>invoice/12</c>.</param>
/// <param name="Query">The query string including <c>?</c>, or empty.</param>
/// <param name="RequestedMinorVersion">The <c>minorversion</c> parameter as sent; null when absent.</param>
/// <param name="ServedMinorVersion">The minor version served: the one asked for, never below 75.</param>
/// <param name="RequestId">The <c>requestid</c> parameter; null when absent.</param>
/// <param name="Replayed">Whether the answer was the stored first answer to a repeated <c>requestid</c> (no effect).</param>
public sealed record QuickBooksApiCall(
    DateTimeOffset Time,
    string Method,
    string RealmId,
    string Path,
    string Query,
    string? RequestedMinorVersion,
    int ServedMinorVersion,
    string? RequestId,
    int StatusCode,
    bool Replayed);

/// <summary>One <c>BatchItemRequest</c> a <c>POST batch</c> executed (<see cref="SandboxState.QuickBooksBatchItems"/>).</summary>
/// <param name="RequestId">The batch's <c>requestid</c>; null when absent.</param>
/// <param name="BatchId">The item's <c>bId</c>.</param>
/// <param name="Operation"><c>create</c>, <c>update</c>, <c>delete</c>, <c>void</c> (update with <c>optionsData: "void"</c>) or <c>query</c>; as sent when it was not one of these.</param>
/// <param name="Entity"><c>Customer</c>, <c>Item</c>, <c>Invoice</c>... (the payload's name); null for a query or when no payload was found.</param>
/// <param name="EntityId">The Id written (created, updated, voided or deleted); null for a query or a fault.</param>
/// <param name="Query">The query text of a query item; null otherwise.</param>
/// <param name="FaultCode">The code of the item's Fault (e.g. <c>6240</c>); null when it succeeded.</param>
public sealed record QuickBooksBatchItem(
    DateTimeOffset Time,
    string? RequestId,
    string BatchId,
    string Operation,
    string? Entity,
    string? EntityId,
    string? Query,
    string? FaultCode)
{
    /// <summary>Whether the item answered its entity or QueryResponse rather than a Fault.</summary>
    public bool Succeeded => FaultCode is null;
}

/// <summary>The redirect URIs registered for the app (thread-safe); when empty, any redirect URI is accepted.</summary>
public sealed class QuickBooksRedirectUriCollection : ICollection<string>
{
    private readonly Lock _gate = new();
    private readonly List<string> _uris = [];

    /// <inheritdoc />
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _uris.Count;
            }
        }
    }

    /// <inheritdoc />
    public bool IsReadOnly => false;

    /// <summary>Registers <paramref name="item"/> (compared exactly, as Intuit does).</summary>
    public void Add(string item)
    {
        ArgumentException.ThrowIfNullOrEmpty(item);
        lock (_gate)
        {
            if (!_uris.Contains(item, StringComparer.Ordinal))
            {
                _uris.Add(item);
            }
        }
    }

    /// <inheritdoc />
    public void Clear()
    {
        lock (_gate)
        {
            _uris.Clear();
        }
    }

    /// <inheritdoc />
    public bool Contains(string item)
    {
        lock (_gate)
        {
            return _uris.Contains(item, StringComparer.Ordinal);
        }
    }

    /// <summary>Whether <paramref name="uri"/> may be used: registered, or nothing is registered.</summary>
    public bool Allows(string uri)
    {
        lock (_gate)
        {
            return _uris.Count == 0 || _uris.Contains(uri, StringComparer.Ordinal);
        }
    }

    /// <inheritdoc />
    public void CopyTo(string[] array, int arrayIndex)
    {
        lock (_gate)
        {
            _uris.CopyTo(array, arrayIndex);
        }
    }

    /// <inheritdoc />
    public bool Remove(string item)
    {
        lock (_gate)
        {
            return _uris.Remove(item);
        }
    }

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator()
    {
        string[] snapshot;
        lock (_gate)
        {
            snapshot = [.. _uris];
        }

        return ((IEnumerable<string>)snapshot).GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
