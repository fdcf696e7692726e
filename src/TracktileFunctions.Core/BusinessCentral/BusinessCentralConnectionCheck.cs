using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;

namespace TracktileFunctions.BusinessCentral;

/// <summary>
/// Business Central's connection as the app stores it: the webhook subscriptions <see cref="BusinessCentralSubscriptions"/>
/// keeps in sync state (one per entity set, with its expiry; they last 3 days and are renewed hourly). Healthy when every
/// configured entity set has a stored subscription that has not expired, or when subscriptions are off by settings.
/// Entra tokens are Azure.Identity's: none is acquired here. Never a call to Business Central; never a secret in the answer.
/// </summary>
public sealed class BusinessCentralConnectionCheck(
    SyncStateStore state, IOptions<BusinessCentralOptions> options, TimeProvider timeProvider, ILogger<BusinessCentralConnectionCheck> logger)
    : CachedConnectionCheck("businesscentral", "erp", timeProvider, logger)
{
    private const string Run = "run POST /api/businesscentral/subscriptions";

    /// <inheritdoc />
    protected override async Task<ConnectionHealth> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var details = new List<string>
        {
            $"company {o.CompanyName ?? o.CompanyId}",
            o.Auth.Mode == BusinessCentralAuthMode.Basic
                ? "signs in with Basic (a web service access key)"
                : $"signs in with Entra ID ({o.Auth.Mode}, tenant {o.TenantId}); tokens are Azure.Identity's, not stored",
        };
        var webhook = o.Webhook;
        if (webhook.NotificationUrl is null || webhook.ClientStates.Count == 0)
        {
            details.Add($"webhook subscriptions are off (BusinessCentral:Webhook:NotificationUrl and ClientStates are not both set): the reconciliation applies changes every {webhook.ReconcileEveryMinutes} minutes");
            return new ConnectionHealth(true, details);
        }

        var stored = (await state.ListAsync(BusinessCentralSubscriptions.Scope, cancellationToken).ConfigureAwait(false))
            .GroupBy(r => r.Key, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var sets = webhook.Resources.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var problems = new List<string>();
        DateTimeOffset? next = null;
        foreach (var set in sets)
        {
            if (!stored.TryGetValue(set, out var record) || record.TargetId is null)
            {
                problems.Add($"{set}: no subscription stored");
            }
            else if (record.AppliedEventTime is not { } expires)
            {
                problems.Add($"{set}: no expiry stored");
            }
            else if (expires <= now)
            {
                problems.Add($"{set}: expired {ConnectionDetails.When(expires, now)}");
            }
            else
            {
                next = next is { } earlier && earlier < expires ? earlier : expires;
            }
        }

        var current = sets.Count - problems.Count;
        if (problems.Count == sets.Count && stored.Count == 0)
        {
            details.Add($"no subscription stored: {Run}");
            return new ConnectionHealth(false, details);
        }

        details.Add($"{current} of {sets.Count} webhook subscriptions registered" + (next is { } soonest ? $"; next expiry {ConnectionDetails.When(soonest, now)}" : ""));
        if (problems.Count > 0)
        {
            details.Add($"{string.Join("; ", problems)}: {Run} (the hourly timer renews them)");
        }

        return new ConnectionHealth(problems.Count == 0, details);
    }
}
