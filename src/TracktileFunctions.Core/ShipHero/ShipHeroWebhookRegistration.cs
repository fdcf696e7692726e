using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TracktileFunctions.ShipHero;

/// <summary>What the registration found, created, left alone and could not do.</summary>
public sealed record ShipHeroWebhookReport(IReadOnlyList<string> Kept, IReadOnlyList<string> Created, IReadOnlyList<string> Elsewhere, IReadOnlyList<string> Failed, string? Skipped);

/// <summary>
/// Registers the webhooks the app handles (<see cref="ShipHeroWebhook.Types"/>) for its shop, pointing at
/// <see cref="ShipHeroOptions.WebhookUrl"/>. ShipHero reveals a webhook's shared secret once, in the create answer: it is
/// stored in the secret store at once, before anything else, and the receiver accepts it from then on. A webhook that
/// already points here is kept; one of the same type that points elsewhere is left alone and reported (ShipHero keeps
/// one per type and shop: replacing it is a person's decision). Running it twice changes nothing the second time.
/// </summary>
public sealed partial class ShipHeroWebhookRegistration(
    ShipHeroClient shiphero, ShipHeroWebhookSecrets secrets, IOptions<ShipHeroOptions> options, ILogger<ShipHeroWebhookRegistration> logger)
{
    private readonly ShipHeroOptions _options = options.Value;

    /// <summary>Runs once.</summary>
    public async Task<ShipHeroWebhookReport> EnsureAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled || _options.WebhookUrl is null)
        {
            return new ShipHeroWebhookReport([], [], [], [], _options.Enabled ? "ShipHero:WebhookUrl is not set" : "ShipHero is off (no ShipHero:Username or ShipHero:RefreshToken)");
        }

        var (kept, created, elsewhere, failed) = (new List<string>(), new List<string>(), new List<string>(), new List<string>());
        Dictionary<string, string> existing;
        try
        {
            var data = await shiphero.ExecuteAsync(ShipHeroDocuments.Webhooks, new JsonObject { ["shopName"] = _options.ShopName }, cancellationToken).ConfigureAwait(false);
            existing = ShipHeroWarehouse.Edges(data.GetProperty("webhooks"))
                .Where(n => n.GetProperty("shop_name").GetString() == _options.ShopName)
                .GroupBy(n => n.GetProperty("name").GetString()!)
                .ToDictionary(g => g.Key, g => g.First().GetProperty("url").GetString() ?? "", StringComparer.Ordinal);
        }
        catch (ShipHeroApiException ex)
        {
            return new ShipHeroWebhookReport([], [], [], [ex.Message], null);
        }

        foreach (var type in ShipHeroWebhook.Types)
        {
            if (existing.TryGetValue(type, out var url))
            {
                if (url != _options.WebhookUrl)
                {
                    elsewhere.Add($"{type} -> {url}");
                    continue;
                }

                if (await secrets.HasSecretAsync(type, cancellationToken).ConfigureAwait(false))
                {
                    kept.Add(type);
                    continue;
                }

                // It points here, but its secret was never stored (a lost answer, a hand-made webhook): every delivery would
                // be refused. ShipHero reveals secrets only on create, so it is made again.
                try
                {
                    await shiphero.ExecuteAsync(ShipHeroDocuments.DeleteWebhook,
                        new JsonObject { ["data"] = new JsonObject { ["name"] = type, ["shop_name"] = _options.ShopName } }, cancellationToken).ConfigureAwait(false);
                }
                catch (ShipHeroApiException ex)
                {
                    failed.Add($"{type}: it has no stored secret and could not be removed to be made again: {ex.Message}");
                    continue;
                }
            }

            try
            {
                var data = await shiphero.ExecuteAsync(ShipHeroDocuments.CreateWebhook, new JsonObject
                {
                    ["data"] = new JsonObject { ["name"] = type, ["url"] = _options.WebhookUrl, ["shop_name"] = _options.ShopName },
                }, cancellationToken).ConfigureAwait(false);
                var secret = data.GetProperty("webhook_create").GetProperty("webhook").GetProperty("shared_signature_secret").GetString();
                if (string.IsNullOrEmpty(secret))
                {
                    failed.Add($"{type}: ShipHero returned no shared secret; delete the webhook in ShipHero and run this again");
                    continue;
                }

                try
                {
                    await secrets.StoreAsync(type, secret, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A webhook whose secret is lost would be refused forever: remove it, so the next run makes it again.
                    await shiphero.ExecuteAsync(ShipHeroDocuments.DeleteWebhook,
                        new JsonObject { ["data"] = new JsonObject { ["name"] = type, ["shop_name"] = _options.ShopName } }, cancellationToken).ConfigureAwait(false);
                    failed.Add($"{type}: its secret could not be stored ({ex.GetType().Name}: check Secrets:KeyVaultUri and the app's permission to set secrets); the webhook was removed, run this again");
                    continue;
                }

                created.Add(type);
                LogCreated(type, _options.ShopName);
            }
            catch (ShipHeroApiException ex)
            {
                failed.Add($"{type}: {ex.Message}");
            }
        }

        return new ShipHeroWebhookReport(kept, created, elsewhere, failed, null);
    }

    [LoggerMessage(LogLevel.Information, "Registered the ShipHero {WebhookType} webhook for shop {ShopName}; its secret is stored")]
    private partial void LogCreated(string webhookType, string shopName);
}
