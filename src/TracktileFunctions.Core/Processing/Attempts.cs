using Azure;
using TracktileFunctions.Http;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.Processing;

/// <summary>The rules every queue processor shares for one attempt: what is permanent, how long it may run, when the next one comes.</summary>
public static class Attempts
{
    /// <summary>A failure that no retry can mend: it goes to poison at once.</summary>
    public static bool IsPermanent(Exception error)
        => error is PermanentProcessingException || error is ExternalApiException { IsTransient: false };

    /// <summary>Runs <paramref name="attempt"/>, cancelled once it has taken <see cref="ProcessingOptions.HandlerTimeoutSeconds"/>.</summary>
    /// <exception cref="TimeoutException">The attempt was stopped (a transient failure).</exception>
    public static async Task<T> RunBoundedAsync<T>(ProcessingOptions options, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(attempt);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(options.HandlerTimeoutSeconds));
        try
        {
            return await attempt(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (bounded.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the attempt was stopped after {options.HandlerTimeoutSeconds} s (Processing:HandlerTimeoutSeconds)", ex);
        }
    }

    /// <summary>
    /// The delay before the attempt after <paramref name="attempt"/>: <see cref="ProcessingOptions.RetryDelay"/> with
    /// ±20 % jitter, in the whole seconds a queue message's visibility is counted in (at least one).
    /// </summary>
    public static TimeSpan NextDelay(ProcessingOptions options, int attempt)
    {
        ArgumentNullException.ThrowIfNull(options);
        var delay = options.RetryDelay(attempt);
        return delay <= TimeSpan.Zero
            ? TimeSpan.Zero
            : TimeSpan.FromSeconds(Math.Max(1, Math.Round(delay.TotalSeconds * (0.8 + (Random.Shared.NextDouble() * 0.4)), MidpointRounding.AwayFromZero)));
    }

    /// <summary>Decodes a dequeued message; one that is not an event record goes to poison at once with its reason (null).</summary>
    /// <param name="failures">Where it goes.</param>
    /// <param name="queue">The queue it came from.</param>
    /// <param name="message">Its text.</param>
    /// <param name="logUnreadable">Logs the reason.</param>
    public static async Task<DecodedEventMessage?> DecodeOrPoisonAsync(FailureLog failures, string queue, string message, Action<string> logUnreadable)
    {
        ArgumentNullException.ThrowIfNull(failures);
        ArgumentNullException.ThrowIfNull(logUnreadable);
        try
        {
            return EventMessageCodec.Decode(message);
        }
        catch (InvalidEventMessageException ex)
        {
            logUnreadable(ex.Message);
            await failures.PoisonAsync(queue, message, null, null, "unreadable message: " + ex.Message, CancellationToken.None).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>The event of a decoded message; a claim-checked payload that is gone or not JSON is a permanent failure.</summary>
    public static async Task<WebhookEventReceived> LoadAsync(EventMessageReader reader, DecodedEventMessage decoded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(decoded);
        try
        {
            return await reader.LoadAsync(decoded, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new PermanentProcessingException($"unreadable message: its claim-checked payload {decoded.PayloadBlob} is gone", ex);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new PermanentProcessingException($"unreadable message: its claim-checked payload is not JSON ({ex.Message})", ex);
        }
    }
}
