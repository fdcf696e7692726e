using System.Diagnostics;
using System.Globalization;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace TracktileFunctions.Operations;

/// <summary>
/// Records every logical call to an outside system, once: the counter <see cref="AppTelemetry.OutboundCalls"/> and the
/// histogram <see cref="AppTelemetry.OutboundDuration"/> (tags <c>system</c>, <c>operation</c>, <c>outcome</c>), and
/// the status page's <see cref="ActivityLog"/> (subject <c>system:&lt;system&gt;</c>). It is the outermost handler of
/// every HttpClient (<see cref="TelemetryServiceCollectionExtensions.AddTracktileTelemetry"/>), outside the resilience
/// pipeline: retries inside it are one call, with the outcome of the last attempt.
/// </summary>
/// <remarks>
/// The operation is the method and a short route without ids, query string or secrets (<see cref="Operation"/>); the
/// outcome is the status code (<c>200</c>, <c>429</c>), or <c>timeout</c>, <c>network</c>, <c>circuit-open</c>,
/// <c>canceled</c> or <c>error</c> for an exception, which is rethrown unchanged.
/// </remarks>
public sealed class OutboundCallHandler(string system, ActivityLog activityLog, TimeProvider timeProvider) : DelegatingHandler
{
    /// <summary>The outcome of a call that timed out (an attempt's or the whole pipeline's timeout).</summary>
    public const string Timeout = "timeout";

    /// <summary>The outcome of a call that failed below HTTP (connection refused, reset, DNS).</summary>
    public const string Network = "network";

    /// <summary>The outcome of a call the circuit breaker refused (the system failed too often just before).</summary>
    public const string CircuitOpen = "circuit-open";

    /// <summary>The outcome of a call its caller cancelled (host shutdown).</summary>
    public const string Canceled = "canceled";

    /// <summary>The outcome of any other exception.</summary>
    public const string Error = "error";

    /// <summary>The system's name in the tags and on the status page.</summary>
    public string SystemName => system;

    /// <summary>The system of the HttpClient named <paramref name="clientName"/> (the name lower-cased when it is none of the app's).</summary>
    public static string SystemOf(string? clientName) => clientName switch
    {
        "TracktileClient" => "tracktile",
        "RestErpClient" or RestErp.RestErpTokenSource.TokenClientName => "erp",
        "BusinessCentralClient" => "businesscentral",
        "ShopifyClient" => "shopify",
        "QuickBooksClient" or QuickBooks.QuickBooksConnection.HttpClientName => "quickbooks",
        { } name when name.StartsWith("ShipHero", StringComparison.OrdinalIgnoreCase) => "shiphero",
        null or "" => "unknown",
#pragma warning disable CA1308 // a tag value, never compared: lower case is the convention
        var other => other.ToLowerInvariant(),
#pragma warning restore CA1308
    };

    /// <summary>
    /// The operation of a request: its method and the last one or two segments of its path that are names, not ids
    /// (<c>POST salesOrders</c>, <c>GET orders</c>, <c>POST graphql</c>, <c>PATCH sales-orders</c>). What comes before
    /// an API root (<c>api</c>, <c>admin</c>, <c>company</c>, <c>companies</c>, a version) is left out; so are ids
    /// (a segment with a digit, an underscore or other punctuation, or without a lower-case letter), OData keys
    /// (<c>salesOrders(…)</c>), a <c>.json</c> suffix and the query string. Nothing of a request but its shape is kept.
    /// </summary>
    public static string Operation(HttpMethod method, Uri? uri)
    {
        ArgumentNullException.ThrowIfNull(method);
        return method.Method + " " + Route(uri);
    }

    private static string Route(Uri? uri)
    {
        if (uri is null || !uri.IsAbsoluteUri)
        {
            return "/";
        }

        string? last = null, beforeLast = null, anchor = null;
        foreach (var raw in uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = Uri.UnescapeDataString(raw);
            var key = segment.IndexOf('(', StringComparison.Ordinal);
            if (key > 0)
            {
                segment = segment[..key]; // an OData key: salesOrders(…) is salesOrders
            }

            if (segment.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            {
                segment = segment[..^".json".Length];
            }

            if (IsApiRoot(segment))
            {
                (last, beforeLast, anchor) = (null, null, segment); // what came before is the deployment's, not the call's
            }
            else if (IsName(segment))
            {
                (beforeLast, last) = (last, segment);
            }
        }

        return last is null ? anchor ?? "/" : beforeLast is null ? last : beforeLast + "/" + last;
    }

    private static bool IsApiRoot(string segment)
        => segment is "api" or "admin" or "company" or "companies"
           || (segment.Length > 1 && segment[0] == 'v' && char.IsAsciiDigit(segment[1])) // v2.0, v3
           || (segment.Length >= 7 && char.IsAsciiDigit(segment[0]) && segment.All(c => char.IsAsciiDigit(c) || c == '-')); // 2025-01

    /// <summary>A resource or action name: letters with <c>-</c>, <c>.</c> or a leading <c>$</c>, at least one lower case, not long.</summary>
    private static bool IsName(string segment)
    {
        if (segment.Length is 0 or > 40)
        {
            return false;
        }

        var lower = false;
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (char.IsAsciiLetterLower(c))
            {
                lower = true;
            }
            else if (!char.IsAsciiLetterUpper(c) && !(i > 0 && c is '-' or '.') && !(i == 0 && c == '$'))
            {
                return false;
            }
        }

        return lower;
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var operation = Operation(request.Method, request.RequestUri);
        var started = timeProvider.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var reason = Reason(ex, cancellationToken);
            Record(operation, reason, reason, started);
            throw;
        }

        var status = (int)response.StatusCode;
        var code = status.ToString(CultureInfo.InvariantCulture);
        Record(operation, code, status < 400 || status == 404 ? ActivityLog.Ok : code, started); // a look-up that found nothing is normal
        return response;
    }

    /// <summary>The outcome of a call that threw <paramref name="error"/>.</summary>
    public static string Reason(Exception error, CancellationToken cancellationToken) => error switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => Canceled,
        TimeoutRejectedException or TimeoutException or OperationCanceledException => Timeout, // HttpClient.Timeout: a cancellation nobody asked for
        BrokenCircuitException => CircuitOpen,
        HttpRequestException or IOException => Network,
        _ => Error,
    };

    private void Record(string operation, string outcome, string activityOutcome, long started)
    {
        TagList tags = default;
        tags.Add("system", system);
        tags.Add("operation", operation);
        tags.Add("outcome", outcome);
        AppTelemetry.OutboundCalls.Add(1, tags);
        AppTelemetry.OutboundDuration.Record(timeProvider.GetElapsedTime(started).TotalSeconds, tags);
        activityLog.Record(ActivityLog.SystemSubject(system), activityOutcome);
    }
}
