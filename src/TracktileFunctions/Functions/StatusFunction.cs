using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Operations;

namespace TracktileFunctions.Functions;

/// <summary><c>GET /api/status</c> (function key): queues, systems, the product batch and webhooks, as JSON.</summary>
public sealed class StatusFunction(StatusReport status)
{
    [Function(nameof(StatusFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "status")] HttpRequest request,
        CancellationToken cancellationToken)
        => (await status.GetAsync(cancellationToken)).ToActionResult(request.HttpContext.Response);
}
