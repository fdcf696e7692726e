using System.ComponentModel.DataAnnotations;
using NCrontab;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Sync;

/// <summary>The product batch (hourly by default). Bound from <c>ProductSync</c>.</summary>
public sealed class ProductSyncOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "ProductSync";

    /// <summary>The default <see cref="Schedule"/>: at the top of every hour.</summary>
    public const string DefaultSchedule = "0 0 * * * *";

    /// <summary>
    /// When the batch runs: a 6-field NCRONTAB (seconds first), evaluated in UTC by the app on a one-minute tick, so it
    /// has a real default and an invalid value stops the app at start naming this setting. Finer than a minute is not
    /// possible. The older app setting <c>ProductSyncSchedule</c> is still read when this one is not set.
    /// </summary>
    [Required]
    public string Schedule { get; set; } = DefaultSchedule;

    /// <summary>The parsed <see cref="Schedule"/>.</summary>
    public CrontabSchedule ParsedSchedule()
        => CrontabSchedule.Parse(Schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true });

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CrontabSchedule.TryParse(Schedule ?? "", new CrontabSchedule.ParseOptions { IncludingSeconds = true }) is null)
        {
            yield return new ValidationResult(
                $"ProductSync:Schedule '{Schedule}' is not a 6-field NCRONTAB expression (seconds minutes hours day month weekday, e.g. {DefaultSchedule}).",
                [nameof(Schedule)]);
        }
    }

    /// <summary>
    /// How far before the last run's start the next run looks (covers clock skew between this app and Tracktile, and
    /// whether <c>modifiedSince</c> is inclusive, which Tracktile does not document). Repeats are harmless: upserts are
    /// idempotent and the ledger skips a product version already handed off.
    /// </summary>
    [Range(0, 86_400)]
    public int OverlapSeconds { get; set; } = 300;

    /// <summary>The <c>modifiedSince</c> of the very first run; null syncs every product.</summary>
    public DateTimeOffset? InitialSince { get; set; }

    /// <summary>
    /// Products per queue message: each target writes a page in one invocation (concurrently, or in its batch call:
    /// Business Central's <c>$batch</c> takes 100 operations), and its sync state is read and written per page. Fewer
    /// go in a page whose products would not fit one queue message.
    /// </summary>
    [Range(1, 1_000)]
    public int PageSize { get; set; } = 100;

    /// <summary>Pages handed off (enqueued) at once.</summary>
    [Range(1, 256)]
    public int MaxConcurrentHandOffs { get; set; } = 8;

    /// <summary>Where changed products go: the ERP's queue, and those of the systems that index products (set by the app, not a setting).</summary>
    internal List<string> HandOffQueues { get; } = [QueueNames.TracktileProducts];
}
