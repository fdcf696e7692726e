using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Sync;

/// <summary>The hourly product batch. Bound from <c>ProductSync</c>; the schedule itself is the app setting <c>ProductSyncSchedule</c>.</summary>
public sealed class ProductSyncOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "ProductSync";

    /// <summary>
    /// How far before the last run's start the next run looks (covers clock skew between this app and Tracktile, and
    /// whether <c>modifiedSince</c> is inclusive, which Tracktile does not document). Repeats are harmless: upserts are
    /// idempotent and the ledger skips a product version already handed off.
    /// </summary>
    [Range(0, 86_400)]
    public int OverlapSeconds { get; set; } = 300;

    /// <summary>The <c>modifiedSince</c> of the very first run; null syncs every product.</summary>
    public DateTimeOffset? InitialSince { get; set; }

    /// <summary>Products handed off (enqueued) at once.</summary>
    [Range(1, 256)]
    public int MaxConcurrentHandOffs { get; set; } = 32;
}
