using System.Net.Http.Headers;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Sandbox.Webhooks;

/// <summary>Sends a webhook signed the way Tracktile signs them (see <see cref="WebhookSignatureVerifier.Sign(string, DateTimeOffset, ReadOnlySpan{byte})"/>).</summary>
public static class WebhookSender
{
    /// <summary>Tracktile's signature header.</summary>
    public const string DefaultHeader = "X-Tracktile-Signature";

    /// <summary>
    /// Signs <paramref name="body"/>'s exact bytes with <paramref name="secret"/> at <paramref name="timeProvider"/>'s
    /// now, and posts them as <c>application/json</c> with the signature in <paramref name="header"/>.
    /// </summary>
    public static async Task<WebhookSendResult> SendAsync(
        HttpClient client, Uri url, string secret, byte[] body, string header, TimeProvider timeProvider, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrEmpty(header);
        ArgumentNullException.ThrowIfNull(timeProvider);

        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.TryAddWithoutValidation(header, WebhookSignatureVerifier.Sign(secret, timeProvider.GetUtcNow(), body));

        using var response = await client.SendAsync(request, ct);
        return new WebhookSendResult((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }
}

/// <summary>The receiver's answer to a webhook.</summary>
public sealed record WebhookSendResult(int StatusCode, string Body)
{
    /// <summary>Whether the status is 2xx.</summary>
    public bool IsSuccess => StatusCode is >= 200 and < 300;
}
