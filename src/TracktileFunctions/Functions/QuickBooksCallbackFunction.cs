using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.QuickBooks;

namespace TracktileFunctions.Functions;

/// <summary>
/// <c>GET /api/connect/quickbooks/callback</c>: where Intuit sends the person back. Anonymous at the Functions level (a
/// browser redirect from Intuit carries no function key): the signed, expiring <c>state</c> is the authentication.
/// </summary>
public sealed class QuickBooksCallbackFunction(QuickBooksConnect connect)
{
    [Function(nameof(QuickBooksCallbackFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "connect/quickbooks/callback")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var query = request.Query;
        var reply = await connect.CallbackAsync(query["code"], query["state"], query["realmId"], query["error"], cancellationToken);
        return reply.ToActionResult();
    }
}
