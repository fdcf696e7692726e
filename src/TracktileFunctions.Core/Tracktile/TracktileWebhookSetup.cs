using Microsoft.Extensions.Logging;
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
    TracktileClient tracktile, TracktileHookSecrets secrets, IOptions<TracktileHooksOptions> options, IOptionsMonitor<WebhookSourceOptions> sources,
    ILogger<TracktileWebhookSetup> logger)
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
                kinds.UnionWith(_options.WildcardKinds.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)));
            }
            else
            {
                kinds.Add(route.Kind);
            }
        }

        return [.. kinds];
    }

    /// <summary>Registers what is missing; answers what it found, created, kept and rotated.</summary>
    public async Task<TracktileHooksReport> EnsureAsync(CancellationToken cancellationToken)
    {
        if (_options.WebhookUrl is not { Length: > 0 } url)
        {
            return new TracktileHooksReport(0, [], [], [], [], [], "Tracktile:Hooks:WebhookUrl is not set (this app's public https://<app>/api/webhooks/tracktile)");
        }

        IReadOnlyList<TracktileHook> existing;
        try
        {
            existing = await tracktile.ListHooksAsync(_options, cancellationToken).ConfigureAwait(false);
        }
        catch (TracktileApiException ex)
        {
            return new TracktileHooksReport(0, [], [], [], [], [$"listing the registrations: {ex.Message}"]);
        }

        var (created, kept, rotated, elsewhere, failed) = (new List<string>(), new List<string>(), new List<string>(), new List<string>(), new List<string>());
        var records = (await secrets.RegistrationsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Key, StringComparer.Ordinal);
        foreach (var stale in records.Keys.Where(id => existing.All(h => h.Id != id)).ToList())
        {
            await secrets.ForgetAsync(stale, cancellationToken).ConfigureAwait(false); // deleted in Tracktile
        }

        foreach (var kind in Kinds())
        {
            elsewhere.AddRange(existing.Where(h => h.Kind == kind && !Same(h.Url, url)).Select(h => $"{kind}: {h.Id} -> {h.Url}"));
            var mine = existing.Where(h => h.Kind == kind && Same(h.Url, url)).ToList();
            try
            {
                if (mine.FirstOrDefault(h => records.ContainsKey(h.Id)) is { } known && await secrets.HasSecretAsync(known.Id, cancellationToken).ConfigureAwait(false))
                {
                    kept.Add($"{kind}: {known.Id}");
                }
                else if (mine.FirstOrDefault() is { } unknown)
                {
                    var (hook, secret) = await tracktile.RotateHookAsync(_options, unknown.Id, cancellationToken).ConfigureAwait(false);
                    await secrets.SaveAsync(hook with { Kind = hook.Kind ?? kind, Url = hook.Url ?? unknown.Url }, secret, cancellationToken).ConfigureAwait(false);
                    rotated.Add($"{kind}: {unknown.Id} (it pointed here, but its secret was not stored)");
                    LogRotated(kind, unknown.Id);
                }
                else
                {
                    var (hook, secret) = await tracktile.CreateHookAsync(_options, $"{_options.NamePrefix} {kind}", url, kind, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await secrets.SaveAsync(hook with { Kind = hook.Kind ?? kind, Url = hook.Url ?? url }, secret, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // A registration whose secret is lost would be refused forever: remove it, so the next run makes it again.
                        await tracktile.DeleteHookAsync(_options, hook.Id, cancellationToken).ConfigureAwait(false);
                        failed.Add($"{kind}: its secret could not be stored ({ex.GetType().Name}: check Secrets:KeyVaultUri and the app's permission to set secrets); the registration was removed, run this again");
                        continue;
                    }

                    created.Add($"{kind}: {hook.Id}");
                    LogCreated(kind, hook.Id);
                }
            }
            catch (TracktileApiException ex)
            {
                failed.Add($"{kind}: {ex.Message}");
            }
        }

        return new TracktileHooksReport(existing.Count, created, kept, rotated, elsewhere, failed);
    }

    /// <summary>Rotates the app's registrations (<paramref name="hookId"/>: only that one), storing each new secret at once.</summary>
    public async Task<TracktileHooksReport> RotateAsync(string? hookId, CancellationToken cancellationToken)
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
            try
            {
                var (hook, secret) = await tracktile.RotateHookAsync(_options, record.Key, cancellationToken).ConfigureAwait(false);
                try
                {
                    await secrets.SaveAsync(hook with { Kind = hook.Kind ?? record.TargetId, Url = hook.Url ?? record.Status }, secret, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failed.Add($"{record.TargetId}: {record.Key}: rotated, but the new secret could not be stored ({ex.GetType().Name}); deliveries are refused until it is rotated again");
                    continue;
                }

                rotated.Add($"{record.TargetId}: {record.Key}");
                LogRotated(record.TargetId ?? "?", record.Key);
            }
            catch (TracktileApiException ex)
            {
                failed.Add($"{record.TargetId}: {record.Key}: {ex.Message}");
            }
        }

        return new TracktileHooksReport(records.Count, [], [], rotated, [], failed);
    }

    private static bool Same(string? a, string b)
        => a is not null && string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(LogLevel.Information, "Registered the Tracktile {Kind} webhook ({HookId}); its secret is stored")]
    private partial void LogCreated(string kind, string hookId);

    [LoggerMessage(LogLevel.Information, "Rotated the Tracktile {Kind} webhook's secret ({HookId}); the new one is stored")]
    private partial void LogRotated(string kind, string hookId);
}
