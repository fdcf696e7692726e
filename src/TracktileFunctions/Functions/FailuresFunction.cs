using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Operations;

namespace TracktileFunctions.Functions;

/// <summary><c>GET /api/ops/failures[/{queue}]</c> (function key): the failures now in poison, with their reasons.</summary>
public sealed class FailuresFunction(FailureList failures)
{
    [Function(nameof(FailuresFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "ops/failures/{queue?}")] HttpRequest request,
        string? queue,
        CancellationToken cancellationToken)
        => (await failures.ListAsync(queue, cancellationToken)).ToActionResult(request.HttpContext.Response);
}
