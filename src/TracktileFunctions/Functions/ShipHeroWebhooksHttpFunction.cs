using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.ShipHero;

namespace TracktileFunctions.Functions;

/// <summary><c>POST /api/shiphero/webhooks</c> (function key): registers the missing ShipHero webhooks and stores their secrets; answers what it found.</summary>
public sealed class ShipHeroWebhooksHttpFunction(ShipHeroWebhookRegistration registration)
{
    [Function(nameof(ShipHeroWebhooksHttpFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "shiphero/webhooks")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var report = await registration.EnsureAsync(cancellationToken);
        return new ObjectResult(report) { StatusCode = report.Skipped is not null ? 409 : report.Failed.Count > 0 ? 502 : 200 };
    }
}
