using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Functions;

/// <summary><c>POST /api/setup/tracktile</c> (function key): registers the missing Tracktile webhooks and stores their secrets; answers what it found.</summary>
public sealed class TracktileSetupHttpFunction(TracktileWebhookSetup setup)
{
    [Function(nameof(TracktileSetupHttpFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "setup/tracktile")] HttpRequest request,
        CancellationToken cancellationToken)
        => (await setup.EnsureAsync(cancellationToken)).ToActionResult();
}
