using Azure;
using Azure.Data.Tables;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Processing;

/// <summary>
/// The de-duplication ledger in Table storage (durable, no expiry): one row per consumer and event. A delivery first
/// claims the event; only the claimant calls the target system, so N deliveries of one event, whether far apart or
/// at the same moment, have one effect. A claim whose holder died expires after <see cref="Lease"/>.
/// </summary>
public sealed class ProcessedEventStore(LazyTable table, TimeProvider timeProvider)
{
    /// <summary>The table's name.</summary>
    public const string TableName = "processedevents";

    /// <summary>
    /// How long a claim holds without being completed (shorter than the queue's 10-minute message lease). The processor
    /// bounds every handler below it (<see cref="ProcessingOptions.HandlerTimeoutSeconds"/>), so a live holder never
    /// outlasts its claim and a duplicate never claims an event that is still being applied.
    /// </summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private const string Processing = "processing";
    private const string Done = "done";

    /// <summary>
    /// Claims <paramref name="eventId"/> for <paramref name="consumer"/> on behalf of the queue message
    /// <paramref name="messageId"/> on its attempt <paramref name="attempt"/>. A claim left by a strictly earlier
    /// attempt of the same message (a crash, a cancellation, a delayed retry) is taken over at once; two live copies of
    /// the same attempt (a retry sent twice) cannot both hold it.
    /// </summary>
    /// <returns>What the ledger held, and (when claimed) the claim's version, which only its holder can release.</returns>
    public async Task<(LedgerClaim State, ETag Claim)> TryClaimAsync(
        string consumer, string eventId, string kind, string messageId, CancellationToken cancellationToken, long attempt = 1)
    {
        var now = timeProvider.GetUtcNow();
        var claimId = Guid.NewGuid().ToString("N"); // this call's own mark: a row carrying it is this claim, whatever answer got lost
        var claim = new TableEntity(consumer, TableKeys.Escape(eventId))
        {
            ["EventId"] = eventId,
            ["Kind"] = kind,
            ["State"] = Processing,
            ["ClaimedUntil"] = now + Lease,
            ["MessageId"] = messageId,
            ["Attempt"] = attempt,
            ["ClaimId"] = claimId,
        };

        try
        {
            var added = await table.RunAsync(t => t.AddEntityAsync(claim, cancellationToken), cancellationToken).ConfigureAwait(false);
            return (LedgerClaim.Claimed, added.Headers.ETag ?? ETag.All);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Someone has (or had) it, or our own insert did and its answer was lost (the client retried it): look.
        }

        var row = await ReadAsync(consumer, eventId, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return (LedgerClaim.InProgress, default); // released between our insert and read: its holder's message is retried
        }

        if (row.GetString("ClaimId") == claimId)
        {
            return (LedgerClaim.Claimed, row.ETag);
        }

        if (row.GetString("State") == Done)
        {
            return (LedgerClaim.AlreadyProcessed, default);
        }

        var ownEarlierAttempt = row.GetString("MessageId") == messageId && attempt > (row.GetInt64("Attempt") ?? 0);
        if (!ownEarlierAttempt && row.GetDateTimeOffset("ClaimedUntil") is { } until && until > now)
        {
            return (LedgerClaim.InProgress, default);
        }

        try
        {
            var updated = await table.RunAsync(t => t.UpdateEntityAsync(claim, row.ETag, TableUpdateMode.Replace, cancellationToken), cancellationToken).ConfigureAwait(false);
            return (LedgerClaim.Claimed, updated.Headers.ETag ?? ETag.All); // an earlier attempt of this message, or a holder whose lease ran out
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Someone else took it first, or our own update did and its answer was lost.
            return (await ReadAsync(consumer, eventId, cancellationToken).ConfigureAwait(false)) is { } current && current.GetString("ClaimId") == claimId
                ? (LedgerClaim.Claimed, current.ETag)
                : (LedgerClaim.InProgress, default);
        }
    }

    private async Task<TableEntity?> ReadAsync(string consumer, string eventId, CancellationToken cancellationToken)
    {
        var existing = await table.RunAsync(
            t => t.GetEntityIfExistsAsync<TableEntity>(consumer, TableKeys.Escape(eventId), cancellationToken: cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return existing.HasValue ? existing.Value : null;
    }

    /// <summary>Records that <paramref name="consumer"/> finished <paramref name="eventId"/>, and how.</summary>
    public Task CompleteAsync(string consumer, string eventId, string kind, string outcome, CancellationToken cancellationToken)
        => table.RunAsync(
            t => t.UpsertEntityAsync(
                new TableEntity(consumer, TableKeys.Escape(eventId))
                {
                    ["EventId"] = eventId,
                    ["Kind"] = kind,
                    ["State"] = Done,
                    ["Outcome"] = outcome,
                    ["ProcessedAt"] = timeProvider.GetUtcNow(),
                },
                TableUpdateMode.Replace,
                cancellationToken),
            cancellationToken);

    /// <summary>
    /// Gives a claim up after a failure, so the retry (or a replay from poison) can claim it again. Only the claim
    /// <paramref name="claim"/> names is removed: a claim someone else has taken since is left alone.
    /// </summary>
    public async Task ReleaseAsync(string consumer, string eventId, ETag claim, CancellationToken cancellationToken)
    {
        try
        {
            await table.Client.DeleteEntityAsync(consumer, TableKeys.Escape(eventId), claim, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Already gone, or no longer ours.
        }
    }
}

/// <summary>What a claim on the ledger found.</summary>
public enum LedgerClaim
{
    /// <summary>This delivery owns the event: process it.</summary>
    Claimed,

    /// <summary>The event was processed before: skip it.</summary>
    AlreadyProcessed,

    /// <summary>
    /// Another message (a duplicate delivery) is processing it right now; if that one fails, its own message is
    /// retried and claims it again, so this copy can be let go.
    /// </summary>
    InProgress,
}
