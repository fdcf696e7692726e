namespace TracktileFunctions.Webhooks;

/// <summary>
/// Secrets a webhook receiver accepts besides the configured ones: those the app stored itself when it registered or
/// rotated a registration. Read from the store, cached, and read again when a signature matches none.
/// </summary>
public interface IWebhookSecretSource
{
    /// <summary>
    /// The stored secrets. With <paramref name="refresh"/> (a signature matched none) they are read again, at most once
    /// per refresh interval: a caller asking sooner waits for the next read instead of being answered with the old set.
    /// The same instance is returned while nothing changed.
    /// </summary>
    ValueTask<StoredWebhookSecrets> GetAsync(bool refresh, CancellationToken cancellationToken);
}

/// <summary>One stored secret and the registration it belongs to (its id and kind, for the logs: never the secret).</summary>
public sealed record StoredWebhookSecret(string RegistrationId, string Kind, string Secret);

/// <summary>A set of stored secrets, with the verifier made from them (made once per set).</summary>
public sealed class StoredWebhookSecrets(IReadOnlyList<StoredWebhookSecret> secrets)
{
    private WebhookSignatureVerifier? _verifier;

    /// <summary>No secret stored.</summary>
    public static StoredWebhookSecrets None { get; } = new([]);

    /// <summary>The secrets.</summary>
    public IReadOnlyList<StoredWebhookSecret> All => secrets;

    /// <summary>The registrations of <paramref name="kind"/> (for a refusal's log line).</summary>
    public IEnumerable<string> RegistrationsOf(string? kind) => secrets.Where(s => s.Kind == kind).Select(s => s.RegistrationId).Distinct(StringComparer.Ordinal);

    /// <summary>The verifier of these secrets; null when there are none.</summary>
    public WebhookSignatureVerifier? Verifier(TimeSpan tolerance, TimeProvider timeProvider)
        => secrets.Count == 0 ? null : _verifier ??= new WebhookSignatureVerifier(secrets.Select(s => s.Secret), tolerance, timeProvider);

    /// <summary>Whether <paramref name="other"/> holds the same secrets.</summary>
    public bool SameAs(StoredWebhookSecrets other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return secrets.Count == other.All.Count && secrets.Zip(other.All).All(p => p.First == p.Second);
    }
}
