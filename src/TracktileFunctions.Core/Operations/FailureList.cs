using TracktileFunctions.Processing;

namespace TracktileFunctions.Operations;

/// <summary>
/// The failures now in poison, for a person to read and replay: of one queue, or of every queue whose poison queue
/// holds messages (so an idle app's listing costs one call per queue, and no scan of the failure history).
/// </summary>
public sealed class FailureList(FailureLog failures, QueueDepths depths, OperationsOptions options)
{
    /// <summary>
    /// Lists the failures of <paramref name="queue"/>, or of every queue with poison when it is null; answers JSON
    /// <c>{failures: [...], poison: [{queue, depth, recorded}]}</c>. <c>depth</c> is what the poison queue holds and
    /// <c>recorded</c> how many of those the app has a reason for: a message the queue trigger itself moved (one that
    /// is not base64, so the app never read it) is in the depth and not in the failures.
    /// </summary>
    public async Task<HttpReply> ListAsync(string? queue, CancellationToken cancellationToken)
    {
        if (queue is { Length: > 0 } && !depths.Names().Contains(queue, StringComparer.Ordinal))
        {
            return new HttpReply(404, "not one of the app's queues (name the queue, not its poison queue)");
        }

        var poisoned = (await depths.ReadAsync(cancellationToken).ConfigureAwait(false))
            .Where(d => queue is { Length: > 0 } ? d.Name == queue : d.PoisonDepth > 0).ToList();
        var lists = await Task.WhenAll(poisoned.Select(d => failures.ListPoisonedAsync(d.Name, options.MaxFailuresListed, cancellationToken))).ConfigureAwait(false);
        var all = lists.SelectMany(l => l).OrderByDescending(f => f.LastSeenAt).Take(options.MaxFailuresListed).ToList();
        var poison = poisoned.Select((d, i) => new { queue = d.Name, depth = d.PoisonDepth ?? 0, recorded = lists[i].Count });
        return HttpReply.Json(new { failures = all, poison });
    }
}
