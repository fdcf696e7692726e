using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.QuickBooks;

namespace TracktileFunctions.Functions;

/// <summary><c>GET /api/connect/quickbooks</c> (function key): redirects a person to Intuit to connect the QuickBooks company.</summary>
public sealed class QuickBooksConnectFunction(QuickBooksConnect connect)
{
    [Function(nameof(QuickBooksConnectFunction))]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "connect/quickbooks")] HttpRequest request)
        => connect.Start().ToActionResult();
}
