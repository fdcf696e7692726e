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
