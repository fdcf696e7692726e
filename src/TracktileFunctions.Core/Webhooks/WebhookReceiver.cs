using Microsoft.Extensions.Logging;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.Webhooks;

/// <summary>
/// Receives one sender's signed webhooks: reads the raw body once with a size cap, verifies the signature, checks the
/// envelope, and acknowledges only once the event is durably in every queue its kind routes to.
/// </summary>
public sealed partial class WebhookReceiver
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private readonly string _source;
    private readonly WebhookSourceOptions _options;
    private readonly WebhookSignatureVerifier? _verifier;
    private readonly EventRouter _router;
    private readonly EventPublisher _publisher;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates the receiver for <paramref name="source"/>.</summary>
    public WebhookReceiver(
        string source,
        WebhookSourceOptions options,
        EventPublisher publisher,
        TimeProvider timeProvider,
        ILogger<WebhookReceiver> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _source = source;
        _options = options;
        _verifier = options.IsEnabled
            ? new WebhookSignatureVerifier(options.Secrets, TimeSpan.FromSeconds(options.ToleranceSeconds), timeProvider)
            : null;
        _router = new EventRouter(options.Routes, options.UnroutedQueue);
        _publisher = publisher;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The header that carries the signature.</summary>
    public string SignatureHeader => _options.SignatureHeader;

    /// <summary>Handles one request.</summary>
    /// <param name="signatureHeader">The signature header's value (several values joined by commas).</param>
    /// <param name="contentLength">The declared length, when known.</param>
    /// <param name="body">The request body, read once.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    public async Task<HttpReply> ReceiveAsync(
        string? signatureHeader, long? contentLength, Stream body, CancellationToken cancellationToken)
    {
        if (_verifier is null)
        {
            LogSourceOff(_source);
            return HttpReply.SourceOff;
        }

        using var raw = await BoundedBody.ReadAsync(body, contentLength, _options.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            LogTooLarge(_source, contentLength, _options.MaxBodyBytes);
            return HttpReply.TooLarge;
        }

        var failure = _verifier.TryVerify(signatureHeader, raw.Span);
        if (failure != WebhookSignatureFailure.None)
        {
            LogRejectedSignature(_source, failure, raw.Length);
            return new HttpReply(401, WebhookSignatureFailures.Describe(failure));
        }

        var json = raw.Memory;
        if (json.Span.StartsWith(Utf8Bom))
        {
            json = json[Utf8Bom.Length..];
        }

        var invalid = EventEnvelope.TryParse(
            json.Span, _options.IdProperty, _options.KindProperty, _options.TimeProperty, out var envelope);
        if (invalid is not null)
        {
            LogRejectedBody(_source, invalid, raw.Length);
            return new HttpReply(400, invalid);
        }

        var route = _router.Resolve(envelope.Kind);
        if (!route.IsRouted)
        {
            LogUnrouted(_source, envelope.Kind, envelope.Id, route.Queues[0]);
        }

        var receivedAt = _timeProvider.GetUtcNow();
        try
        {
            if (await _publisher.PublishAsync(route.Queues, _source, envelope, receivedAt, json, cancellationToken).ConfigureAwait(false))
            {
                LogClaimCheck(_source, envelope.Kind, envelope.Id, json.Length);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogStorageFailed(ex, _source, envelope.Kind, envelope.Id);
            return HttpReply.StorageUnavailable;
        }

        LogAccepted(_source, envelope.Kind, envelope.Id, string.Join(',', route.Queues));
        return HttpReply.Accepted;
    }

    [LoggerMessage(LogLevel.Warning, "Refused {Source} webhook: the source has no secret configured, so it is off (404)")]
    private partial void LogSourceOff(string source);

    [LoggerMessage(LogLevel.Warning, "Refused {Source} webhook: body over {MaxBodyBytes} bytes (declared {ContentLength})")]
    private partial void LogTooLarge(string source, long? contentLength, int maxBodyBytes);

    [LoggerMessage(LogLevel.Warning, "Refused {Source} webhook: {SignatureFailure} ({BodyBytes} bytes)")]
    private partial void LogRejectedSignature(string source, WebhookSignatureFailure signatureFailure, int bodyBytes);

    [LoggerMessage(LogLevel.Warning, "Refused signed {Source} webhook: {Reason} ({BodyBytes} bytes)")]
    private partial void LogRejectedBody(string source, string reason, int bodyBytes);

    [LoggerMessage(LogLevel.Warning, "No route for {Source} kind {EventKind}: event {EventId} kept in {Queue}")]
    private partial void LogUnrouted(string source, string eventKind, string eventId, string queue);

    [LoggerMessage(LogLevel.Information, "Payload of {Source} {EventKind} {EventId} ({PayloadBytes} bytes) stored as a claim check")]
    private partial void LogClaimCheck(string source, string eventKind, string eventId, int payloadBytes);

    [LoggerMessage(LogLevel.Error, "Could not enqueue {Source} {EventKind} {EventId}; answered 503 so the sender retries")]
    private partial void LogStorageFailed(Exception exception, string source, string eventKind, string eventId);

    [LoggerMessage(LogLevel.Information, "Accepted {Source} {EventKind} {EventId} into {Queues}")]
    private partial void LogAccepted(string source, string eventKind, string eventId, string queues);
}
