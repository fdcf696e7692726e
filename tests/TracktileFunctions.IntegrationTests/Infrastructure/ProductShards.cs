using TracktileFunctions.Processing;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>The product batch puts the products of one sync-state shard in a page: how tests choose and count them.</summary>
public static class ProductShards
{
    /// <summary><paramref name="count"/> ids <c>{prefix}{n}</c> that all fall in one shard, so one page holds them all.</summary>
    public static IReadOnlyList<string> SameShard(string prefix, int count, int digits = 3)
    {
        var shard = SyncStateStore.ShardOf(prefix + 0.ToString($"D{digits}", System.Globalization.CultureInfo.InvariantCulture));
        return [.. Enumerable.Range(0, int.MaxValue)
            .Select(n => prefix + n.ToString($"D{digits}", System.Globalization.CultureInfo.InvariantCulture))
            .Where(id => SyncStateStore.ShardOf(id) == shard)
            .Take(count)];
    }

    /// <summary>How many pages of <paramref name="pageSize"/> the batch hands <paramref name="ids"/> off in.</summary>
    public static int Pages(IEnumerable<string> ids, int pageSize) => Chunks(ids, pageSize);

    /// <summary>How many chunks of <paramref name="chunkSize"/> (at most a page) the pages of <paramref name="ids"/> make, e.g. batch calls.</summary>
    public static int Chunks(IEnumerable<string> ids, int chunkSize)
        => ids.GroupBy(SyncStateStore.ShardOf).Sum(shard => (shard.Count() + chunkSize - 1) / chunkSize);
}
