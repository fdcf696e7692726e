using Microsoft.Extensions.Logging;
using TracktileFunctions.Messaging;
using TracktileFunctions.Operations;

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
    private readonly IWebhookSecretSource? _stored;
    private readonly ActivityLog _activityLog;

    /// <summary>Creates the receiver for <paramref name="source"/>.</summary>
    /// <param name="source">The sender's name.</param>
    /// <param name="options">Its settings (the configured secrets, routes, limits).</param>
    /// <param name="publisher">Where accepted events go.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="logger">The log.</param>
    /// <param name="activityLog">Where each answer's outcome is counted, for the status page.</param>
    /// <param name="stored">Secrets the app stored itself (registrations it made or rotated), accepted besides the configured ones.</param>
    public WebhookReceiver(
        string source,
        WebhookSourceOptions options,
        EventPublisher publisher,
        TimeProvider timeProvider,
        ILogger<WebhookReceiver> logger,
        ActivityLog activityLog,
        IWebhookSecretSource? stored = null)
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
        _stored = stored;
        _activityLog = activityLog;
    }

    /// <summary>The header that carries the signature.</summary>
    public string SignatureHeader => _options.SignatureHeader;

    /// <summary>Handles one request.</summary>
    /// <param name="signatureHeader">The signature header's value (several values joined by commas).</param>
    /// <param name="contentLength">The declared length, when known.</param>
    /// <param name="body">The request body, read once.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    public Task<HttpReply> ReceiveAsync(string? signatureHeader, long? contentLength, Stream body, CancellationToken cancellationToken)
        => WebhookOutcomes.ReceiveAsync(_source, _activityLog, () => ReceiveCoreAsync(signatureHeader, contentLength, body, cancellationToken), cancellationToken);

    private async Task<HttpReply> ReceiveCoreAsync(
        string? signatureHeader, long? contentLength, Stream body, CancellationToken cancellationToken)
    {
        if (_verifier is null && _stored is null)
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

        var failure = _verifier?.TryVerify(signatureHeader, raw.Memory.Span) ?? WebhookSignatureFailure.NoMatchingSignature;
        StoredWebhookSecrets? stored = null;
        if (failure == WebhookSignatureFailure.NoMatchingSignature && _stored is not null)
        {
            try
            {
                (failure, stored) = await VerifyStoredAsync(signatureHeader, raw.Memory, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogSecretsUnavailable(ex, _source);
                return HttpReply.StorageUnavailable; // cannot tell: the sender retries, nothing is lost
            }

            if (_verifier is null && stored.All.Count == 0)
            {
                LogSourceOff(_source);
                return HttpReply.SourceOff;
            }
        }

        if (failure != WebhookSignatureFailure.None)
        {
            if (stored is not null)
            {
                // Unverified, for the log only: the kind the body claims, and the registrations of that kind.
                var claimed = ClaimedKind(raw.Span);
                LogRejectedRegistration(_source, failure, raw.Length, claimed ?? "?", string.Join(',', stored.RegistrationsOf(claimed)) is { Length: > 0 } ids ? ids : "none");
            }
            else
            {
                LogRejectedSignature(_source, failure, raw.Length);
            }

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

        EventTracing.TagEvent(envelope.Id, envelope.Kind);
        using var scope = _logger.BeginScope(EventTracing.Scope(envelope.Id, envelope.Kind));
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

    /// <summary>
    /// Checks the stored secrets: the cached ones, then, when none matches, the store read again (at most once per
    /// refresh interval, so a burst of bad signatures costs one read), and once more while a setup or rotation is running:
    /// a secret being stored by another instance at this moment is found by the second read.
    /// </summary>
    private async Task<(WebhookSignatureFailure Failure, StoredWebhookSecrets Stored)> VerifyStoredAsync(
        string? signatureHeader, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var tolerance = TimeSpan.FromSeconds(_options.ToleranceSeconds);
        var current = await _stored!.GetAsync(refresh: false, cancellationToken).ConfigureAwait(false);
        var failure = current.Verifier(tolerance, _timeProvider)?.TryVerify(signatureHeader, body.Span) ?? WebhookSignatureFailure.NoMatchingSignature;
        // One more read of the store; a second only while a setup or rotation is running (a secret may be landing now).
        for (var round = 0; failure == WebhookSignatureFailure.NoMatchingSignature && (round == 0 || (round == 1 && current.SetupRunning)); round++)
        {
            var fresher = await _stored.GetAsync(refresh: true, cancellationToken).ConfigureAwait(false);
            if (!ReferenceEquals(fresher, current))
            {
                current = fresher;
                failure = current.Verifier(tolerance, _timeProvider)?.TryVerify(signatureHeader, body.Span) ?? WebhookSignatureFailure.NoMatchingSignature;
            }
        }

        return (failure, current);
    }

    private string? ClaimedKind(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(body, new System.Text.Json.JsonReaderOptions { MaxDepth = 4 });
            using var document = System.Text.Json.JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                   && document.RootElement.TryGetProperty(_options.KindProperty, out var kind) && kind.ValueKind == System.Text.Json.JsonValueKind.String
                   && kind.GetString() is { Length: <= EventEnvelope.MaxFieldLength } text
                ? text
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Refused {Source} webhook: {SignatureFailure} ({BodyBytes} bytes); it claims kind {ClaimedKind}, whose registrations here are {Registrations}")]
    private partial void LogRejectedRegistration(string source, WebhookSignatureFailure signatureFailure, int bodyBytes, string claimedKind, string registrations);

    [LoggerMessage(LogLevel.Error, "Could not read the stored {Source} webhook secrets; answered 503 so the sender retries")]
    private partial void LogSecretsUnavailable(Exception exception, string source);

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
