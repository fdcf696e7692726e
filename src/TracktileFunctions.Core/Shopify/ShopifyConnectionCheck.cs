using Microsoft.Extensions.Options;
using TracktileFunctions.Operations;

namespace TracktileFunctions.Shopify;

/// <summary>
/// Shopify's connection from what is configured: the app stores nothing about it (the webhook subscriptions live in
/// Shopify, made by <see cref="ShopifySubscriptions"/>; granted tokens are held in memory by <see cref="ShopifyTokenCache"/>).
/// Healthy when every shop has a way to get a token (its own access token, or the app's client credentials). Reads no
/// storage; never a token or secret in the answer.
/// </summary>
public sealed class ShopifyConnectionCheck(IOptions<ShopifyOptions> options, ShopifyTokenCache tokens) : IConnectionCheck
{
    /// <inheritdoc />
    public string System => "shopify";

    /// <inheritdoc />
    public string Role => "store";

    /// <inheritdoc />
    public Task<ConnectionHealth> CheckAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var granting = o.ClientId is not null && o.ClientSecrets.Count > 0;
        var details = new List<string>();
        var healthy = o.Shops.Count > 0;
        foreach (var shop in o.Shops)
        {
            if (shop.AccessToken is not null)
            {
                details.Add($"{shop.Domain}: Admin API access token configured");
            }
            else if (granting)
            {
                details.Add($"{shop.Domain}: tokens from the client credentials grant (Shopify:ClientId)");
            }
            else
            {
                healthy = false;
                details.Add($"{shop.Domain}: no access token and no client credentials: set Shopify:Shops:N:AccessToken, or Shopify:ClientId and Shopify:ClientSecrets:0");
            }
        }

        if (granting && o.Shops.Any(s => s.AccessToken is null))
        {
            details.Add($"{tokens.Grants} client credentials grant(s) made by this instance (tokens are held in memory, not stored)");
        }

        details.Add(o.WebhookUrl is null
            ? "Shopify:WebhookUrl is not set: no order webhook subscriptions (the reconciliation imports orders)"
            : "order webhook subscriptions are kept by Shopify, not stored by the app: POST /api/shopify/subscriptions creates the missing ones");
        return Task.FromResult(new ConnectionHealth(healthy, details));
    }
}
