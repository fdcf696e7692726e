using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Processing;
using TracktileFunctions.Secrets;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Tracktile;

/// <summary>
/// The app's Tracktile webhook registrations and their secrets: each registration (its id, kind and URL) is a record in
/// sync state (scope <see cref="Scope"/>), its secret a secret of the secret store (Key Vault on Azure) named after it.
/// A secret Tracktile reveals (once, when a registration is created or rotated) is accepted by this process at once and
/// stored right after; other instances read the store again when a signature matches none (at most every
/// <see cref="TracktileHooksOptions.SecretRefreshSeconds"/>), and, while a setup or rotation is running (its lock is
/// held), once more after that, so no delivery is refused around a rotation. After a rotation the previous secret is
/// accepted for 5 minutes more (the signature tolerance: deliveries signed just before it).
/// </summary>
public sealed partial class TracktileHookSecrets(
    ISecretStore store, SyncStateStore state, IOptions<TracktileHooksOptions> options, TimeProvider timeProvider, ILogger<TracktileHookSecrets> logger)
    : IWebhookSecretSource, IDisposable
{
    /// <summary>The sync state scope of the registrations.</summary>
    public const string Scope = "tracktile-hook";

    /// <summary>The sync state scope of the setup's lock (held while registrations are made or rotated).</summary>
    public const string SetupScope = "tracktile-hook-setup";

    /// <summary>The setup lock's key.</summary>
    public const string SetupKey = "setup";

    private static readonly TimeSpan PreviousGrace = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeSpan _refreshEvery = TimeSpan.FromSeconds(options.Value.SecretRefreshSeconds);
    private readonly Dictionary<string, StoredValue> _values = new(StringComparer.Ordinal);
    private StoredWebhookSecrets? _current;
    private DateTimeOffset _readStartedAt = DateTimeOffset.MinValue;

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
        => Read(await store.GetAsync(SecretName(hookId), cancellationToken).ConfigureAwait(false)) is not null;

    /// <summary>
    /// Accepts the secret Tracktile revealed for a registration at once (in this process), then stores it (keeping the one
    /// it replaces for 5 minutes) and the registration. Not cancellable: Tracktile signs with this secret already. A store
    /// that does not answer is tried three times; then the registration's record is removed, so the next setup rotates it
    /// again instead of reporting it kept, and the failure is thrown.
    /// </summary>
    public async Task SaveAsync(TracktileHook hook, string secret)
    {
        ArgumentNullException.ThrowIfNull(hook);
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var now = timeProvider.GetUtcNow();
        StoredValue value;
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var previous = _values.GetValueOrDefault(hook.Id);
            value = new StoredValue(secret, previous?.Secret is { } old && old != secret ? old : previous?.Previous, now);
            _values[hook.Id] = value;
            _kinds[hook.Id] = hook.Kind ?? "?";
            _current = Build(now);
        }
        finally
        {
            _gate.Release();
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.SetAsync(SecretName(hook.Id), JsonSerializer.Serialize(value), CancellationToken.None).ConfigureAwait(false);
                var record = await state.GetAsync(Scope, hook.Id, CancellationToken.None).ConfigureAwait(false) ?? new SyncRecord(Scope, hook.Id);
                record.TargetId = hook.Kind;
                record.Status = hook.Url;
                await state.TrySaveAsync(record, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (attempt < 3 && ex is not OperationCanceledException)
            {
                LogSaveRetry(hook.Id, ex.GetType().Name);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), timeProvider).ConfigureAwait(false);
            }
            catch (Exception) when (attempt >= 3)
            {
                await ForgetAsync(hook.Id, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Forgets a registration (its record only; the secret stays in the store, unread).</summary>
    public async Task ForgetAsync(string hookId, CancellationToken cancellationToken)
    {
        try
        {
            await state.DeleteAsync(Scope, hookId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogForgetFailed(hookId, ex.GetType().Name);
        }
    }

    /// <inheritdoc />
    public async ValueTask<StoredWebhookSecrets> GetAsync(bool refresh, CancellationToken cancellationToken)
    {
        var asked = timeProvider.GetUtcNow();
        if (_current is { } cached && !refresh && asked - _readStartedAt < CacheLifetime)
        {
            return cached;
        }

        // Waits outside the gate, so a refresh that is not due yet never holds up callers whose cache is good.
        var wait = _readStartedAt + _refreshEvery - asked;
        if (refresh && wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, timeProvider, cancellationToken).ConfigureAwait(false);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } fresh && _readStartedAt >= asked && (!refresh || _readStartedAt > asked))
            {
                return fresh; // a read that started after this caller asked
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

    private readonly Dictionary<string, string> _kinds = new(StringComparer.Ordinal);

    /// <summary>Reads every registration and its secret; a secret that cannot be read keeps what was known of it.</summary>
    private async Task<StoredWebhookSecrets> ReadAllAsync(CancellationToken cancellationToken)
    {
        var started = timeProvider.GetUtcNow();
        List<SyncRecord> records;
        bool setupRunning;
        try
        {
            records = await state.ListAsync(Scope, cancellationToken).ConfigureAwait(false);
            setupRunning = await state.GetAsync(SetupScope, SetupKey, cancellationToken).ConfigureAwait(false) is { LockedUntil: { } until } && until > started;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && _current is not null)
        {
            LogReadFailed("the registrations", ex.GetType().Name);
            _readStartedAt = started;
            return _current; // the store is unreachable: the secrets known so far still count
        }

        foreach (var record in records)
        {
            _kinds[record.Key] = record.TargetId ?? "?";
            try
            {
                if (Read(await store.GetAsync(SecretName(record.Key), cancellationToken).ConfigureAwait(false)) is { } value
                    && (!_values.TryGetValue(record.Key, out var known) || value.RotatedAt >= known.RotatedAt))
                {
                    _values[record.Key] = value;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReadFailed(record.Key, ex.GetType().Name); // this one keeps what was known of it; the others are read
            }
        }

        foreach (var gone in _values.Keys.Where(id => records.All(r => r.Key != id) && !RecentlyAccepted(id, started)).ToList())
        {
            _values.Remove(gone);
        }

        _readStartedAt = started;
        var next = Build(started) with { SetupRunning = setupRunning };
        _current = _current is { } same && same.SameAs(next) && same.SetupRunning == setupRunning ? same : next;
        return _current;
    }

    /// <summary>A secret accepted by <see cref="SaveAsync"/> in the last minute is kept even before its record is readable.</summary>
    private bool RecentlyAccepted(string hookId, DateTimeOffset now) => _values.TryGetValue(hookId, out var v) && now - v.RotatedAt < TimeSpan.FromMinutes(1);

    private StoredWebhookSecrets Build(DateTimeOffset now)
    {
        var secrets = new List<StoredWebhookSecret>();
        foreach (var (id, value) in _values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var kind = _kinds.GetValueOrDefault(id, "?");
            secrets.Add(new StoredWebhookSecret(id, kind, value.Secret));
            if (value.Previous is { Length: > 0 } previous && now - value.RotatedAt < PreviousGrace)
            {
                secrets.Add(new StoredWebhookSecret(id, kind, previous));
            }
        }

        return new StoredWebhookSecrets(secrets) { SetupRunning = _current?.SetupRunning ?? false };
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

    [LoggerMessage(LogLevel.Warning, "Storing the new secret of Tracktile registration {HookId} failed ({Error}); trying again")]
    private partial void LogSaveRetry(string hookId, string error);

    [LoggerMessage(LogLevel.Warning, "Could not forget Tracktile registration {HookId} ({Error})")]
    private partial void LogForgetFailed(string hookId, string error);

    [LoggerMessage(LogLevel.Warning, "Could not read the stored Tracktile webhook secret of {What} ({Error}); what was known of it still counts")]
    private partial void LogReadFailed(string what, string error);

    private sealed record StoredValue(string Secret, string? Previous, DateTimeOffset RotatedAt);
}
