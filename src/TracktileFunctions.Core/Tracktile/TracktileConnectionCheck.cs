using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Operations;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Tracktile;

/// <summary>
/// Tracktile's connection as the app stores it: the API token (configured, never shown) and the webhook registrations
/// <see cref="TracktileWebhookSetup"/> made, each with its secret stored (<see cref="TracktileHookSecrets"/>; read from the
/// receiver's own cache). With <c>Tracktile:Hooks:WebhookUrl</c> set, healthy when every kind the app registers has a
/// registration whose secret is stored; without it, when some webhook secret is configured or stored (else Tracktile's
/// webhook accepts nothing). Never a call to Tracktile; never a token or secret in the answer.
/// </summary>
public sealed class TracktileConnectionCheck(
    TracktileHookSecrets secrets, IOptions<TracktileClientOptions> api, IOptions<TracktileHooksOptions> hooks, IOptionsMonitor<WebhookSourceOptions> sources,
    IServiceProvider services, TimeProvider timeProvider, ILogger<TracktileConnectionCheck> logger)
    : CachedConnectionCheck("tracktile", "operations", timeProvider, logger)
{
    private const string Setup = "run POST /api/setup/tracktile";

    /// <inheritdoc />
    protected override async Task<ConnectionHealth> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var healthy = !string.IsNullOrWhiteSpace(api.Value.Token);
        var details = new List<string>
        {
            healthy ? $"API token configured (Tracktile:Api:Token) for {ConnectionDetails.Display(api.Value.BaseUrl)}" : "Tracktile:Api:Token is not set",
        };
        var configured = sources.Get(WebhookSources.Tracktile).Secrets.Count;
        if (configured > 0)
        {
            details.Add($"{configured} webhook secret(s) configured (Tracktile:Webhook:Secrets)");
        }

        var registrations = await secrets.RegistrationsAsync(cancellationToken).ConfigureAwait(false);
        // The receiver's cached secrets (read again every few minutes); only a registration they do not know yet (made
        // by another instance a moment ago) is looked up in the store.
        var known = (await secrets.GetAsync(refresh: false, cancellationToken).ConfigureAwait(false)).All
            .Select(s => s.RegistrationId).ToHashSet(StringComparer.Ordinal);
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var registration in registrations.Where(r => r.TargetId is not null))
        {
            if (known.Contains(registration.Key) || await secrets.HasSecretAsync(registration.Key, cancellationToken).ConfigureAwait(false))
            {
                kinds.Add(registration.TargetId!);
            }
        }

        if (hooks.Value.WebhookUrl is not { Length: > 0 })
        {
            details.Add($"Tracktile:Hooks:WebhookUrl is not set: the app registers no webhooks ({registrations.Count} registration(s) stored, {kinds.Count} kind(s) with a stored secret)");
            if (configured == 0 && kinds.Count == 0)
            {
                details.Add($"no webhook secret configured or stored: Tracktile's webhook accepts nothing; set Tracktile:Hooks:WebhookUrl and {Setup}");
                return new ConnectionHealth(false, details);
            }

            return new ConnectionHealth(healthy, details);
        }

        var expected = services.GetRequiredService<TracktileWebhookSetup>().Kinds();
        var missing = expected.Where(k => !kinds.Contains(k)).ToList();
        var registered = $"{expected.Count - missing.Count} of {expected.Count} webhook kinds registered (their secrets stored)";
        details.Add(missing.Count == 0 ? registered : $"{registered}; missing: {string.Join(", ", missing)}: {Setup}");
        return new ConnectionHealth(healthy && missing.Count == 0, details);
    }
}
