using Microsoft.Extensions.Logging;
using TracktileFunctions.Sync;

namespace TracktileFunctions.Operations;

/// <summary>
/// What an operator sees at a glance (<c>GET /api/status</c>): every queue's depth and its poison queue's, each
/// system's last success, recent failures by reason and connection health, the product batch's watermark and runs,
/// and the webhooks accepted and refused by reason over the window.
/// </summary>
public sealed partial class StatusReport(
    QueueDepths depths,
    ActivityLog activity,
    IEnumerable<IConnectionCheck> connections,
    ProductSyncService products,
    OperationsOptions options,
    TimeProvider timeProvider,
    ILogger<StatusReport> logger)
{
    /// <summary>Builds the status (this instance's latest figures are written first, so they are included).</summary>
    public async Task<Status> BuildAsync(CancellationToken cancellationToken)
    {
        await activity.FlushAsync(cancellationToken).ConfigureAwait(false);
        var queues = depths.ReadAsync(cancellationToken);
        var seen = activity.ReadAsync(cancellationToken);
        var health = Task.WhenAll(connections.Select(c => CheckAsync(c, cancellationToken)));
        var watermark = products.GetWatermarkAsync(cancellationToken);
        var runs = products.RecentRunsAsync(options.RecentRuns, cancellationToken);

        var activityBySubject = await seen.ConfigureAwait(false);
        var systems = (await health.ConfigureAwait(false))
            .OrderBy(s => s.Check.System, StringComparer.Ordinal)
            .Select(s =>
            {
                var calls = activityBySubject.GetValueOrDefault(ActivityLog.SystemSubject(s.Check.System));
                return new SystemStatus(s.Check.System, s.Check.Role, calls?.LastSuccessAt, calls?.LastFailureAt, calls?.LastFailure,
                    calls?.Counts ?? new Dictionary<string, long>(), s.Health);
            })
            .ToList();
        var webhooks = activityBySubject
            .Where(a => a.Key.StartsWith(WebhookPrefix, StringComparison.Ordinal))
            .OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => new WebhookStatus(
                a.Key[WebhookPrefix.Length..],
                a.Value.Counts.GetValueOrDefault(ActivityLog.Ok),
                a.Value.Counts.Where(c => c.Key != ActivityLog.Ok).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal),
                a.Value.LastSuccessAt, a.Value.LastFailureAt, a.Value.LastFailure))
            .ToList();

        return new Status(
            timeProvider.GetUtcNow(),
            options.WindowMinutes,
            await queues.ConfigureAwait(false),
            systems,
            new ProductBatchStatus(await watermark.ConfigureAwait(false), await runs.ConfigureAwait(false)),
            webhooks);
    }

    /// <summary>The status as JSON.</summary>
    public async Task<HttpReply> GetAsync(CancellationToken cancellationToken)
        => HttpReply.Json(await BuildAsync(cancellationToken).ConfigureAwait(false));

    private static readonly string WebhookPrefix = ActivityLog.WebhookSubject("");

    private async Task<(IConnectionCheck Check, ConnectionHealth Health)> CheckAsync(IConnectionCheck check, CancellationToken cancellationToken)
    {
        try
        {
            return (check, await check.CheckAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCheckFailed(ex, check.System);
            return (check, new ConnectionHealth(false, ["its state could not be read (see the log)"]));
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not check the connection of {System}")]
    private partial void LogCheckFailed(Exception exception, string system);
}

/// <summary>The status page's data.</summary>
public sealed record Status(
    DateTimeOffset GeneratedAt,
    int WindowMinutes,
    IReadOnlyList<QueueDepth> Queues,
    IReadOnlyList<SystemStatus> Systems,
    ProductBatchStatus ProductBatch,
    IReadOnlyList<WebhookStatus> Webhooks);

/// <summary>One connected system: its calls in the window by outcome, its last success and failure, its connection.</summary>
public sealed record SystemStatus(
    string Name, string Role, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt, string? LastFailure,
    IReadOnlyDictionary<string, long> Recent, ConnectionHealth Connection);

/// <summary>The product batch: its watermark and latest runs.</summary>
public sealed record ProductBatchStatus(DateTimeOffset? Watermark, IReadOnlyList<ProductSyncRun> Runs);

/// <summary>One webhook source's requests in the window: accepted, and refused by reason.</summary>
public sealed record WebhookStatus(
    string Source, long Accepted, IReadOnlyDictionary<string, long> Refused, DateTimeOffset? LastAcceptedAt, DateTimeOffset? LastRefusedAt, string? LastRefusal);
