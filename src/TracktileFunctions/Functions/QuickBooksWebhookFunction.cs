using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.QuickBooks;

namespace TracktileFunctions.Functions;

/// <summary><c>POST /api/webhooks/quickbooks</c>: Intuit's webhooks. Anonymous at the Functions level: <c>intuit-signature</c> is the authentication.</summary>
public sealed class QuickBooksWebhookFunction(QuickBooksWebhook webhook)
{
    [Function(nameof(QuickBooksWebhookFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/quickbooks")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var reply = await webhook.ReceiveAsync(request.Headers["intuit-signature"], request.ContentLength, request.Body, cancellationToken);
        return reply.ToActionResult(request.HttpContext.Response);
    }
}
