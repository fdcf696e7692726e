using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;

namespace TracktileFunctions.QuickBooks;

/// <summary>
/// Intuit says webhooks can be missed: every 15 minutes the change data capture feed
/// (<c>cdc?entities=Customer,Invoice&amp;changedSince=</c>) since the last run (less an overlap) is queued, one event per
/// changed object, through the same consumer as the webhooks, which applies each change once however it arrives. The
/// watermark is QuickBooks' own time of the answer (no clock of ours is compared with Intuit's), or, when the answer is
/// cut at 1,000 objects, the newest change in it; it moves only after the whole run is queued.
/// </summary>
public sealed partial class QuickBooksReconciliation(
    QuickBooksClient quickbooks, QuickBooksConnection connection, EventPublisher publisher, SyncStateStore state, IOptions<QuickBooksOptions> options,
    TimeProvider timeProvider, ILogger<QuickBooksReconciliation> logger)
{
    /// <summary>The state scope of the watermark.</summary>
    public const string Scope = "quickbooks-reconcile";

    /// <summary>The entities read from the feed.</summary>
    public static IReadOnlyList<string> Entities { get; } = ["Customer", "Invoice"];

    private const int FeedCap = 1000;
    private const string Capped = "capped";

    /// <summary>Runs once; null when QuickBooks is off or no company is connected.</summary>
    public async Task<int?> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return null;
        }

        string realm;
        try
        {
            realm = await connection.RealmIdAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (QuickBooksConnectionException ex)
        {
            LogNotConnected(ex.Message);
            return null;
        }

        var now = timeProvider.GetUtcNow();
        var record = await state.GetAsync(Scope, realm, cancellationToken).ConfigureAwait(false);
        // After an answer cut at the cap, the next run starts at its newest change (an overlap could hold the same 1,000 again).
        var since = record?.AppliedEventTime is { } last
            ? last - (record.Status == Capped ? TimeSpan.Zero : TimeSpan.FromSeconds(o.ReconcileOverlapSeconds))
            : now - TimeSpan.FromMinutes(o.ReconcileInitialMinutes);
        var oldest = now - TimeSpan.FromDays(30) + TimeSpan.FromMinutes(5); // the feed keeps 30 days
        since = since < oldest ? oldest : since;

        var (changed, time) = await quickbooks.ChangesAsync(Entities, since, cancellationToken).ConfigureAwait(false);
        var queued = 0;
        DateTimeOffset? newest = null;
        var capped = changed.Values.Sum(v => v.Count) >= FeedCap; // the cap is per answer, across entities
        foreach (var (entity, objects) in changed)
        {
            foreach (var item in objects)
            {
                if (QuickBooksClient.Text(item, "Id") is not { } id)
                {
                    continue;
                }

                var updated = item.TryGetProperty("MetaData", out var meta) && meta.TryGetProperty("LastUpdatedTime", out var u) && u.TryGetDateTimeOffset(out var at) ? at : (DateTimeOffset?)null;
                if (updated is { } seen && (newest is null || seen > newest))
                {
                    newest = seen;
                }

                var operation = QuickBooksClient.Text(item, "status") == "Deleted" ? "delete" : "update";
                var kind = QuickBooksWebhook.Kind(entity, operation);
                // One id per version of an object: a later run's overlap finds the same version and it is applied once.
                var change = new QuickBooksWebhook.Change($"cdc:{entity.ToLowerInvariant()}:{id}:{updated?.ToUnixTimeMilliseconds()}", kind, updated, realm, entity, id, operation);
                await publisher.PublishAsync([QueueNames.QuickBooksEvents], QuickBooksWebhook.Source, new EventEnvelope(change.Id, change.Kind, updated), now,
                    JsonSerializer.SerializeToUtf8Bytes(change.Payload()), cancellationToken).ConfigureAwait(false);
                queued++;
            }
        }

        var next = record ?? new SyncRecord(Scope, realm);
        next.AppliedEventTime = capped && newest is { } cut ? cut : time ?? now;
        next.Status = capped ? Capped : null;
        await state.TrySaveAsync(next, cancellationToken).ConfigureAwait(false);
        LogRun(realm, since, queued, capped);
        return queued;
    }

    [LoggerMessage(LogLevel.Information, "QuickBooks reconciliation skipped: {Reason}")]
    private partial void LogNotConnected(string reason);

    [LoggerMessage(LogLevel.Information, "QuickBooks reconciliation of company {RealmId}: {Queued} changes since {Since:O} queued (cut at the feed's cap: {Capped})")]
    private partial void LogRun(string realmId, DateTimeOffset since, int queued, bool capped);
}
