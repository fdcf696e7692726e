using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Sync;

/// <summary>Adapts the product batch's three triggers (timer, HTTP request, queued request) to <see cref="ProductSyncService"/>.</summary>
public sealed partial class ProductSyncRunner(
    ProductSyncService sync,
    SyncStateStore state,
    EventPublisher queues,
    IOptions<ProductSyncOptions> options,
    TimeProvider timeProvider,
    ILogger<ProductSyncRunner> logger)
{
    private const string ScheduleScope = "product-sync";
    private const string ScheduleKey = "schedule";

    /// <summary>
    /// The one-minute tick: runs the batch when an occurrence of <see cref="ProductSyncOptions.Schedule"/> has come
    /// since the last scheduled run (at once on the very first tick, and once after the app was down across
    /// occurrences). Each occurrence is claimed in sync state first, so overlapping ticks run it once.
    /// </summary>
    /// <returns>Whether a run was due (and ran).</returns>
    public async Task<bool> TickAsync(bool isPastDue, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var schedule = options.Value.ParsedSchedule();
        var record = await state.GetAsync(ScheduleScope, ScheduleKey, cancellationToken).ConfigureAwait(false);
        var last = record?.AppliedEventTime;

        // The latest occurrence at or before now; due when none was claimed since.
        var searchFrom = (last ?? now.AddDays(-31)).UtcDateTime;
        var due = schedule.GetNextOccurrences(searchFrom, now.UtcDateTime.AddTicks(1)).Select(o => (DateTime?)o).LastOrDefault();
        if (last is not null && due is null)
        {
            return false;
        }

        var occurrence = due is { } d ? new DateTimeOffset(d, TimeSpan.Zero) : now;
        var claim = record ?? new SyncRecord(ScheduleScope, ScheduleKey);
        claim.AppliedEventTime = occurrence;
        claim.AppliedEventId = "schedule";
        if (!await state.TrySaveAsync(claim, cancellationToken).ConfigureAwait(false))
        {
            return false; // another tick claimed it
        }

        if (isPastDue || (last is not null && schedule.GetNextOccurrence(last.Value.UtcDateTime) < occurrence.UtcDateTime))
        {
            LogPastDue();
        }

        await sync.RunAsync(null, "schedule", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Queues a manual run; answers 202, or 400 for a bad <paramref name="since"/>, or 503 when storage is down.</summary>
    /// <param name="since">A backfill start (ISO 8601), or empty to continue from the watermark.</param>
    /// <param name="full"><c>true</c>: a forced full resync (every product written once, whatever sync state says).</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    public async Task<HttpReply> RequestAsync(string? since, string? full, CancellationToken cancellationToken)
    {
        var forced = false;
        if (!string.IsNullOrWhiteSpace(full) && !bool.TryParse(full, out forced))
        {
            return new HttpReply(400, "'full' must be true or false");
        }

        if (forced && !string.IsNullOrWhiteSpace(since))
        {
            return new HttpReply(400, "a full resync reads every product: give 'full' or 'since', not both");
        }

        DateTimeOffset? from = null;
        if (!string.IsNullOrWhiteSpace(since))
        {
            if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                return new HttpReply(400, "'since' must be an ISO 8601 time, e.g. 2024-01-15T10:30:00Z");
            }

            from = parsed;
        }

        var request = new ProductSyncRequested(from, timeProvider.GetUtcNow(), forced);
        try
        {
            await queues.SendAsync(QueueNames.ProductSyncRequests, BinaryData.FromObjectAsJson(request, JsonSerializerOptions.Web), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogQueueFailed(ex);
            return HttpReply.StorageUnavailable;
        }

        LogRequested(from, forced);
        return new HttpReply(202, forced ? "full product resync queued (every product is written once)"
            : from is null ? "product sync queued (from the watermark)" : $"product sync queued (since {from:O})");
    }

    /// <summary>Runs a queued manual request.</summary>
    public Task RunRequestedAsync(string message, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Deserialize<ProductSyncRequested>(message, JsonSerializerOptions.Web)
            ?? throw new InvalidEventMessageException("empty product sync request");
        return request.Full ? sync.RunFullAsync("full", cancellationToken) : sync.RunAsync(request.Since, "manual", cancellationToken);
    }

    [LoggerMessage(LogLevel.Warning, "The product sync is past due (a scheduled run was missed, e.g. while the app was down); running now")]
    private partial void LogPastDue();

    [LoggerMessage(LogLevel.Information, "Manual product sync queued (since {Since}, full {Full})")]
    private partial void LogRequested(DateTimeOffset? since, bool full);

    [LoggerMessage(LogLevel.Error, "Could not queue a manual product sync; answered 503")]
    private partial void LogQueueFailed(Exception exception);
}

/// <summary>A queued manual product sync.</summary>
/// <param name="Since">The backfill start; null continues from the watermark.</param>
/// <param name="RequestedAt">When it was asked for.</param>
/// <param name="Full">A forced full resync.</param>
public sealed record ProductSyncRequested(DateTimeOffset? Since, DateTimeOffset RequestedAt, bool Full = false);
