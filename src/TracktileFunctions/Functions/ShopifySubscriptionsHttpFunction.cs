using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Shopify;

namespace TracktileFunctions.Functions;

/// <summary><c>POST /api/shopify/subscriptions</c> (function key): creates the missing order webhook subscriptions in every shop; answers what it found.</summary>
public sealed class ShopifySubscriptionsHttpFunction(ShopifySubscriptions subscriptions)
{
    [Function(nameof(ShopifySubscriptionsHttpFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "shopify/subscriptions")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var report = await subscriptions.EnsureAsync(cancellationToken);
        return new ObjectResult(report) { StatusCode = report.Skipped is not null ? 409 : report.Failed.Count > 0 ? 502 : 200 };
    }
}
