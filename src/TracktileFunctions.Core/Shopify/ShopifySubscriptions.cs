using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TracktileFunctions.Shopify;

/// <summary>What the subscription run found, created and could not create.</summary>
public sealed record ShopifySubscriptionReport(IReadOnlyList<string> Kept, IReadOnlyList<string> Created, IReadOnlyList<string> Failed, string? Skipped);

/// <summary>
/// Makes each shop's webhook subscriptions match what the app imports: one per order topic pointing at
/// <see cref="ShopifyOptions.WebhookUrl"/>. It lists first and creates only what is missing, so running it twice
/// changes nothing the second time (Shopify refuses an exact duplicate anyway).
/// </summary>
public sealed partial class ShopifySubscriptions(ShopifyClient shopify, IOptions<ShopifyOptions> options, ILogger<ShopifySubscriptions> logger)
{
    /// <summary>The GraphQL topics of <see cref="ShopifyWebhook.OrderTopics"/>.</summary>
    public static IReadOnlyList<string> Topics { get; } = ["ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED"];

    private readonly ShopifyOptions _options = options.Value;

    /// <summary>Runs once for every shop.</summary>
    public async Task<ShopifySubscriptionReport> EnsureAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled || _options.WebhookUrl is null)
        {
            return new ShopifySubscriptionReport([], [], [], _options.Enabled ? "Shopify:WebhookUrl is not set" : "Shopify is off (Shopify:Shops is empty)");
        }

        var (kept, created, failed) = (new List<string>(), new List<string>(), new List<string>());
        foreach (var shop in _options.Shops.Select(s => s.Domain))
        {
            HashSet<string> existing;
            try
            {
                existing = await ExistingAsync(shop, cancellationToken).ConfigureAwait(false);
            }
            catch (ShopifyApiException ex)
            {
                failed.Add($"{shop}: {ex.Message}");
                continue;
            }

            foreach (var topic in Topics)
            {
                if (existing.Contains(topic))
                {
                    kept.Add($"{shop} {topic}");
                    continue;
                }

                try
                {
                    var data = await shopify.ExecuteAsync(shop, ShopifyDocuments.CreateWebhookSubscription, new JsonObject
                    {
                        ["topic"] = topic,
                        ["subscription"] = new JsonObject { ["uri"] = _options.WebhookUrl, ["format"] = "JSON" },
                    }, cancellationToken).ConfigureAwait(false);
                    ShopifyClient.ThrowOnUserErrors(data.GetProperty("webhookSubscriptionCreate"), $"webhookSubscriptionCreate {topic}");
                    created.Add($"{shop} {topic}");
                    LogCreated(shop, topic);
                }
                catch (ShopifyApiException ex)
                {
                    failed.Add($"{shop} {topic}: {ex.Message}");
                }
            }
        }

        return new ShopifySubscriptionReport(kept, created, failed, null);
    }

    private async Task<HashSet<string>> ExistingAsync(string shop, CancellationToken cancellationToken)
    {
        var topics = new HashSet<string>(StringComparer.Ordinal);
        string? after = null;
        do
        {
            var data = await shopify.ExecuteAsync(shop, ShopifyDocuments.WebhookSubscriptions, new JsonObject { ["after"] = after }, cancellationToken).ConfigureAwait(false);
            var page = data.GetProperty("webhookSubscriptions");
            foreach (var node in page.GetProperty("nodes").EnumerateArray())
            {
                if (node.GetProperty("uri").GetString() == _options.WebhookUrl && node.GetProperty("topic").GetString() is { } topic)
                {
                    topics.Add(topic);
                }
            }

            var info = page.GetProperty("pageInfo");
            after = info.GetProperty("hasNextPage").GetBoolean() ? info.GetProperty("endCursor").GetString() : null;
        }
        while (after is not null);

        return topics;
    }

    [LoggerMessage(LogLevel.Information, "Created the Shopify {Topic} webhook subscription in {Shop}")]
    private partial void LogCreated(string shop, string topic);
}
