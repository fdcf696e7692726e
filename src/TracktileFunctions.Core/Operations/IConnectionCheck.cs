namespace TracktileFunctions.Operations;

/// <summary>
/// One connected system's view of its own connection, for the status page: the tokens and subscriptions it stored,
/// read from state (never a call that costs the vendor's rate limit, never a secret in the answer).
/// Each system's folder registers one when the system is on.
/// </summary>
public interface IConnectionCheck
{
    /// <summary>The system's name as the status shows it (<c>businesscentral</c>, <c>quickbooks</c>, <c>shopify</c>, <c>shiphero</c>, <c>erp</c>, <c>tracktile</c>).</summary>
    string System { get; }

    /// <summary>What the system is to the app: <c>operations</c> (Tracktile), <c>erp</c>, <c>accounting</c>, <c>store</c> or <c>warehouse</c>.</summary>
    string Role { get; }

    /// <summary>Whether the connection is healthy, and a short explanation that names no secret.</summary>
    Task<ConnectionHealth> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>A connection's health: <paramref name="Healthy"/>, and short fixed-text details (e.g. "refresh token expires 2027-03-01").</summary>
public sealed record ConnectionHealth(bool Healthy, IReadOnlyList<string> Details);
