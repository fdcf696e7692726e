using TracktileFunctions.Http;

namespace TracktileFunctions.QuickBooks;

/// <summary>
/// QuickBooks refused a call (its <c>Fault</c>: <c>Error[].code</c>, <c>Message</c> and <c>Detail</c>, even inside an
/// HTTP 200) or did not answer. <see cref="ExternalApiException.RequestId"/> is Intuit's <c>intuit_tid</c>, for its support.
/// </summary>
public sealed class QuickBooksApiException(int status, string? errorCode, string? intuitTid, string detail, Exception? inner = null, bool? transient = null)
    : ExternalApiException("QuickBooks", status, errorCode, intuitTid, intuitTid is null ? detail : $"{detail} (intuit_tid {intuitTid})", inner)
{
    /// <summary>A stale <c>SyncToken</c>: read the entity again and retry.</summary>
    public const string StaleObject = "5010";

    /// <summary>Another customer or item already has this name.</summary>
    public const string DuplicateName = "6240";

    /// <summary>Object Not Found (deleted, or made inactive).</summary>
    public const string ObjectNotFound = "610";

    /// <summary>Throttling, 5xx, a system fault, no answer and a refused token are retried; other refusals are permanent.</summary>
    public override bool IsTransient => transient ?? base.IsTransient;
}

/// <summary>
/// No QuickBooks company is connected, or its connection was revoked (Intuit refused the refresh token): a person must
/// connect it again at <c>/api/connect/quickbooks</c>. Transient, so the events wait through their queue's retries and,
/// if it takes longer, land in poison with this reason to be replayed; nothing calls Intuit meanwhile.
/// </summary>
public sealed class QuickBooksConnectionException(string detail)
    : ExternalApiException("QuickBooks", 401, "not_connected", null, detail)
{
    /// <inheritdoc />
    public override bool IsTransient => true;
}

/// <summary>A person connected another QuickBooks company than the one this app is connected to.</summary>
public sealed class QuickBooksCompanyChangeException(string connected, string offered)
    : Exception($"this app is connected to QuickBooks company {connected}; connecting company {offered} would mix the two companies' invoices and customers")
{
    /// <summary>The connected company.</summary>
    public string Connected { get; } = connected;

    /// <summary>The company offered.</summary>
    public string Offered { get; } = offered;
}
