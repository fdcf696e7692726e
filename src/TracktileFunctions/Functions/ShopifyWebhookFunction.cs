using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Shopify;

namespace TracktileFunctions.Functions;

/// <summary><c>POST /api/webhooks/shopify</c>: Shopify's order webhooks. Anonymous at the Functions level: <c>X-Shopify-Hmac-Sha256</c> is the authentication.</summary>
public sealed class ShopifyWebhookFunction(ShopifyWebhook webhook)
{
    [Function(nameof(ShopifyWebhookFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/shopify")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var h = request.Headers;
        var headers = new ShopifyWebhookHeaders(
            h["X-Shopify-Hmac-Sha256"], h["X-Shopify-Shop-Domain"], h["X-Shopify-Topic"], h["X-Shopify-Webhook-Id"], h["X-Shopify-Triggered-At"], request.ContentLength);
        var reply = await webhook.ReceiveAsync(headers, request.Body, cancellationToken);
        return reply.ToActionResult(request.HttpContext.Response);
    }
}
