using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Http;
using TracktileFunctions.Messaging;
using TracktileFunctions.Operations;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Processing;

/// <summary>
/// Runs one dequeued message through a consumer with the guarantees every consumer shares. The app owns every failure
/// of the whole path (reading the message and its claim-checked payload, the ledger, the handler, the bookkeeping):
/// <list type="bullet">
/// <item>an unreadable message or a permanent failure goes to the never-expiring poison queue at once, with its reason;</item>
/// <item>a transient failure schedules the next attempt itself, as a copy of the message hidden for a growing delay, so
/// an outage of hours is waited out; after <see cref="ProcessingOptions.MaxAttempts"/> it goes to poison with its reason;</item>
/// <item>an event is claimed in the ledger before any outside call and recorded when done, so duplicates are skipped;
/// each attempt is bounded below the claim's lease, and a claim is only ever released by its holder.</item>
/// </list>
/// Only when the app cannot write at all (storage down) does a failure reach the queue extension, which retries the
/// same message; on its last dequeue the app poisons it itself.
/// </summary>
public sealed partial class QueueEventProcessor(
    EventMessageReader reader,
    ProcessedEventStore ledger,
    FailureLog failures,
    EventPublisher queues,
    IOptions<ProcessingOptions> options,
    ILogger<QueueEventProcessor> logger)
{
    private readonly ProcessingOptions _options = options.Value;

    /// <summary>Processes <paramref name="message"/> from <paramref name="queue"/>.</summary>
    /// <param name="queue">The queue the message came from.</param>
    /// <param name="message">The message text, as the queue trigger decoded it.</param>
    /// <param name="messageId">The queue message's id (the same for every dequeue of one message).</param>
    /// <param name="dequeueCount">How many times the queue has handed this message out, this time included.</param>
    /// <param name="consumer">What applies the event.</param>
    /// <param name="cancellationToken">The invocation's cancellation (host shutdown).</param>
    public async Task ProcessAsync(
        string queue, string message, string messageId, long dequeueCount, IEventConsumer consumer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        if (await Attempts.DecodeOrPoisonAsync(failures, queue, message, reason => LogUnreadable(queue, reason)).ConfigureAwait(false) is not { } decoded)
        {
            return;
        }

        var attempt = decoded.PriorAttempts + (int)Math.Min(dequeueCount, int.MaxValue - decoded.PriorAttempts);
        var owner = decoded.FirstMessageId ?? messageId; // a delayed retry is a new message; the claim stays the first one's
        using var activity = EventTracing.StartProcessing(queue, decoded, attempt, consumer.Name); // continues the trace the message carries
        using var scope = logger.BeginScope(EventTracing.Scope(decoded.EventId, decoded.Kind));
        ETag claim = default;
        try
        {
            (var state, claim) = await ledger.TryClaimAsync(consumer.Name, decoded.EventId, decoded.Kind, owner, cancellationToken, attempt).ConfigureAwait(false);
            switch (state)
            {
                case LedgerClaim.AlreadyProcessed:
                    LogDuplicate(consumer.Name, decoded.Kind, decoded.EventId);
                    EventTracing.End(activity, "duplicate");
                    await ForgetPayloadAsync(decoded).ConfigureAwait(false);
                    return;
                case LedgerClaim.InProgress:
                    LogInFlight(consumer.Name, decoded.Kind, decoded.EventId);
                    EventTracing.End(activity, "in-flight");
                    return;
            }

            var evt = await Attempts.LoadAsync(reader, decoded, cancellationToken).ConfigureAwait(false) with { Attempt = attempt };
            var outcome = await Attempts.RunBoundedAsync(_options, ct => consumer.HandleAsync(evt, ct), cancellationToken).ConfigureAwait(false);
            await ledger.CompleteAsync(consumer.Name, decoded.EventId, decoded.Kind, outcome, cancellationToken).ConfigureAwait(false);
            LogProcessed(consumer.Name, decoded.Kind, decoded.EventId, outcome);
            EventTracing.End(activity, "processed");
            await ForgetPayloadAsync(decoded).ConfigureAwait(false);
        }
        catch (Exception ex) when (Attempts.IsPermanent(ex))
        {
            LogPoisoned(consumer.Name, decoded.Kind, decoded.EventId, ex.Message);
            EventTracing.End(activity, "poisoned", ex.Message);
            await ReleaseAsync(consumer, decoded, claim).ConfigureAwait(false);
            await PoisonAsync(queue, decoded, ex.Message, attempt).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            EventTracing.End(activity, "failed", $"{ex.GetType().Name}: {ex.Message}"); // retried later, or poisoned after the last attempt
            await ReleaseAsync(consumer, decoded, claim).ConfigureAwait(false);
            await RetryLaterAsync(queue, consumer, decoded, owner, attempt, dequeueCount, ex).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Host shutdown: give the claim up; the queue hands this same message out again.
            await ReleaseAsync(consumer, decoded, claim).ConfigureAwait(false);
            throw;
        }
    }


    private async Task RetryLaterAsync(
        string queue, IEventConsumer consumer, DecodedEventMessage decoded, string owner, int attempt, long dequeueCount, Exception error)
    {
        var reason = $"{error.GetType().Name}: {error.Message}";
        if (attempt >= _options.MaxAttempts)
        {
            var final = $"gave up after {attempt} attempts: {reason}";
            LogPoisoned(consumer.Name, decoded.Kind, decoded.EventId, final);
            await PoisonAsync(queue, decoded, final, attempt).ConfigureAwait(false);
            return;
        }

        var delay = Attempts.NextDelay(_options, attempt);
        try
        {
            await failures.RecordAttemptAsync(queue, decoded.EventId, decoded.Kind, attempt, reason, CancellationToken.None).ConfigureAwait(false);
            var retry = BinaryData.FromBytes(EventMessageCodec.Reencode(decoded, attempt, owner));
            await queues.SendAsync(queue, retry, CancellationToken.None, delay).ConfigureAwait(false);
        }
        catch (Exception scheduling) when (StorageFailure.Is(scheduling))
        {
            LogRetryNotScheduled(scheduling, consumer.Name, decoded.Kind, decoded.EventId, attempt);
            if (dequeueCount >= _options.MaxDequeueCount)
            {
                // The queue will not hand this message out again: the app's own poison copy, if storage lets it.
                await PoisonAsync(queue, decoded, $"gave up after {attempt} attempts: {reason}", attempt).ConfigureAwait(false);
                return;
            }

            ExceptionDispatchInfo.Throw(error); // the queue retries this same message
        }

        LogRetryScheduled(error, consumer.Name, decoded.Kind, decoded.EventId, attempt, (long)delay.TotalSeconds);
    }

    /// <summary>The poison copy starts its attempts afresh, so a replay gets the full number again.</summary>
    private Task PoisonAsync(string queue, DecodedEventMessage decoded, string reason, int attempt)
        => failures.PoisonAsync(
            queue, Encoding.UTF8.GetString(EventMessageCodec.Reencode(decoded, 0, null).Span), decoded.EventId, decoded.Kind, reason,
            CancellationToken.None, attempt);

    private async Task ReleaseAsync(IEventConsumer consumer, DecodedEventMessage decoded, ETag claim)
    {
        if (claim == default)
        {
            return;
        }

        try
        {
            await ledger.ReleaseAsync(consumer.Name, decoded.EventId, claim, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailure.Is(ex))
        {
            // A claim left behind is taken over by this event's own retry, or expires.
            LogRecordFailed(ex, decoded.EventId);
        }
    }

    private async Task ForgetPayloadAsync(DecodedEventMessage decoded)
    {
        try
        {
            await reader.ForgetPayloadAsync(decoded, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailure.Is(ex))
        {
            LogRecordFailed(ex, decoded.EventId); // an orphaned payload blob costs storage, nothing else
        }
    }

    [LoggerMessage(LogLevel.Error, "Unreadable message on {Queue} moved to poison: {Reason}")]
    private partial void LogUnreadable(string queue, string reason);

    [LoggerMessage(LogLevel.Information, "{Consumer} skipped duplicate {EventKind} {EventId}")]
    private partial void LogDuplicate(string consumer, string eventKind, string eventId);

    [LoggerMessage(LogLevel.Information, "{Consumer} skipped {EventKind} {EventId}: another delivery of it is being processed")]
    private partial void LogInFlight(string consumer, string eventKind, string eventId);

    [LoggerMessage(LogLevel.Error, "{Consumer} moved {EventKind} {EventId} to poison: {Reason}")]
    private partial void LogPoisoned(string consumer, string eventKind, string eventId, string reason);

    [LoggerMessage(LogLevel.Warning, "{Consumer} failed {EventKind} {EventId} on attempt {Attempt}; next attempt in {DelaySeconds} s")]
    private partial void LogRetryScheduled(Exception exception, string consumer, string eventKind, string eventId, int attempt, long delaySeconds);

    [LoggerMessage(LogLevel.Warning, "{Consumer} could not schedule the retry of {EventKind} {EventId} after attempt {Attempt}; the queue retries it")]
    private partial void LogRetryNotScheduled(Exception exception, string consumer, string eventKind, string eventId, int attempt);

    [LoggerMessage(LogLevel.Warning, "Could not update the bookkeeping of {EventId}")]
    private partial void LogRecordFailed(Exception exception, string eventId);

    [LoggerMessage(LogLevel.Information, "{Consumer} processed {EventKind} {EventId}: {Outcome}")]
    private partial void LogProcessed(string consumer, string eventKind, string eventId, string outcome);
}
