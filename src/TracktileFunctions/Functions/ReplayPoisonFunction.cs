using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Functions;

/// <summary>
/// <c>POST /api/ops/replay/{queue}[?max=N]</c> (function key): moves the messages of <c>{queue}-poison</c> back to
/// <c>{queue}</c> once their cause is fixed.
/// </summary>
public sealed class ReplayPoisonFunction(PoisonReplayer replayer)
{
    [Function(nameof(ReplayPoisonFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "ops/replay/{queue}")] HttpRequest request,
        string queue,
        CancellationToken cancellationToken)
    {
        int? max = int.TryParse(request.Query["max"], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : null;
        var reply = await replayer.ReplayAsync(queue, request.Query.ContainsKey("max") && max is null ? 0 : max, cancellationToken);
        return reply.ToActionResult(request.HttpContext.Response);
    }
}
