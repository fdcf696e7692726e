using System.Collections.Concurrent;

namespace TracktileFunctions.Shopify;

/// <summary>
/// What each shop's cost bucket last said (<c>extensions.cost.throttleStatus</c>), and what each operation last cost,
/// shared by every call of the process: a call that the bucket cannot afford yet waits until it can, so the app stays
/// under the limit instead of learning it from <c>THROTTLED</c> answers. Other instances of this app share the shop's
/// bucket, so this is an estimate; a throttled answer is still waited out by the client.
/// </summary>
public sealed class ShopifyCostBuckets(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, double> _costs = new(StringComparer.Ordinal);

    /// <summary>How long to wait before sending <paramref name="operation"/> to <paramref name="shop"/> (zero when the bucket can afford it).</summary>
    public TimeSpan WaitBefore(string shop, string operation)
    {
        if (!_buckets.TryGetValue(shop, out var bucket) || !_costs.TryGetValue(operation, out var cost) || bucket.RestoreRate <= 0)
        {
            return TimeSpan.Zero;
        }

        lock (bucket)
        {
            var now = timeProvider.GetUtcNow();
            var available = Math.Min(bucket.Maximum, bucket.Available + (now - bucket.At).TotalSeconds * bucket.RestoreRate);
            if (available >= cost)
            {
                // Spend it now, so concurrent calls of this process do not all count the same points.
                bucket.Available = available - cost;
                bucket.At = now;
                return TimeSpan.Zero;
            }

            var wait = TimeSpan.FromSeconds(Math.Min(60, (cost - available) / bucket.RestoreRate));
            bucket.Available = available - cost; // reserved: the next caller waits behind this one
            bucket.At = now;
            return wait;
        }
    }

    /// <summary>Records what an answer said.</summary>
    public void Observe(string shop, string operation, double requestedCost, double maximum, double available, double restoreRate)
    {
        if (requestedCost > 0)
        {
            _costs[operation] = requestedCost;
        }

        if (restoreRate <= 0)
        {
            return;
        }

        var bucket = _buckets.GetOrAdd(shop, _ => new Bucket());
        lock (bucket)
        {
            bucket.Maximum = maximum > 0 ? maximum : Math.Max(bucket.Maximum, available);
            bucket.Available = available;
            bucket.RestoreRate = restoreRate;
            bucket.At = timeProvider.GetUtcNow();
        }
    }

    private sealed class Bucket
    {
        public double Maximum;
        public double Available;
        public double RestoreRate;
        public DateTimeOffset At;
    }
}
