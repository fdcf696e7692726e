using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Functions;

/// <summary>
/// <c>POST /api/webhooks/erp</c>: the ERP's signed events (same scheme as Tracktile's, its own secrets and header).
/// Anonymous at the Functions level: the signature is the authentication.
/// </summary>
public sealed class ErpWebhookFunction([FromKeyedServices(WebhookSources.Erp)] WebhookReceiver receiver)
{
    [Function(nameof(ErpWebhookFunction))]
    public Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/erp")] HttpRequest request,
        CancellationToken cancellationToken)
        => receiver.ReceiveAsync(request, cancellationToken);
}
