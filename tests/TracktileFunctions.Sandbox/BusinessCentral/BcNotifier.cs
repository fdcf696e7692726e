using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace TracktileFunctions.Sandbox.BusinessCentral;

/// <summary>
/// The fake's outgoing calls: the subscription handshake and the notification POSTs. They only go to 127.0.0.1,
/// ::1 or localhost (the network tests bind there), each with a short timeout.
/// </summary>
internal static class BcNotifier
{
    private static HttpClient Client => Hosting.LoopbackPost.Client;

    /// <summary>Whether the sandbox may call <paramref name="url"/>: http(s) on a loopback address or localhost.</summary>
    public static bool IsAllowed(Uri url)
        => url.IsAbsoluteUri
           && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
           && (string.Equals(url.Host, "localhost", StringComparison.OrdinalIgnoreCase)
               || (IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));

    /// <summary>
    /// BC's handshake: <c>POST notificationUrl?validationToken=&lt;token&gt;</c> with an empty body; the receiver must answer
    /// 200 with exactly the token as its body, within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<BcHandshake> HandshakeAsync(Uri notificationUrl, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        if (!IsAllowed(notificationUrl))
        {
            return new BcHandshake(time.GetUtcNow(), notificationUrl, token, null, false);
        }

        var separator = string.IsNullOrEmpty(notificationUrl.Query) ? "?" : "&";
        var url = new Uri(notificationUrl.AbsoluteUri + separator + "validationToken=" + Uri.EscapeDataString(token));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cancel.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent([]) };
            using var response = await Client.SendAsync(request, cancel.Token);
            var body = await response.Content.ReadAsStringAsync(cancel.Token);
            var ok = response.StatusCode == HttpStatusCode.OK && string.Equals(body, token, StringComparison.Ordinal);
            return new BcHandshake(time.GetUtcNow(), notificationUrl, token, (int)response.StatusCode, ok);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return new BcHandshake(time.GetUtcNow(), notificationUrl, token, null, false);
        }
    }

    /// <summary>POSTs one notification payload (UTF-8 JSON without a BOM, as BC sends since v19).</summary>
    /// <returns>The receiver's status, or null when it could not be reached or did not answer within <paramref name="timeout"/>.</returns>
    public static async Task<int?> PostNotificationAsync(Uri notificationUrl, string body, TimeSpan timeout, CancellationToken ct)
    {
        if (!IsAllowed(notificationUrl))
        {
            return null;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cancel.CancelAfter(timeout);
        try
        {
            var correlation = Guid.NewGuid().ToString("D");
            using var request = new HttpRequestMessage(HttpMethod.Post, notificationUrl)
            {
                Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.TryAddWithoutValidation("clientRequestId", correlation);
            request.Headers.TryAddWithoutValidation("x-ms-correlation-id", correlation);
            using var response = await Client.SendAsync(request, cancel.Token);
            return (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
