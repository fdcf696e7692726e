namespace TracktileFunctions.Sandbox.Hosting;

/// <summary>
/// How the sandbox's fakes call the app back (webhook deliveries, notifications): one pooled client with a short connect
/// timeout, no redirects and no proxy, and each call bounded by the sender's own delivery timeout.
/// </summary>
internal static class LoopbackPost
{
    /// <summary>The shared client (callers check their target is loopback first).</summary>
    public static HttpClient Client { get; } = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        AllowAutoRedirect = false,
        UseProxy = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>What a delivery got: the status (null when none came), the body when asked for (at most 4 KiB), and whether it timed out.</summary>
    public readonly record struct Answer(int? Status, string? Body, bool TimedOut);

    /// <summary>Sends <paramref name="message"/>, waiting at most <paramref name="timeout"/> for the answer.</summary>
    public static async Task<Answer> SendAsync(HttpRequestMessage message, TimeSpan timeout, bool readBody, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cancel.CancelAfter(timeout);
        try
        {
            using var response = await Client.SendAsync(message, readBody ? HttpCompletionOption.ResponseContentRead : HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            var body = readBody ? await response.Content.ReadAsStringAsync(cancel.Token) : null;
            return new Answer((int)response.StatusCode, body is { Length: > 4096 } ? body[..4096] : body, false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new Answer(null, null, true);
        }
        catch (HttpRequestException)
        {
            return new Answer(null, null, false);
        }
    }
}
