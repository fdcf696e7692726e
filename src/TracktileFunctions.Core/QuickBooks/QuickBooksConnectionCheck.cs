using System.Text.Json;
using Microsoft.Extensions.Logging;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using TracktileFunctions.Secrets;

namespace TracktileFunctions.QuickBooks;

/// <summary>
/// The QuickBooks connection as <see cref="QuickBooksConnection"/> keeps it: its visible status in sync state (the
/// company, connected or revoked) and, when connected, the stored connection's refresh token expiry (Intuit's refresh
/// tokens last about 100 days). Healthy when a company is connected, not revoked, and its refresh token has not expired.
/// Never a call to Intuit; never a token in the answer.
/// </summary>
public sealed class QuickBooksConnectionCheck(SyncStateStore state, ISecretStore store, TimeProvider timeProvider, ILogger<QuickBooksConnectionCheck> logger)
    : CachedConnectionCheck("quickbooks", "accounting", timeProvider, logger)
{
    private const string ConnectRoute = "/api/connect/quickbooks";
    private const string Key = "company";

    /// <inheritdoc />
    protected override async Task<ConnectionHealth> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var record = await state.GetAsync(QuickBooksConnection.Scope, Key, cancellationToken).ConfigureAwait(false);
        if (record?.Status is { } status && status.StartsWith("revoked", StringComparison.Ordinal))
        {
            return new ConnectionHealth(false, [$"connection to company {record.TargetId} {status}", $"connect it again at {ConnectRoute} (function key), then replay the poisoned events"]);
        }

        if (record?.TargetId is not { Length: > 0 } || Stored(await store.GetAsync(QuickBooksConnection.SecretName, cancellationToken).ConfigureAwait(false)) is not { } stored)
        {
            return new ConnectionHealth(false, [$"no company connected: open {ConnectRoute} (function key) and connect one"]);
        }

        if (stored.Revoked is { Length: > 0 } revoked)
        {
            return new ConnectionHealth(false, [$"connection to company {stored.RealmId} revoked: {revoked}", $"connect it again at {ConnectRoute} (function key), then replay the poisoned events"]);
        }

        var details = new List<string> { $"connected to company {stored.RealmId}" };
        var healthy = stored.HasRefreshToken;
        if (!stored.HasRefreshToken)
        {
            details.Add($"no refresh token stored: connect again at {ConnectRoute} (function key)");
        }
        else if (stored.RefreshExpiresAt is not { } refreshExpires)
        {
            details.Add("refresh token stored (Intuit did not say when it expires)");
        }
        else if (refreshExpires <= now)
        {
            healthy = false;
            details.Add($"refresh token expired {ConnectionDetails.When(refreshExpires, now)}: connect again at {ConnectRoute} (function key)");
        }
        else
        {
            details.Add($"refresh token expires {ConnectionDetails.When(refreshExpires, now)}");
        }

        if (record.Timestamp is { } written)
        {
            details.Add($"access token refreshed {ConnectionDetails.When(written, now)}");
        }

        if (stored.AccessExpiresAt is { } accessExpires)
        {
            details.Add(accessExpires > now
                ? $"access token expires {ConnectionDetails.When(accessExpires, now)}"
                : $"access token expired {ConnectionDetails.When(accessExpires, now)}: refreshed at the next QuickBooks call");
        }

        return new ConnectionHealth(healthy, details);
    }

    /// <summary>The facts of the stored connection (never its tokens); null when none is stored or it is unreadable (as <see cref="QuickBooksConnection"/> reads it: not connected).</summary>
    private static StoredConnection? Stored(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("RealmId", out var realm) || realm.GetString() is not { Length: > 0 } realmId)
            {
                return null;
            }

            return new StoredConnection(
                realmId,
                root.TryGetProperty("RefreshToken", out var refresh) && refresh.ValueKind == JsonValueKind.String && refresh.GetString() is { Length: > 0 },
                Time(root, "RefreshExpiresAt"),
                Time(root, "AccessExpiresAt"),
                root.TryGetProperty("Revoked", out var revoked) && revoked.ValueKind == JsonValueKind.String ? revoked.GetString() : null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static DateTimeOffset? Time(JsonElement root, string name)
        => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time) ? time : null;

    private sealed record StoredConnection(string RealmId, bool HasRefreshToken, DateTimeOffset? RefreshExpiresAt, DateTimeOffset? AccessExpiresAt, string? Revoked);
}
