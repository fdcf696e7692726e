using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Processing;

/// <summary>Queue processing. Bound from <c>Processing</c>.</summary>
public sealed class ProcessingOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Processing";

    /// <summary>
    /// The attempt on which a transiently failing message is moved to its poison queue by the app itself (with its
    /// reason, and without the 7-day expiry the host's own poison copies get). Keep it equal to host.json's
    /// <c>extensions.queues.maxDequeueCount</c> (5).
    /// </summary>
    [Range(1, 100)]
    public int MaxDequeueCount { get; set; } = 5;
}
