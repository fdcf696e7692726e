using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Functions;

/// <summary>Turns a <see cref="HttpReply"/> into the HTTP answer.</summary>
internal static class HttpReplyResults
{
    public static IActionResult ToActionResult(this HttpReply response, HttpResponse http)
    {
        if (response.RetryAfterSeconds is { } seconds)
        {
            http.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new ContentResult { StatusCode = response.StatusCode, Content = response.Body, ContentType = response.ContentType ?? "text/plain; charset=utf-8" };
    }

    /// <summary>A setup's report: 200, 409 when nothing could be done, 502 when something failed.</summary>
    public static IActionResult ToActionResult(this Tracktile.TracktileHooksReport report)
        => new ObjectResult(report) { StatusCode = report.Skipped is not null ? 409 : report.Failed.Count > 0 ? 502 : 200 };

    /// <summary>Turns a connect flow's answer into a redirect or an HTML page.</summary>
    public static IActionResult ToActionResult(this QuickBooks.ConnectReply reply)
        => reply.Location is { } location
            ? new RedirectResult(location.AbsoluteUri, permanent: false)
            : new ContentResult { StatusCode = reply.StatusCode, Content = reply.Html, ContentType = "text/html; charset=utf-8" };

    /// <summary>Hands a webhook request (its signature header, length and body stream) to <paramref name="receiver"/>.</summary>
    public static async Task<IActionResult> ReceiveAsync(this WebhookReceiver receiver, HttpRequest request, CancellationToken cancellationToken)
    {
        var reply = await receiver.ReceiveAsync(
            request.Headers[receiver.SignatureHeader], request.ContentLength, request.Body, cancellationToken);
        return reply.ToActionResult(request.HttpContext.Response);
    }
}
