using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Functions;

/// <summary>
/// <c>POST /api/webhooks/tracktile</c>: Tracktile's signed events. Anonymous at the Functions level because the
/// signature is the authentication (Tracktile cannot send a function key).
/// </summary>
public sealed class TracktileWebhookFunction([FromKeyedServices(WebhookSources.Tracktile)] WebhookReceiver receiver)
{
    [Function(nameof(TracktileWebhookFunction))]
    public Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/tracktile")] HttpRequest request,
        CancellationToken cancellationToken)
        => receiver.ReceiveAsync(request, cancellationToken);
}
