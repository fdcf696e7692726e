using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.ShipHero;

namespace TracktileFunctions.Functions;

/// <summary><c>POST /api/webhooks/shiphero</c>: ShipHero's webhooks. Anonymous at the Functions level: <c>X-ShipHero-HMAC-SHA256</c> is the authentication.</summary>
public sealed class ShipHeroWebhookFunction(ShipHeroWebhook webhook)
{
    [Function(nameof(ShipHeroWebhookFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/shiphero")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var reply = await webhook.ReceiveAsync(
            request.Headers["X-ShipHero-HMAC-SHA256"], request.Headers["X-Shiphero-Message-ID"], request.ContentLength, request.Body, cancellationToken);
        return reply.ToActionResult(request.HttpContext.Response);
    }
}
