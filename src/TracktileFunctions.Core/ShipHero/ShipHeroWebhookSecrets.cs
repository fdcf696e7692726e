using TracktileFunctions.Webhooks;
using System.Text;
using Microsoft.Extensions.Options;
using TracktileFunctions.Secrets;

namespace TracktileFunctions.ShipHero;

/// <summary>
/// The shared secrets ShipHero signs webhooks with: those in <c>ShipHero:WebhookSecrets</c>, and those the app stored
/// when it registered its webhooks (one per webhook type). The stored ones are cached and read again when a signature
/// matches none, at most every 5 seconds, so a webhook registered a moment ago is accepted at once.
/// </summary>
public sealed class ShipHeroWebhookSecrets(ISecretStore store, IOptions<ShipHeroOptions> options, TimeProvider timeProvider) : IDisposable
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[][] _stored = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    /// <summary>The store's name of the secret of one webhook type (Key Vault names: letters, digits, dashes).</summary>
    public static string SecretName(string webhookType)
    {
        ArgumentNullException.ThrowIfNull(webhookType);
        return "shiphero-webhook-" + new string([.. webhookType.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
    }

    /// <summary>Whether <paramref name="signature"/> is the HMAC of <paramref name="body"/> under one of the secrets.</summary>
    public async Task<bool> VerifyAsync(string? signature, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (signature is null)
        {
            return false;
        }

        var configured = options.Value.WebhookSecrets.Select(Encoding.UTF8.GetBytes).ToList();
        var stored = await StoredAsync(refresh: false, cancellationToken).ConfigureAwait(false);
        if (Base64HmacSignature.Matches(signature, body.Span, configured.Concat(stored)))
        {
            return true;
        }

        var again = await StoredAsync(refresh: true, cancellationToken).ConfigureAwait(false);
        return !ReferenceEquals(again, stored) && Base64HmacSignature.Matches(signature, body.Span, again);
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    /// <summary>Whether a secret for <paramref name="webhookType"/> is stored or configured (a webhook without one can never be verified).</summary>
    public async Task<bool> HasSecretAsync(string webhookType, CancellationToken cancellationToken)
        => options.Value.WebhookSecrets.Count > 0 || await store.GetAsync(SecretName(webhookType), cancellationToken).ConfigureAwait(false) is { Length: > 0 };

    /// <summary>Stores the secret ShipHero revealed for a webhook type, and makes it count at once.</summary>
    public async Task StoreAsync(string webhookType, string secret, CancellationToken cancellationToken)
    {
        await store.SetAsync(SecretName(webhookType), secret, cancellationToken).ConfigureAwait(false);
        _readAt = DateTimeOffset.MinValue;
    }

    private async Task<byte[][]> StoredAsync(bool refresh, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (now - _readAt < (refresh ? RefreshEvery : TimeSpan.FromMinutes(5)))
        {
            return _stored;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (timeProvider.GetUtcNow() - _readAt >= (refresh ? RefreshEvery : TimeSpan.FromMinutes(5)))
            {
                var values = new List<byte[]>();
                try
                {
                    foreach (var type in ShipHeroWebhook.Types)
                    {
                        if (await store.GetAsync(SecretName(type), cancellationToken).ConfigureAwait(false) is { Length: > 0 } value)
                        {
                            values.Add(Encoding.UTF8.GetBytes(value));
                        }
                    }

                    _stored = [.. values];
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The store is unreachable: the configured and the cached secrets still count.
                }

                _readAt = timeProvider.GetUtcNow();
            }

            return _stored;
        }
        finally
        {
            _gate.Release();
        }
    }
}
