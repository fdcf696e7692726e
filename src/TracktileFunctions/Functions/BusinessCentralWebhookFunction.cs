using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.BusinessCentral;

namespace TracktileFunctions.Functions;

/// <summary>
/// <c>POST /api/webhooks/businesscentral</c>: Business Central's subscription handshake and change notifications.
/// Anonymous at the Functions level: the notifications' <c>clientState</c> is the authentication. GET is accepted too,
/// for the handshake only: Business Central's docs name the <c>validationToken</c> query parameter, not the method.
/// </summary>
public sealed class BusinessCentralWebhookFunction(BusinessCentralWebhook webhook)
{
    [Function(nameof(BusinessCentralWebhookFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "webhooks/businesscentral")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var token = request.Query.TryGetValue("validationToken", out var values) ? values.ToString() : null;
        var reply = await webhook.ReceiveAsync(token, request.ContentLength, request.Body, cancellationToken);
        return reply.ToActionResult(request.HttpContext.Response);
    }
}
