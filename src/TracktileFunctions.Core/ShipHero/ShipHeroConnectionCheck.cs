using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Operations;
using TracktileFunctions.Secrets;

namespace TracktileFunctions.ShipHero;

/// <summary>
/// ShipHero's connection as the app stores it: the API user's tokens (<see cref="ShipHeroTokens"/>: renewed by the
/// app at its next call when expired, so never unhealthy by themselves) and, with <c>ShipHero:WebhookUrl</c> set, one
/// webhook per type whose shared secret was stored when <see cref="ShipHeroWebhookRegistration"/> made it. Unhealthy
/// when a webhook type has no secret stored or configured (its deliveries would be refused). Never a call to ShipHero;
/// never a token or secret in the answer.
/// </summary>
public sealed class ShipHeroConnectionCheck(
    ISecretStore store, ShipHeroWebhookSecrets secrets, IOptions<ShipHeroOptions> options, TimeProvider timeProvider, ILogger<ShipHeroConnectionCheck> logger)
    : CachedConnectionCheck("shiphero", "warehouse", timeProvider, logger)
{
    /// <inheritdoc />
    protected override async Task<ConnectionHealth> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var details = new List<string> { Tokens(await store.GetAsync(ShipHeroTokens.SecretName, cancellationToken).ConfigureAwait(false), o, now) };
        var healthy = true;
        if (o.WebhookSecrets.Count > 0)
        {
            details.Add($"{o.WebhookSecrets.Count} webhook secret(s) configured (ShipHero:WebhookSecrets)");
        }
        else if (o.WebhookUrl is null)
        {
            details.Add("ShipHero:WebhookUrl is not set: no webhooks registered (the reconciliation still applies shipments every 10 minutes)");
        }
        else
        {
            var missing = new List<string>();
            foreach (var type in ShipHeroWebhook.Types)
            {
                if (!await secrets.HasSecretAsync(type, cancellationToken).ConfigureAwait(false))
                {
                    missing.Add(type);
                }
            }

            var registered = $"{ShipHeroWebhook.Types.Count - missing.Count} of {ShipHeroWebhook.Types.Count} webhooks registered for shop {o.ShopName} (their secrets stored)";
            healthy = missing.Count == 0;
            details.Add(healthy ? registered : $"{registered}; missing: {string.Join(", ", missing)}: run POST /api/shiphero/webhooks");
        }

        return new ConnectionHealth(healthy, details);
    }

    /// <summary>What is stored of the API user's tokens: only their expiry and whether a refresh token is there.</summary>
    private static string Tokens(string? text, ShipHeroOptions o, DateTimeOffset now)
    {
        var signIn = o.RefreshToken is not null ? "ShipHero:RefreshToken" : "ShipHero:Username";
        if (string.IsNullOrEmpty(text))
        {
            return $"no tokens stored yet: the app signs in ({signIn}) at its first ShipHero call";
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ExpiresAt", out var expiry) && expiry.ValueKind == JsonValueKind.String
                && expiry.TryGetDateTimeOffset(out var expires))
            {
                var refresh = root.TryGetProperty("RefreshToken", out var r) && r.ValueKind == JsonValueKind.String && r.GetString() is { Length: > 0 }
                    ? "refresh token stored" : "no refresh token stored";
                return expires > now
                    ? $"access token expires {ConnectionDetails.When(expires, now)}; {refresh}"
                    : $"access token expired {ConnectionDetails.When(expires, now)}: renewed at the next ShipHero call; {refresh}";
            }
        }
        catch (JsonException)
        {
            // as ShipHeroTokens reads it: unreadable, so the app signs in again
        }

        return $"the stored tokens are unreadable: the app signs in again ({signIn}) at its next ShipHero call";
    }
}
