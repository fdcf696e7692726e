using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Processing;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Storage;

/// <summary>
/// Creates the app's queues and their poison queues when the app starts, in the background. A queue trigger polling a
/// queue that does not exist yet logs a 404 warning on every poll (hundreds an hour on an idle app, ingestion a user
/// pays for); with the queues there from the start, an idle app is quiet. Failures are logged once and left to the
/// publisher, which still creates a missing queue on first use.
/// </summary>
public sealed partial class QueueProvisioner(
    QueueServiceClient queues, IOptionsMonitor<WebhookSourceOptions> sources, ILogger<QueueProvisioner> logger) : BackgroundService
{
    /// <summary>Every queue the app writes or listens on, poison queues included, sorted.</summary>
    public IReadOnlyList<string> QueueNamesToCreate()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var queue in QueueNames.All)
        {
            names.Add(queue);
        }

        foreach (var source in new[] { WebhookSources.Tracktile, WebhookSources.Erp })
        {
            var options = sources.Get(source);
            names.Add(options.UnroutedQueue);
            foreach (var route in options.Routes)
            {
                names.UnionWith(route.Queues);
            }
        }

        foreach (var queue in names.ToList().Where(q => q != QueueNames.TracktileUnrouted && !q.EndsWith("-unrouted", StringComparison.Ordinal)))
        {
            names.Add(FailureLog.PoisonQueueName(queue));
        }

        return [.. names];
    }

    /// <summary>Creates every queue of <see cref="QueueNamesToCreate"/> that is missing.</summary>
    public async Task<int> CreateMissingAsync(CancellationToken cancellationToken)
    {
        var created = 0;
        foreach (var name in QueueNamesToCreate())
        {
            if ((await queues.GetQueueClient(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)) is not null)
            {
                created++;
            }
        }

        return created;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var created = await CreateMissingAsync(stoppingToken).ConfigureAwait(false);
            LogCreated(created);
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException or InvalidOperationException or IOException)
        {
            LogFailed(ex);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(LogLevel.Information, "Created {Count} missing queue(s) at start")]
    private partial void LogCreated(int count);

    [LoggerMessage(LogLevel.Warning, "Could not create the app's queues at start; they are created on first use")]
    private partial void LogFailed(Exception exception);
}
