using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Shopify;
using TracktileFunctions.Store;

namespace TracktileFunctions.Functions;

/// <summary><c>POST /api/shopify/stock-repair</c> (function key): the drift repair on demand; answers what it found and set (409 when it was skipped).</summary>
public sealed class ShopifyStockRepairHttpFunction([FromKeyedServices(ShopifyWebhook.Source)] StoreStockRepair repair)
{
    [Function(nameof(ShopifyStockRepairHttpFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "shopify/stock-repair")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var report = await repair.RunAsync(cancellationToken);
        return new ObjectResult(report) { StatusCode = report.Skipped is null ? 200 : 409 };
    }
}
