using TracktileFunctions.Processing;

namespace TracktileFunctions.Operations;

/// <summary>
/// The failures now in poison, for a person to read and replay: of one queue, or of every queue whose poison queue
/// holds messages (so an idle app's listing costs one call per queue, and no scan of the failure history).
/// </summary>
public sealed class FailureList(FailureLog failures, QueueDepths depths, OperationsOptions options)
{
    /// <summary>Lists the failures of <paramref name="queue"/>, or of every queue when it is null; answers JSON <c>{failures: [...]}</c>.</summary>
    public async Task<HttpReply> ListAsync(string? queue, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> queues;
        if (queue is { Length: > 0 })
        {
            if (!depths.Names().Contains(queue, StringComparer.Ordinal))
            {
                return new HttpReply(404, "not one of the app's queues (name the queue, not its poison queue)");
            }

            queues = [queue];
        }
        else
        {
            queues = [.. (await depths.ReadAsync(cancellationToken).ConfigureAwait(false)).Where(d => d.PoisonDepth > 0).Select(d => d.Name)];
        }

        var lists = await Task.WhenAll(queues.Select(q => failures.ListPoisonedAsync(q, options.MaxFailuresListed, cancellationToken))).ConfigureAwait(false);
        var all = lists.SelectMany(l => l).OrderByDescending(f => f.LastSeenAt).Take(options.MaxFailuresListed).ToList();
        return HttpReply.Json(new { failures = all });
    }
}
