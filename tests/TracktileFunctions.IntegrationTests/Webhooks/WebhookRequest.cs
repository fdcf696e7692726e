using Microsoft.AspNetCore.Http;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.IntegrationTests.Webhooks;

/// <summary>Builds the <see cref="HttpRequest"/> the Functions ASP.NET Core integration hands a function.</summary>
internal static class WebhookRequest
{
    public static HttpRequest Signed(byte[] body, string secret, string header = "X-Tracktile-Signature", DateTimeOffset? at = null)
        => Create(body, (header, WebhookSignatureVerifier.Sign(secret, at ?? DateTimeOffset.UtcNow, body)));

    public static HttpRequest Create(byte[] body, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body);
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context.Request;
    }
}
