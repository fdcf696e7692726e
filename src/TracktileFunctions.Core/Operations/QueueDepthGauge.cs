using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TracktileFunctions.Operations;

/// <summary>
/// The metric <c>tracktile.queue.depth</c> (tags <c>queue</c>), poison queues included. Read only when a metrics
/// exporter collects (nothing is read from storage otherwise), and at most every <see cref="MaxAge"/>: a collection
/// reports the figures last read and starts the next read in the background.
/// </summary>
public sealed partial class QueueDepthGauge(QueueDepths depths, TimeProvider timeProvider, ILogger<QueueDepthGauge> logger) : IHostedService, IDisposable
{
    /// <summary>How old the reported figures may be.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private IReadOnlyList<Measurement<long>> _last = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;
    private Task? _reading;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        AppTelemetry.Meter.CreateObservableGauge("tracktile.queue.depth", Observe, "{message}", "Messages waiting in each of the app's queues and poison queues");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _stopping.Dispose();

    private IEnumerable<Measurement<long>> Observe()
    {
        lock (_lock)
        {
            if (timeProvider.GetUtcNow() - _readAt >= MaxAge && _reading is null or { IsCompleted: true } && !_stopping.IsCancellationRequested)
            {
                _reading = Task.Run(ReadAsync);
            }

            return _last;
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            var read = await depths.ReadAsync(_stopping.Token).ConfigureAwait(false);
            var measurements = new List<Measurement<long>>(read.Count * 2);
            foreach (var queue in read)
            {
                measurements.Add(new(queue.Depth, new KeyValuePair<string, object?>("queue", queue.Name)));
                if (queue.PoisonDepth is { } poison)
                {
                    measurements.Add(new(poison, new KeyValuePair<string, object?>("queue", Processing.FailureLog.PoisonQueueName(queue.Name))));
                }
            }

            lock (_lock)
            {
                _last = measurements;
                _readAt = timeProvider.GetUtcNow();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReadFailed(ex);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not read the queue depths for the metric tracktile.queue.depth")]
    private partial void LogReadFailed(Exception exception);
}
