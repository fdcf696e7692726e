using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Processing;

/// <summary>Queue processing: attempts, retry delays and the handler's time limit. Bound from <c>Processing</c>.</summary>
public sealed class ProcessingOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Processing";

    /// <summary>
    /// host.json's <c>extensions.queues.maxDequeueCount</c> (5): on that dequeue of one queue message the app poisons
    /// it itself, with its reason and without the 7-day expiry of the host's own poison copies. It only matters when
    /// the app could not schedule its own retry (storage unavailable, the process killed mid-attempt).
    /// </summary>
    [Range(1, 100)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>
    /// Attempts of one event before it goes to poison. After a transient failure the app schedules the next attempt
    /// itself, as a new queue message that stays hidden for a growing delay, so an outage of hours is waited out.
    /// </summary>
    [Range(1, 1_000)]
    public int MaxAttempts { get; set; } = 20;

    /// <summary>The delay before the second attempt; each later one doubles it, up to <see cref="RetryMaxDelaySeconds"/> (with ±20 % jitter).</summary>
    [Range(0, 86_400)]
    public double RetryBaseDelaySeconds { get; set; } = 30;

    /// <summary>The longest delay between two attempts (a queue message can be hidden for 7 days at most).</summary>
    [Range(0, 604_800)]
    public double RetryMaxDelaySeconds { get; set; } = 3_600;

    /// <summary>
    /// How long one attempt may run before it is cancelled and retried. It stays below the ledger claim's 5-minute
    /// lease, so no duplicate can claim an event while its holder is still applying it.
    /// </summary>
    [Range(1, 270)]
    public int HandlerTimeoutSeconds { get; set; } = 240;

    /// <summary>The delay before attempt <paramref name="attempt"/> + 1, before jitter.</summary>
    public TimeSpan RetryDelay(int attempt)
        => TimeSpan.FromSeconds(Math.Min(RetryMaxDelaySeconds, RetryBaseDelaySeconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30))));

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryMaxDelaySeconds < RetryBaseDelaySeconds)
        {
            yield return new ValidationResult(
                "Processing:RetryMaxDelaySeconds must be at least Processing:RetryBaseDelaySeconds.", [nameof(RetryMaxDelaySeconds)]);
        }
    }
}
