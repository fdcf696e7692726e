using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Operations;

namespace TracktileFunctions.Functions;

/// <summary>
/// <c>GET /api/dashboard</c> (function key): the operator's status page. Open it as <c>/api/dashboard?code=KEY</c>;
/// its script sends that key with each call it makes (<c>status</c>, <c>ops/failures</c>, <c>ops/replay/{queue}</c>).
/// </summary>
public sealed class DashboardFunction(Dashboard dashboard)
{
    [Function(nameof(DashboardFunction))]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "dashboard")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var (name, value) in Dashboard.Headers)
        {
            request.HttpContext.Response.Headers[name] = value;
        }

        return dashboard.Page().ToActionResult(request.HttpContext.Response);
    }
}
