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

        return new ContentResult { StatusCode = response.StatusCode, Content = response.Body, ContentType = "text/plain; charset=utf-8" };
    }
}
