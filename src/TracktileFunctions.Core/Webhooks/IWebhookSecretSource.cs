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
public sealed record StoredWebhookSecrets(IReadOnlyList<StoredWebhookSecret> Secrets)
{
    private WebhookSignatureVerifier? _verifier;

    /// <summary>
    /// Whether registrations are being made or rotated right now: a signature that matches none may be one whose secret is
    /// being stored at this moment, so it is worth one more read of the store before it is refused.
    /// </summary>
    public bool SetupRunning { get; init; }

    /// <summary>No secret stored.</summary>
    public static StoredWebhookSecrets None { get; } = new([]);

    /// <summary>The secrets.</summary>
    public IReadOnlyList<StoredWebhookSecret> All => Secrets;

    /// <summary>The registrations of <paramref name="kind"/> (for a refusal's log line).</summary>
    public IEnumerable<string> RegistrationsOf(string? kind) => Secrets.Where(s => s.Kind == kind).Select(s => s.RegistrationId).Distinct(StringComparer.Ordinal);

    /// <summary>The verifier of these secrets; null when there are none.</summary>
    public WebhookSignatureVerifier? Verifier(TimeSpan tolerance, TimeProvider timeProvider)
        => Secrets.Count == 0 ? null : _verifier ??= new WebhookSignatureVerifier(Secrets.Select(s => s.Secret), tolerance, timeProvider);

    /// <summary>Whether <paramref name="other"/> holds the same secrets.</summary>
    public bool SameAs(StoredWebhookSecrets other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Secrets.Count == other.All.Count && Secrets.Zip(other.All).All(p => p.First == p.Second);
    }
}
