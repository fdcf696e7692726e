using Azure.Storage.Queues;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Extensions.Configuration;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// The queue trigger settings of <c>host.json</c> (<c>extensions.queues</c>), read the way the Functions host reads
/// them: bound from configuration, keys case-insensitive. A value that host.json leaves out is null, and the
/// extension's default applies. A key this reader does not know fails <see cref="Load"/>, so a new setting cannot be
/// left out of the tests unnoticed.
/// </summary>
public sealed class HostJsonQueueOptions
{
    /// <summary>The configuration path of the queue settings in a version 2.0 host.json.</summary>
    public const string SectionPath = "extensions:queues";

    /// <summary><c>maxDequeueCount</c>: attempts before a message moves to <c>&lt;queue&gt;-poison</c>.</summary>
    public int? MaxDequeueCount { get; init; }

    /// <summary><c>visibilityTimeout</c>: how long a failed message stays invisible before its next attempt.</summary>
    public TimeSpan? VisibilityTimeout { get; init; }

    /// <summary><c>maxPollingInterval</c>: the longest wait between polls of an empty queue.</summary>
    public TimeSpan? MaxPollingInterval { get; init; }

    /// <summary><c>batchSize</c>: messages fetched and run in parallel at once.</summary>
    public int? BatchSize { get; init; }

    /// <summary><c>newBatchThreshold</c>: fetch the next batch when this few messages are still running.</summary>
    public int? NewBatchThreshold { get; init; }

    /// <summary><c>messageEncoding</c>: <c>base64</c> (the default) or <c>none</c>.</summary>
    public QueueMessageEncoding? MessageEncoding { get; init; }

    /// <summary>Reads <paramref name="hostJsonPath"/>, by default the repository's root host.json.</summary>
    public static HostJsonQueueOptions Load(string? hostJsonPath = null)
    {
        var path = Path.GetFullPath(hostJsonPath ?? RepositoryPaths.HostJson);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"host.json not found at '{path}'.", path);
        }

        var configuration = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build();
        return configuration.GetSection(SectionPath).Get<HostJsonQueueOptions>(o => o.ErrorOnUnknownConfiguration = true)
            ?? new HostJsonQueueOptions();
    }

    /// <summary>Copies every value host.json sets onto <paramref name="options"/>; leaves the others as they are.</summary>
    public void ApplyTo(QueuesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (MaxDequeueCount is { } maxDequeueCount)
        {
            options.MaxDequeueCount = maxDequeueCount;
        }

        if (VisibilityTimeout is { } visibilityTimeout)
        {
            options.VisibilityTimeout = visibilityTimeout;
        }

        if (MaxPollingInterval is { } maxPollingInterval)
        {
            options.MaxPollingInterval = maxPollingInterval;
        }

        if (BatchSize is { } batchSize)
        {
            options.BatchSize = batchSize;
        }

        if (NewBatchThreshold is { } newBatchThreshold)
        {
            options.NewBatchThreshold = newBatchThreshold;
        }

        if (MessageEncoding is { } messageEncoding)
        {
            options.MessageEncoding = messageEncoding;
        }
    }
}
