using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Operations;

namespace TracktileFunctions.Functions;

/// <summary>
/// <c>GET /api/health</c>: 200 when storage is reachable and the settings are valid, else 503 naming the failing
/// check. Anonymous, because the platform's health check calls it without a key; it answers nothing secret.
/// </summary>
public sealed class HealthFunction(HealthCheck health)
{
    [Function(nameof(HealthFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
        => (await health.CheckAsync(cancellationToken)).ToActionResult(request.HttpContext.Response);
}
