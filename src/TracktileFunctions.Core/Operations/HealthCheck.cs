using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Processing;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Operations;

/// <summary>
/// <c>GET /api/health</c>, the Function App's health check path: storage reachable (queues, tables, blobs) and every
/// validated setting still valid gives 200; anything else gives 503 naming the failing check, with a fixed-text reason
/// (never a connection string, a key or an exception's text). Each check is bounded in time.
/// </summary>
public sealed partial class HealthCheck(
    QueueServiceClient queues,
    TableServiceClient tables,
    BlobServiceClient blobs,
    IOptions<StorageOptions> storage,
    ILogger<HealthCheck> logger,
    IStartupValidator? settings = null)
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Runs every check at once.</summary>
    public async Task<HttpReply> CheckAsync(CancellationToken cancellationToken)
    {
        var checks = await Task.WhenAll(
            StorageAsync("storage:queues", ct => queues.GetQueueClient(QueueNames.TracktileOrders).GetPropertiesAsync(ct), cancellationToken),
            StorageAsync("storage:tables", ct => FirstRowAsync(tables.GetTableClient(ActivityLog.TableName), ct), cancellationToken),
            StorageAsync("storage:blobs", ct => blobs.GetBlobContainerClient(storage.Value.PayloadContainer).GetPropertiesAsync(cancellationToken: ct), cancellationToken),
            Task.FromResult(Settings())).ConfigureAwait(false);
        var failing = checks.Where(c => !c.Healthy).Select(c => c.Name).ToList();
        var report = new HealthReport(failing.Count == 0 ? "healthy" : "unhealthy", failing, checks);
        return HttpReply.Json(report, failing.Count == 0 ? 200 : 503);
    }

    private async Task<HealthCheckResult> StorageAsync(string name, Func<CancellationToken, Task> probe, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(CheckTimeout);
        try
        {
            await probe(bounded.Token).ConfigureAwait(false);
            return new HealthCheckResult(name, true, null);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return new HealthCheckResult(name, true, null); // the service answered; the queue, table or container comes on first use
        }
        catch (RequestFailedException ex) when (ex.Status is 401 or 403)
        {
            LogFailed(ex, name);
            return new HealthCheckResult(name, false, $"access denied ({ex.Status}): check the app's role assignments");
        }
        catch (Exception ex) when (ex is RequestFailedException or OperationCanceledException or AggregateException or HttpRequestException
                                   && !cancellationToken.IsCancellationRequested)
        {
            LogFailed(ex, name);
            return new HealthCheckResult(name, false, ex is RequestFailedException { Status: > 0 } failed
                ? $"answered {failed.Status}"
                : $"unreachable within {CheckTimeout.TotalSeconds:0} s");
        }
    }

    private static async Task FirstRowAsync(TableClient table, CancellationToken cancellationToken)
    {
        await foreach (var _ in table.QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            break;
        }
    }

    /// <summary>Every setting checked at start (<c>ValidateOnStart</c>), checked again: one that is wrong names its section.</summary>
    private HealthCheckResult Settings()
    {
        try
        {
            settings?.Validate();
            return new HealthCheckResult("settings", true, null);
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
        {
            LogFailed(ex, "settings");
            var types = (ex as AggregateException)?.InnerExceptions.OfType<OptionsValidationException>().Select(e => e.OptionsType.Name)
                        ?? [((OptionsValidationException)ex).OptionsType.Name];
            return new HealthCheckResult("settings", false, "invalid: " + string.Join(", ", types.Distinct(StringComparer.Ordinal)));
        }
    }

    [LoggerMessage(LogLevel.Warning, "Health check {Check} failed")]
    private partial void LogFailed(Exception exception, string check);
}

/// <summary>What <c>GET /api/health</c> answers.</summary>
public sealed record HealthReport(string Status, IReadOnlyList<string> Failing, IReadOnlyList<HealthCheckResult> Checks);

/// <summary>One check: its name, whether it passed, and why not.</summary>
public sealed record HealthCheckResult(string Name, bool Healthy, string? Reason);
