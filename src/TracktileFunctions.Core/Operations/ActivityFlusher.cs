using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TracktileFunctions.Operations;

/// <summary>Writes the <see cref="ActivityLog"/> every flush interval, and once more when the app stops.</summary>
public sealed partial class ActivityFlusher(ActivityLog log, OperationsOptions options, TimeProvider timeProvider, ILogger<ActivityFlusher> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.FlushInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await log.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFlushFailed(ex); // the status shows older figures until the next flush; nothing is lost that matters
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not write the activity log to the table operations; the status page shows older figures until the next flush")]
    private partial void LogFlushFailed(Exception exception);
}
