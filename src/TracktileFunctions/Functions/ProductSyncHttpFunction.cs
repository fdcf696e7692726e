using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Sync;

namespace TracktileFunctions.Functions;

/// <summary>
/// <c>POST /api/sync/products[?since=ISO-8601 | ?full=true]</c> (function key): queues a product sync and answers 202 at once; the
/// run happens in <see cref="ProductSyncRequestFunction"/> (an HTTP answer cannot outlive 230 s).
/// </summary>
public sealed class ProductSyncHttpFunction(ProductSyncRunner runner)
{
    [Function(nameof(ProductSyncHttpFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "sync/products")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var reply = await runner.RequestAsync(request.Query["since"], request.Query["full"], cancellationToken);
        return reply.ToActionResult(request.HttpContext.Response);
    }
}
