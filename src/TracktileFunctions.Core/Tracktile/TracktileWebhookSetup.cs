using Microsoft.Extensions.Logging;
using TracktileFunctions.Processing;
using Microsoft.Extensions.Options;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Tracktile;

/// <summary>What a setup or a rotation found and did (ids and kinds; never a secret).</summary>
/// <param name="Found">How many registrations Tracktile listed.</param>
/// <param name="Created">Registrations made (kind and id).</param>
/// <param name="Kept">Registrations already pointing here with their secret stored.</param>
/// <param name="Rotated">Registrations rotated (to learn a secret the app did not have, or on request).</param>
/// <param name="Elsewhere">Registrations of a routed kind that point somewhere else: left alone.</param>
/// <param name="Failed">What could not be done, and why.</param>
/// <param name="Skipped">Why nothing was done, when nothing could be.</param>
public sealed record TracktileHooksReport(
    int Found, IReadOnlyList<string> Created, IReadOnlyList<string> Kept, IReadOnlyList<string> Rotated, IReadOnlyList<string> Elsewhere,
    IReadOnlyList<string> Failed, string? Skipped = null);

/// <summary>
/// Makes Tracktile's webhook registrations match what the app routes: one registration per kind
/// (<see cref="TracktileHooksOptions.Kinds"/>, else every routed kind), pointing at <see cref="TracktileHooksOptions.WebhookUrl"/>.
/// Tracktile reveals a registration's secret once (in the create or rotate answer): it is stored at once
/// (<see cref="TracktileHookSecrets"/>), and the receiver accepts it from then on. A registration already pointing here
/// with its secret stored is kept; one pointing here whose secret the app never saw (made by hand, or a create whose
/// answer was lost) is rotated to learn it; one of a routed kind pointing elsewhere is left alone and reported. Running
/// it twice changes nothing the second time. <see cref="RotateAsync"/> rotates the app's registrations, one or all.
/// </summary>
public sealed partial class TracktileWebhookSetup(
    TracktileClient tracktile, TracktileHookSecrets secrets, SyncStateStore state, IOptions<TracktileHooksOptions> options,
    IOptionsMonitor<WebhookSourceOptions> sources, ILogger<TracktileWebhookSetup> logger)
{
    private readonly TracktileHooksOptions _options = options.Value;

    /// <summary>The kinds to register: the configured ones, else every kind the app routes (wildcard routes stand for <see cref="TracktileHooksOptions.WildcardKinds"/>).</summary>
    public IReadOnlyList<string> Kinds()
    {
        if (_options.Kinds.Count > 0)
        {
            return [.. _options.Kinds.Where(k => !string.IsNullOrWhiteSpace(k)).Distinct(StringComparer.Ordinal)];
        }

        var routes = sources.Get(WebhookSources.Tracktile).Routes;
        var kinds = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            if (route.Kind == "*" || route.Kind.EndsWith(".*", StringComparison.Ordinal))
            {
                var prefix = route.Kind[..^1];
                kinds.UnionWith((_options.WildcardKinds.Count > 0 ? _options.WildcardKinds : TracktileHooksOptions.DefaultWildcardKinds)
                    .Where(k => k.StartsWith(prefix, StringComparison.Ordinal)));
            }
            else
            {
                kinds.Add(route.Kind);
            }
        }

        return [.. kinds];
    }

    /// <summary>Registers what is missing; answers what it found, created, kept and rotated. One setup or rotation at a time.</summary>
    public async Task<TracktileHooksReport> EnsureAsync(CancellationToken cancellationToken)
    {
        if (_options.WebhookUrl is not { Length: > 0 } url)
        {
            return new TracktileHooksReport(0, [], [], [], [], [], "Tracktile:Hooks:WebhookUrl is not set (this app's public https://<app>/api/webhooks/tracktile)");
        }

        return await UnderSetupLockAsync("setup", () => EnsureLockedAsync(url, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rotates the app's registrations (<paramref name="hookId"/>: only that one), storing each new secret at once.</summary>
    public Task<TracktileHooksReport> RotateAsync(string? hookId, CancellationToken cancellationToken)
        => UnderSetupLockAsync("rotate", () => RotateLockedAsync(hookId, cancellationToken), cancellationToken);

    /// <summary>
    /// Runs under the setup's lock: two setups at once would make two registrations per kind. The receivers see the lock
    /// held and read the store once more before refusing a signature (a secret may be landing at that moment).
    /// </summary>
    private Task<TracktileHooksReport> UnderSetupLockAsync(string what, Func<Task<TracktileHooksReport>> body, CancellationToken cancellationToken)
        => state.UnderLockAsync(TracktileHookSecrets.SetupScope, TracktileHookSecrets.SetupKey, $"{what}/{Guid.NewGuid():N}",
            async record => ((SyncRecord?)null, await body().ConfigureAwait(false)), cancellationToken);

    private async Task<TracktileHooksReport> EnsureLockedAsync(string url, CancellationToken cancellationToken)
    {
        IReadOnlyList<TracktileHook> existing;
        Dictionary<string, SyncRecord> records;
        try
        {
            existing = await tracktile.ListHooksAsync(_options, cancellationToken).ConfigureAwait(false);
            records = (await secrets.RegistrationsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Key, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new TracktileHooksReport(0, [], [], [], [], [$"listing the registrations: {(ex is TracktileApiException ? ex.Message : ex.GetType().Name)}"]);
        }

        var (created, kept, rotated, elsewhere, failed) = (new List<string>(), new List<string>(), new List<string>(), new List<string>(), new List<string>());
        foreach (var kind in Kinds())
        {
            // Ours: pointing here, or known to the app (Tracktile may list a registration without its url or kind).
            bool Mine(TracktileHook h) => records.TryGetValue(h.Id, out var r) ? (h.Kind ?? r.TargetId) == kind : h.Kind == kind && Same(h.Url, url);
            elsewhere.AddRange(existing.Where(h => h.Kind == kind && !Mine(h) && !Same(h.Url, url)).Select(h => $"{kind}: {h.Id} -> {Display(h.Url)}"));
            try
            {
                var mine = existing.Where(Mine).ToList();
                if (mine.Count == 0)
                {
                    created.Add(await CreateAsync(kind, url, cancellationToken).ConfigureAwait(false));
                    continue;
                }

                foreach (var hook in mine)
                {
                    if (records.ContainsKey(hook.Id) && await secrets.HasSecretAsync(hook.Id, cancellationToken).ConfigureAwait(false))
                    {
                        kept.Add($"{kind}: {hook.Id}");
                    }
                    else
                    {
                        // It points here, but the app never saw its secret (made by hand, a create whose answer was lost):
                        // every delivery would be refused. Tracktile reveals a secret only on create or rotate.
                        await RotateOneAsync(hook.Id, kind, hook.Url ?? url).ConfigureAwait(false);
                        rotated.Add($"{kind}: {hook.Id} (it pointed here, but its secret was not stored)");
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed.Add($"{kind}: {(ex is TracktileApiException ? ex.Message : ex.GetType().Name)}");
            }
        }

        return new TracktileHooksReport(existing.Count, created, kept, rotated, elsewhere, failed);
    }

    private async Task<string> CreateAsync(string kind, string url, CancellationToken cancellationToken)
    {
        var (hook, secret) = await tracktile.CreateHookAsync(_options, $"{_options.NamePrefix} {kind}", url, kind, cancellationToken).ConfigureAwait(false);
        try
        {
            await secrets.SaveAsync(hook with { Kind = hook.Kind ?? kind, Url = hook.Url ?? url }, secret).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A registration whose secret is lost would be refused forever: remove it, so the next run makes it again.
            await tracktile.DeleteHookAsync(_options, hook.Id, CancellationToken.None).ConfigureAwait(false);
            throw new InvalidOperationException(
                $"its secret could not be stored ({ex.GetType().Name}: check Secrets:KeyVaultUri and the app's permission to set secrets); the registration was removed, run this again");
        }

        LogCreated(kind, hook.Id);
        return $"{kind}: {hook.Id}";
    }

    /// <summary>Rotates one registration and stores its new secret; not cancellable once sent (Tracktile kills the old secret at once).</summary>
    private async Task RotateOneAsync(string hookId, string? kind, string? url)
    {
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var (hook, secret) = await tracktile.RotateHookAsync(_options, hookId, bounded.Token).ConfigureAwait(false);
        await secrets.SaveAsync(hook with { Kind = hook.Kind ?? kind, Url = hook.Url ?? url }, secret).ConfigureAwait(false);
        LogRotated(kind ?? "?", hookId);
    }

    private async Task<TracktileHooksReport> RotateLockedAsync(string? hookId, CancellationToken cancellationToken)
    {
        var records = await secrets.RegistrationsAsync(cancellationToken).ConfigureAwait(false);
        var chosen = records.Where(r => hookId is null || r.Key == hookId).ToList();
        if (chosen.Count == 0)
        {
            return new TracktileHooksReport(records.Count, [], [], [], [], [],
                hookId is null ? "the app has no registrations yet: run POST /api/setup/tracktile first" : $"{hookId} is not a registration of this app");
        }

        var (rotated, failed) = (new List<string>(), new List<string>());
        foreach (var record in chosen)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await RotateOneAsync(record.Key, record.TargetId, record.Status).ConfigureAwait(false);
                rotated.Add($"{record.TargetId}: {record.Key}");
            }
            catch (TracktileApiException ex) when (ex.Status == 404)
            {
                await secrets.ForgetAsync(record.Key, CancellationToken.None).ConfigureAwait(false);
                failed.Add($"{record.TargetId}: {record.Key}: it is no longer in Tracktile (forgotten; run setup to register the kind again)");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed.Add($"{record.TargetId}: {record.Key}: {(ex is TracktileApiException ? ex.Message : ex.GetType().Name)}; rotate it again (POST /api/setup/tracktile/rotate?hook={record.Key})");
            }
        }

        return new TracktileHooksReport(records.Count, [], [], rotated, [], failed);
    }

    /// <summary>A URL without its query or user info (another service's hook may carry a key there).</summary>
    private static string Display(string? url)
        => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : "(no url)";

    private static bool Same(string? a, string b)
        => a is not null && string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(LogLevel.Information, "Registered the Tracktile {Kind} webhook ({HookId}); its secret is stored")]
    private partial void LogCreated(string kind, string hookId);

    [LoggerMessage(LogLevel.Information, "Rotated the Tracktile {Kind} webhook's secret ({HookId}); the new one is stored")]
    private partial void LogRotated(string kind, string hookId);
}
