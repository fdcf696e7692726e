using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Functions;

/// <summary>
/// <c>POST /api/ops/replay/{queue}[?max=N]</c> (function key), with an optional body <c>{"eventIds": ["..."]}</c>:
/// moves the messages of <c>{queue}-poison</c> (all, or those events') back to <c>{queue}</c> once their cause is fixed.
/// </summary>
public sealed class ReplayPoisonFunction(PoisonReplayer replayer)
{
    [Function(nameof(ReplayPoisonFunction))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "ops/replay/{queue}")] HttpRequest request,
        string queue,
        CancellationToken cancellationToken)
    {
        var max = request.Query.TryGetValue("max", out var values) ? values.ToString() : null;
        var reply = await replayer.ReplayRequestAsync(queue, max, request.Body, cancellationToken);
        return reply.ToActionResult(request.HttpContext.Response);
    }
}
