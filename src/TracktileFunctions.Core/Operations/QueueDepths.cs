using Azure;
using Azure.Storage.Queues;
using TracktileFunctions.Processing;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Operations;

/// <summary>
/// Every queue the app owns, with its depth, its poison queue's depth and the age of each one's oldest visible
/// message: two storage calls per queue (its properties and a peek), all at once.
/// </summary>
public sealed class QueueDepths(QueueServiceClient queues, QueueProvisioner provisioner, TimeProvider timeProvider)
{
    /// <summary>The app's queues (poison queues paired with theirs, not listed on their own), sorted.</summary>
    public IReadOnlyList<string> Names() => Pair(provisioner.QueueNamesToCreate()).Select(p => p.Queue).ToList();

    private static IEnumerable<(string Queue, string? Poison)> Pair(IReadOnlyList<string> all)
    {
        var names = all.ToHashSet(StringComparer.Ordinal);
        return all.Where(q => !q.EndsWith("-poison", StringComparison.Ordinal))
            .Select(q => (q, names.Contains(FailureLog.PoisonQueueName(q)) ? FailureLog.PoisonQueueName(q) : null));
    }

    /// <summary>Reads every queue's figures.</summary>
    public async Task<IReadOnlyList<QueueDepth>> ReadAsync(CancellationToken cancellationToken)
    {
        var reads = Pair(provisioner.QueueNamesToCreate()).Select(async pair =>
        {
            var (name, poisonName) = pair;
            var main = ReadOneAsync(name, cancellationToken);
            var poison = poisonName is not null ? ReadOneAsync(poisonName, cancellationToken) : Task.FromResult<(int, double?)?>(null);
            var (depth, oldest) = await main.ConfigureAwait(false) ?? (0, null);
            var poisoned = await poison.ConfigureAwait(false);
            return new QueueDepth(name, depth, oldest, poisoned?.Item1, poisoned?.Item2);
        });
        return await Task.WhenAll(reads).ConfigureAwait(false);
    }

    private async Task<(int Depth, double? OldestAgeSeconds)?> ReadOneAsync(string name, CancellationToken cancellationToken)
    {
        var queue = queues.GetQueueClient(name);
        try
        {
            var properties = queue.GetPropertiesAsync(cancellationToken);
            var peek = queue.PeekMessageAsync(cancellationToken);
            var depth = (await properties.ConfigureAwait(false)).Value.ApproximateMessagesCount;
            var oldest = (await peek.ConfigureAwait(false)).Value?.InsertedOn;
            return (depth, oldest is { } at ? Math.Max(0, Math.Round((timeProvider.GetUtcNow() - at).TotalSeconds, 1)) : null);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (0, null); // not created yet: nothing waits in it
        }
    }
}

/// <summary>One queue's figures; the poison ones are null for a queue without a poison queue (the unrouted one).</summary>
/// <param name="Name">The queue.</param>
/// <param name="Depth">Its approximate message count (messages waiting for a delayed retry included).</param>
/// <param name="OldestAgeSeconds">How long its oldest visible message has waited, or null when none is visible.</param>
/// <param name="PoisonDepth">Its poison queue's message count.</param>
/// <param name="PoisonOldestAgeSeconds">How long the poison queue's oldest message has waited.</param>
public sealed record QueueDepth(string Name, int Depth, double? OldestAgeSeconds, int? PoisonDepth, double? PoisonOldestAgeSeconds);
