using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Http;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.Processing;

/// <summary>
/// Runs one dequeued message through a consumer with the guarantees every consumer shares: an unreadable message or
/// a permanent failure goes to the poison queue at once with its reason; a claimed, then finished, event is recorded so
/// duplicates are skipped; a transient failure is recorded and rethrown so the queue retries it (and finally poisons it).
/// </summary>
public sealed partial class QueueEventProcessor(
    EventMessageReader reader,
    ProcessedEventStore ledger,
    FailureLog failures,
    IOptions<ProcessingOptions> options,
    ILogger<QueueEventProcessor> logger)
{
    /// <summary>Processes <paramref name="message"/> from <paramref name="queue"/>.</summary>
    /// <param name="queue">The queue the message came from.</param>
    /// <param name="message">The message text, as the queue trigger decoded it.</param>
    /// <param name="messageId">The queue message's id (the same for every attempt of one message).</param>
    /// <param name="dequeueCount">How many times the queue has handed this message out, this time included.</param>
    /// <param name="consumer">What applies the event.</param>
    /// <param name="cancellationToken">The invocation's cancellation.</param>
    public async Task ProcessAsync(
        string queue, string message, string messageId, long dequeueCount, IEventConsumer consumer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        WebhookEventReceived evt;
        try
        {
            evt = await reader.ReadAsync(message, cancellationToken).ConfigureAwait(false) with { Attempt = dequeueCount };
        }
        catch (Exception ex) when (ex is InvalidEventMessageException or System.Text.Json.JsonException
            || ex is RequestFailedException { Status: 404 })
        {
            LogUnreadable(queue, ex.Message);
            await failures.PoisonAsync(queue, message, null, null, "unreadable message: " + ex.Message, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["EventId"] = evt.EventId, ["EventKind"] = evt.Kind });
        switch (await ledger.TryClaimAsync(consumer.Name, evt.EventId, evt.Kind, messageId, cancellationToken).ConfigureAwait(false))
        {
            case LedgerClaim.AlreadyProcessed:
                LogDuplicate(consumer.Name, evt.Kind, evt.EventId);
                return;
            case LedgerClaim.InProgress:
                LogInFlight(consumer.Name, evt.Kind, evt.EventId);
                return;
        }

        string outcome;
        try
        {
            outcome = await consumer.HandleAsync(evt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PermanentProcessingException || ex is ExternalApiException { IsTransient: false })
        {
            LogPoisoned(consumer.Name, evt.Kind, evt.EventId, ex.Message);
            await ledger.ReleaseAsync(consumer.Name, evt.EventId, CancellationToken.None).ConfigureAwait(false);
            await failures.PoisonAsync(queue, message, evt.EventId, evt.Kind, ex.Message, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (dequeueCount >= options.Value.MaxDequeueCount && !cancellationToken.IsCancellationRequested)
        {
            // The last attempt: poison it here, with the reason, rather than leave it to the host's expiring copy.
            var reason = $"gave up after {dequeueCount} attempts: {ex.GetType().Name}: {ex.Message}";
            LogPoisoned(consumer.Name, evt.Kind, evt.EventId, reason);
            await ledger.ReleaseAsync(consumer.Name, evt.EventId, CancellationToken.None).ConfigureAwait(false);
            await failures.PoisonAsync(queue, message, evt.EventId, evt.Kind, reason, CancellationToken.None, dequeueCount).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            // Transient, or cancelled (host shutdown): give the claim up so the message's next attempt takes it.
            LogRetrying(ex, consumer.Name, evt.Kind, evt.EventId, dequeueCount);
            await ReleaseAndRecordAsync(queue, consumer, evt, dequeueCount, ex).ConfigureAwait(false);
            throw;
        }

        await ledger.CompleteAsync(consumer.Name, evt.EventId, evt.Kind, outcome, cancellationToken).ConfigureAwait(false);
        LogProcessed(consumer.Name, evt.Kind, evt.EventId, outcome);
    }

    private async Task ReleaseAndRecordAsync(string queue, IEventConsumer consumer, WebhookEventReceived evt, long dequeueCount, Exception error)
    {
        try
        {
            await ledger.ReleaseAsync(consumer.Name, evt.EventId, CancellationToken.None).ConfigureAwait(false);
            await failures.RecordAttemptAsync(queue, evt.EventId, evt.Kind, dequeueCount, $"{error.GetType().Name}: {error.Message}", CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException or OperationCanceledException)
        {
            // The original failure is what matters: it is rethrown and the queue retries (a claim left behind expires).
            LogRecordFailed(ex, evt.EventId);
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

    [LoggerMessage(LogLevel.Warning, "{Consumer} failed {EventKind} {EventId} on attempt {DequeueCount}; the queue will retry")]
    private partial void LogRetrying(Exception exception, string consumer, string eventKind, string eventId, long dequeueCount);

    [LoggerMessage(LogLevel.Warning, "Could not record the failure of {EventId}")]
    private partial void LogRecordFailed(Exception exception, string eventId);

    [LoggerMessage(LogLevel.Information, "{Consumer} processed {EventKind} {EventId}: {Outcome}")]
    private partial void LogProcessed(string consumer, string eventKind, string eventId, string outcome);
}
