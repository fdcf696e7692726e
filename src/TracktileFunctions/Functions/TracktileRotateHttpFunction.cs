using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Functions;

/// <summary><c>POST /api/setup/tracktile/rotate[?hook=ID]</c> (function key): rotates the app's Tracktile webhook secrets, one or all, storing each at once.</summary>
public sealed class TracktileRotateHttpFunction(TracktileWebhookSetup setup)
{
    [Function(nameof(TracktileRotateHttpFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "setup/tracktile/rotate")] HttpRequest request,
        CancellationToken cancellationToken)
        => (await setup.RotateAsync(request.Query["hook"].FirstOrDefault(h => !string.IsNullOrWhiteSpace(h)), cancellationToken)).ToActionResult();
}
