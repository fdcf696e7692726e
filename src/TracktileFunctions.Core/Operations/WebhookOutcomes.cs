using System.Diagnostics;
using System.Globalization;

namespace TracktileFunctions.Operations;

/// <summary>
/// What every webhook receiver records of each answer, once: the counter <see cref="AppTelemetry.Webhooks"/> (tags
/// <c>source</c>, <c>outcome</c>), the status page's <see cref="ActivityLog"/> (subject <c>webhook:&lt;source&gt;</c>)
/// and the request's span (<see cref="EventTracing.WebhookActivityName"/>). The outcome is <see cref="ActivityLog.Ok"/>
/// for any 2xx, else a short fixed reason by status (<see cref="Of"/>).
/// </summary>
public static class WebhookOutcomes
{
    /// <summary>400: the signed body is not a valid event.</summary>
    public const string Invalid = "invalid";

    /// <summary>401: the signature (or the shop, the clientState) does not match.</summary>
    public const string Signature = "signature";

    /// <summary>404: the source is not configured.</summary>
    public const string Off = "off";

    /// <summary>413: the body is over the cap.</summary>
    public const string TooLarge = "too-large";

    /// <summary>503: storage is unavailable (the sender retries).</summary>
    public const string Unavailable = "unavailable";

    /// <summary>The outcome of an answer with <paramref name="statusCode"/>.</summary>
    public static string Of(int statusCode) => statusCode switch
    {
        >= 200 and < 300 => ActivityLog.Ok,
        400 => Invalid,
        401 => Signature,
        404 => Off,
        413 => TooLarge,
        503 => Unavailable,
        _ => "status-" + statusCode.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Runs one request of <paramref name="source"/> through <paramref name="receive"/> inside its span and records its
    /// answer. An exception is recorded as the 500 the sender gets and rethrown; a request cancelled by the caller has
    /// no answer, so it is not counted.
    /// </summary>
    /// <param name="source">The sender.</param>
    /// <param name="activityLog">The status page's log.</param>
    /// <param name="receive">The receiver's own handling.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    public static async Task<HttpReply> ReceiveAsync(string source, ActivityLog activityLog, Func<Task<HttpReply>> receive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(activityLog);
        ArgumentNullException.ThrowIfNull(receive);
        using var activity = EventTracing.StartWebhook(source);
        HttpReply reply;
        try
        {
            reply = await receive().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            EventTracing.End(activity, "canceled");
            throw;
        }
        catch (Exception ex)
        {
            Record(activityLog, source, 500, activity, ex.GetType().Name);
            throw;
        }

        Record(activityLog, source, reply.StatusCode, activity, reply.StatusCode >= 500 ? reply.Body : null);
        return reply;
    }

    private static void Record(ActivityLog activityLog, string source, int statusCode, Activity? activity, string? error)
    {
        var outcome = Of(statusCode);
        AppTelemetry.Webhooks.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("outcome", outcome));
        activityLog.Record(ActivityLog.WebhookSubject(source), outcome);
        activity?.SetTag("http.response.status_code", statusCode);
        EventTracing.End(activity, outcome, error);
    }
}
