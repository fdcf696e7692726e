using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.BusinessCentral;

namespace TracktileFunctions.Functions;

/// <summary><c>POST /api/businesscentral/subscriptions</c> (function key): the subscription run, on demand; answers what it did.</summary>
public sealed class BusinessCentralSubscriptionsHttpFunction(BusinessCentralSubscriptions subscriptions)
{
    [Function(nameof(BusinessCentralSubscriptionsHttpFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "businesscentral/subscriptions")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var report = await subscriptions.EnsureAsync(cancellationToken);
        return new ObjectResult(report) { StatusCode = report.Skipped is not null ? 409 : report.Failed.Count > 0 ? 502 : 200 };
    }
}
