using System.Collections.Concurrent;

namespace TracktileFunctions.Shopify;

/// <summary>
/// Each shop's Admin API access token, shared by every call of the process: a configured token as it is, or one from
/// the client credentials grant (valid 24 hours), renewed an hour before it expires or at once when Shopify refuses
/// it. One grant at a time per shop. Tokens are held in memory only and never logged.
/// </summary>
public sealed class ShopifyTokenCache(TimeProvider timeProvider)
{
    /// <summary>How long before its expiry a granted token is replaced.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How many grants were made (for the status view and tests).</summary>
    public int Grants => _grants;

    private int _grants;

    /// <summary>The shop's token: the cached one while it is fresh, otherwise <paramref name="grant"/>'s.</summary>
    public async Task<string> GetAsync(string shop, Func<CancellationToken, Task<(string Token, TimeSpan Lifetime)>> grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var entry = _entries.GetOrAdd(shop, _ => new Entry());
        if (entry.Fresh(timeProvider.GetUtcNow()) is { } token)
        {
            return token;
        }

        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (entry.Fresh(timeProvider.GetUtcNow()) is { } again)
            {
                return again;
            }

            var (granted, lifetime) = await grant(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _grants);
            entry.Token = granted;
            entry.RenewAt = timeProvider.GetUtcNow() + (lifetime > RenewBefore * 2 ? lifetime - RenewBefore : lifetime / 2);
            return granted;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Forgets <paramref name="token"/> (Shopify refused it), so the next call asks for a new one.</summary>
    public void Invalidate(string shop, string token)
    {
        if (_entries.TryGetValue(shop, out var entry) && entry.Token == token)
        {
            entry.Token = null;
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public volatile string? Token;

        public DateTimeOffset RenewAt;

        public string? Fresh(DateTimeOffset now) => Token is { } token && now < RenewAt ? token : null;
    }
}
