using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Processing;

namespace TracktileFunctions.BusinessCentral;

/// <summary>
/// Business Central gives up on a notification after 36 hours, and a subscription can lapse: every
/// <c>ReconcileEveryMinutes</c>, the customers changed since the last run (<c>lastModifiedDateTime gt</c> the newest
/// change seen, less an overlap) are queued as changes, through the same consumer as notifications, so nothing changed
/// in Business Central is missed for good. The first run only sets the starting point.
/// </summary>
public sealed partial class BusinessCentralReconciliation(
    BusinessCentralCustomerConsumer customers, SyncStateStore state, IOptions<BusinessCentralOptions> options, TimeProvider timeProvider,
    ILogger<BusinessCentralReconciliation> logger)
{
    private const string Scope = "businesscentral-reconcile";
    private const string Key = "customers";

    /// <summary>Runs when due (or when <paramref name="force"/>d).</summary>
    /// <returns>How many changes were queued; null when the run was not due.</returns>
    public async Task<int?> TickAsync(bool force, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        var record = await state.GetAsync(Scope, Key, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            await state.TrySaveAsync(new SyncRecord(Scope, Key) { AppliedEventTime = now, Status = now.ToString("O", CultureInfo.InvariantCulture) }, cancellationToken).ConfigureAwait(false);
            LogStarted(now);
            return 0;
        }

        var lastRun = DateTimeOffset.TryParse(record.Status, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var run) ? run : DateTimeOffset.MinValue;
        if (!force && now - lastRun < TimeSpan.FromMinutes(o.Webhook.ReconcileEveryMinutes))
        {
            return null;
        }

        // Claim the run first (an overlapping tick sees it taken), then read from the newest change seen, less the overlap.
        record.Status = now.ToString("O", CultureInfo.InvariantCulture);
        if (!await state.TrySaveAsync(record, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var since = (record.AppliedEventTime ?? now) - TimeSpan.FromMinutes(o.Webhook.ReconcileOverlapMinutes);
        var filter = $"lastModifiedDateTime gt {since.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)}";
        var (count, newest) = await customers.QueueChangedAsync(filter, cancellationToken).ConfigureAwait(false);
        if (newest is { } seen && seen > record.AppliedEventTime)
        {
            var saved = await state.GetAsync(Scope, Key, cancellationToken).ConfigureAwait(false) ?? record;
            saved.AppliedEventTime = seen;
            await state.TrySaveAsync(saved, cancellationToken).ConfigureAwait(false);
        }

        LogReconciled(count, since);
        return count;
    }

    [LoggerMessage(LogLevel.Information, "Business Central reconciliation starts from {Now:O}")]
    private partial void LogStarted(DateTimeOffset now);

    [LoggerMessage(LogLevel.Information, "Business Central reconciliation queued {Count} customer changes since {Since:O}")]
    private partial void LogReconciled(int count, DateTimeOffset since);
}
