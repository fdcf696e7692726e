using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Processing;
using TracktileFunctions.Secrets;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Tracktile;

/// <summary>
/// The app's Tracktile webhook registrations and their secrets: each registration (its id, kind and URL) is a record in
/// sync state (scope <see cref="Scope"/>), its secret a secret of the secret store (Key Vault on Azure) named after it.
/// A secret Tracktile reveals (once, when a registration is created or rotated) is stored at once, and the receiver in
/// this process accepts it from that moment; other instances read the store again when a signature matches none (at most
/// every <see cref="TracktileHooksOptions.SecretRefreshSeconds"/>), so no delivery is refused around a rotation. After a
/// rotation the previous secret is still accepted for an hour (for deliveries signed just before it).
/// </summary>
public sealed class TracktileHookSecrets(ISecretStore store, SyncStateStore state, IOptions<TracktileHooksOptions> options, TimeProvider timeProvider)
    : IWebhookSecretSource, IDisposable
{
    /// <summary>The sync state scope of the registrations.</summary>
    public const string Scope = "tracktile-hook";

    private static readonly TimeSpan PreviousGrace = TimeSpan.FromHours(1);
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeSpan _refreshEvery = TimeSpan.FromSeconds(options.Value.SecretRefreshSeconds);
    private StoredWebhookSecrets? _current;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    /// <summary>The secret store's name of a registration's secret (Key Vault names: letters, digits and dashes).</summary>
    public static string SecretName(string hookId)
    {
        ArgumentNullException.ThrowIfNull(hookId);
        var safe = new string([.. hookId.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
        var name = "tracktile-hook-" + safe;
        return name.Length <= 120 ? name : name[..120];
    }

    /// <summary>The app's registrations (their id in <see cref="SyncRecord.Key"/>, kind in <see cref="SyncRecord.TargetId"/>, URL in <see cref="SyncRecord.Status"/>).</summary>
    public Task<List<SyncRecord>> RegistrationsAsync(CancellationToken cancellationToken) => state.ListAsync(Scope, cancellationToken);

    /// <summary>Whether a secret of <paramref name="hookId"/> is stored.</summary>
    public async Task<bool> HasSecretAsync(string hookId, CancellationToken cancellationToken)
        => await store.GetAsync(SecretName(hookId), cancellationToken).ConfigureAwait(false) is { Length: > 0 };

    /// <summary>Stores the secret Tracktile revealed for a registration (keeping the one it replaces for an hour), then the registration, and accepts it at once.</summary>
    public async Task SaveAsync(TracktileHook hook, string secret, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hook);
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var previous = Read(await store.GetAsync(SecretName(hook.Id), cancellationToken).ConfigureAwait(false));
        var value = new StoredValue(secret, previous?.Secret is { } old && old != secret ? old : previous?.Previous, timeProvider.GetUtcNow());
        // Saved even if the caller gives up now: Tracktile signs with this secret already.
        await store.SetAsync(SecretName(hook.Id), JsonSerializer.Serialize(value), CancellationToken.None).ConfigureAwait(false);
        var record = await state.GetAsync(Scope, hook.Id, CancellationToken.None).ConfigureAwait(false) ?? new SyncRecord(Scope, hook.Id);
        record.TargetId = hook.Kind;
        record.Status = hook.Url;
        await state.TrySaveAsync(record, CancellationToken.None).ConfigureAwait(false);
        await ReloadAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Forgets a registration the app removed (its secret is overwritten: a deleted Key Vault secret's name stays taken).</summary>
    public async Task ForgetAsync(string hookId, CancellationToken cancellationToken)
    {
        await state.DeleteAsync(Scope, hookId, cancellationToken).ConfigureAwait(false);
        await store.SetAsync(SecretName(hookId), "", cancellationToken).ConfigureAwait(false);
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<StoredWebhookSecrets> GetAsync(bool refresh, CancellationToken cancellationToken)
    {
        var asked = timeProvider.GetUtcNow();
        if (_current is { } cached && !refresh && asked - _readAt < CacheLifetime)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } fresh && _readAt >= asked)
            {
                return fresh; // read by another caller since this one asked
            }

            var wait = _readAt + _refreshEvery - timeProvider.GetUtcNow();
            if (refresh && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, timeProvider, cancellationToken).ConfigureAwait(false);
            }

            return await ReadAllAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ReadAllAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads every registration's secret; keeps the previous set (the same instance) when nothing changed.</summary>
    private async Task<StoredWebhookSecrets> ReadAllAsync(CancellationToken cancellationToken)
    {
        List<StoredWebhookSecret> secrets = [];
        try
        {
            var now = timeProvider.GetUtcNow();
            foreach (var record in (await state.ListAsync(Scope, cancellationToken).ConfigureAwait(false)).OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                if (Read(await store.GetAsync(SecretName(record.Key), cancellationToken).ConfigureAwait(false)) is not { } value)
                {
                    continue;
                }

                secrets.Add(new StoredWebhookSecret(record.Key, record.TargetId ?? "?", value.Secret));
                if (value.Previous is { Length: > 0 } previous && now - value.RotatedAt < PreviousGrace)
                {
                    secrets.Add(new StoredWebhookSecret(record.Key, record.TargetId ?? "?", previous));
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException && _current is not null)
        {
            // The store is unreachable: the secrets known so far still count.
            _readAt = timeProvider.GetUtcNow();
            return _current;
        }

        var next = new StoredWebhookSecrets(secrets);
        _current = _current is { } known && known.SameAs(next) ? known : next;
        _readAt = timeProvider.GetUtcNow();
        return _current;
    }

    private static StoredValue? Read(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<StoredValue>(text) is { Secret.Length: > 0 } value ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record StoredValue(string Secret, string? Previous, DateTimeOffset RotatedAt);
}
