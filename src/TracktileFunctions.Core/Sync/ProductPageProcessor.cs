using System.Runtime.ExceptionServices;
using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Sync;

/// <summary>
/// Runs one dequeued page of the product batch through a target, with the guarantees of <see cref="QueueEventProcessor"/>
/// but per product: the page is applied in one invocation; a product that failed for good goes to poison on its own,
/// under its own event id and with its reason; the products that failed for now are handed off again, after a growing
/// delay, as two smaller pages (down to one product), so one bad product never holds back or poisons the rest. After
/// <see cref="ProcessingOptions.MaxAttempts"/> a product goes to poison. No ledger: writing a product is idempotent,
/// and the target's version guard keeps an older version from overwriting a newer one.
/// </summary>
public sealed partial class ProductPageProcessor(
    EventMessageReader reader,
    FailureLog failures,
    EventPublisher queues,
    IOptions<ProcessingOptions> options,
    ILogger<ProductPageProcessor> logger)
{
    private readonly ProcessingOptions _options = options.Value;

    /// <summary>Processes <paramref name="message"/> from <paramref name="queue"/>.</summary>
    /// <param name="queue">The queue the message came from.</param>
    /// <param name="message">The message text, as the queue trigger decoded it.</param>
    /// <param name="dequeueCount">How many times the queue has handed this message out, this time included.</param>
    /// <param name="target">What applies the products.</param>
    /// <param name="cancellationToken">The invocation's cancellation (host shutdown).</param>
    public async Task ProcessAsync(string queue, string message, long dequeueCount, IProductPageTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (await Attempts.DecodeOrPoisonAsync(failures, queue, message, reason => LogUnreadable(queue, reason)).ConfigureAwait(false) is not { } decoded)
        {
            return;
        }

        var attempt = decoded.PriorAttempts + (int)Math.Min(dequeueCount, int.MaxValue - decoded.PriorAttempts);
        using var activity = EventTracing.StartProcessing(queue, decoded, attempt, target.Name); // continues the trace the message carries
        using var scope = logger.BeginScope(EventTracing.Scope(decoded.EventId, decoded.Kind));
        // What the pages handed off again carry: this span's context, or the message's own when nobody listens.
        var trace = MessageTraceContext.From(activity) ?? decoded.Trace;
        ProductPage page;
        try
        {
            page = ProductPage.Read(await Attempts.LoadAsync(reader, decoded, cancellationToken).ConfigureAwait(false));
        }
        catch (PermanentProcessingException ex)
        {
            LogPoisoned(target.Name, decoded.EventId, ex.Message);
            EventTracing.End(activity, "poisoned", ex.Message);
            await failures.PoisonAsync(queue, message, decoded.EventId, decoded.Kind, ex.Message, CancellationToken.None, attempt).ConfigureAwait(false);
            return;
        }

        IReadOnlyList<ProductOutcome> outcomes;
        try
        {
            outcomes = await Attempts.RunBoundedAsync(_options, ct => target.ApplyAsync(page, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            outcomes = [.. page.Products.Select(_ => ProductOutcome.Failed(ex))]; // nothing was applied (e.g. sync state unreadable)
        }

        var retry = new List<(PageProduct Product, Exception Error)>();
        var poisoned = 0;
        try
        {
            for (var i = 0; i < page.Products.Count; i++)
            {
                if (outcomes[i].Error is not { } error)
                {
                    continue;
                }

                if (Attempts.IsPermanent(error) || attempt >= _options.MaxAttempts)
                {
                    var reason = Attempts.IsPermanent(error) ? error.Message : $"gave up after {attempt} attempts: {Reason(error)}";
                    LogProductPoisoned(target.Name, page.Products[i].EventId, reason);
                    await PoisonProductAsync(queue, decoded, page, page.Products[i], reason, attempt).ConfigureAwait(false);
                    poisoned++;
                }
                else
                {
                    retry.Add((page.Products[i], error));
                }
            }

            if (retry.Count > 0)
            {
                await RetryLaterAsync(queue, decoded, page, retry, attempt, trace).ConfigureAwait(false);
            }
        }
        catch (Exception scheduling) when (StorageFailure.Is(scheduling))
        {
            LogRetryNotScheduled(scheduling, target.Name, decoded.EventId, attempt);
            if (dequeueCount >= _options.MaxDequeueCount)
            {
                // The queue will not hand this message out again: the whole page's own poison copy, if storage lets it.
                await failures.PoisonAsync(queue, message, decoded.EventId, decoded.Kind, $"gave up after {attempt} attempts: {Reason(scheduling)}", CancellationToken.None, attempt)
                    .ConfigureAwait(false);
                return;
            }

            ExceptionDispatchInfo.Throw(scheduling); // the queue hands this same page out again; its products are written again, harmlessly
        }

        LogApplied(target.Name, decoded.EventId, page.Products.Count, page.Products.Count - retry.Count - poisoned, retry.Count, poisoned, attempt);
        EventTracing.End(activity, retry.Count + poisoned == 0 ? "processed" : "partly-failed",
            retry.Count + poisoned == 0 ? null : $"{retry.Count} to retry, {poisoned} poisoned of {page.Products.Count}");
        await ForgetPayloadAsync(decoded).ConfigureAwait(false);
    }


    /// <summary>A poisoned product is a page of its own under its own event id: listed, and replayed, by it.</summary>
    private Task PoisonProductAsync(string queue, DecodedEventMessage decoded, ProductPage page, PageProduct product, string reason, int attempt)
        => failures.PoisonEventAsync(
            queue, decoded.Source, new EventEnvelope(product.EventId, ProductPage.Kind, decoded.EventTime), decoded.ReceivedAt,
            ProductPage.Encode([product], page.Full), reason, attempt, CancellationToken.None);

    /// <summary>The products that failed for now, as two halves (one page when only one failed), hidden for the next delay.</summary>
    private async Task RetryLaterAsync(
        string queue, DecodedEventMessage decoded, ProductPage page, List<(PageProduct Product, Exception Error)> retry, int attempt, MessageTraceContext? trace)
    {
        var delay = Attempts.NextDelay(_options, attempt);
        var reason = Reason(retry[0].Error);
        await failures.RecordAttemptAsync(queue, page.Id, ProductPage.Kind, attempt, $"{retry.Count} of {page.Products.Count} product(s) failed, first: {reason}", CancellationToken.None)
            .ConfigureAwait(false);
        var half = (retry.Count + 1) / 2;
        List<(PageProduct Product, Exception Error)>[] parts = retry.Count == 1 ? [retry] : [retry.GetRange(0, half), retry.GetRange(half, retry.Count - half)];
        for (var part = 0; part < parts.Length; part++)
        {
            var id = parts.Length == 1 ? $"{page.Id}.r" : $"{page.Id}.{part + 1}";
            await queues.PublishAsync(
                [queue], decoded.Source, new EventEnvelope(id, ProductPage.Kind, decoded.EventTime), decoded.ReceivedAt,
                ProductPage.Encode(parts[part].Select(p => p.Product), page.Full), CancellationToken.None, priorAttempts: attempt, visibleAfter: delay, trace: trace)
                .ConfigureAwait(false);
        }

        LogRetryScheduled(retry[0].Error, retry.Count, page.Id, attempt, (long)delay.TotalSeconds, reason);
    }

    private async Task ForgetPayloadAsync(DecodedEventMessage decoded)
    {
        try
        {
            await reader.ForgetPayloadAsync(decoded, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailure.Is(ex))
        {
            LogForgetFailed(ex, decoded.EventId); // an orphaned payload blob costs storage, nothing else
        }
    }

    private static string Reason(Exception error) => $"{error.GetType().Name}: {error.Message}";

    [LoggerMessage(LogLevel.Error, "Unreadable message on {Queue} moved to poison: {Reason}")]
    private partial void LogUnreadable(string queue, string reason);

    [LoggerMessage(LogLevel.Error, "{Target} moved product page {EventId} to poison: {Reason}")]
    private partial void LogPoisoned(string target, string eventId, string reason);

    [LoggerMessage(LogLevel.Error, "{Target} moved product {ProductEventId} to poison: {Reason}")]
    private partial void LogProductPoisoned(string target, string productEventId, string reason);

    [LoggerMessage(LogLevel.Warning, "{Count} product(s) of page {EventId} failed on attempt {Attempt}; handed off again in {DelaySeconds} s ({Reason})")]
    private partial void LogRetryScheduled(Exception exception, int count, string eventId, int attempt, long delaySeconds, string reason);

    [LoggerMessage(LogLevel.Warning, "{Target} could not hand off the failed products of page {EventId} after attempt {Attempt}; the queue retries the page")]
    private partial void LogRetryNotScheduled(Exception exception, string target, string eventId, int attempt);

    [LoggerMessage(LogLevel.Information, "{Target} applied product page {EventId}: {Count} product(s), {Applied} applied, {Retried} to retry, {Poisoned} poisoned (attempt {Attempt})")]
    private partial void LogApplied(string target, string eventId, int count, int applied, int retried, int poisoned, int attempt);

    [LoggerMessage(LogLevel.Warning, "Could not delete the claim-checked payload of {EventId}")]
    private partial void LogForgetFailed(Exception exception, string eventId);
}
