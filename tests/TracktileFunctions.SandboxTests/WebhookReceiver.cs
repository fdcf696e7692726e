using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TracktileFunctions.SandboxTests;

/// <summary>A webhook receiver on 127.0.0.1 that records what a fake sends and answers with <c>answer</c>.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ReceivedWebhook> _requests = [];

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<ReceivedWebhook> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts listening on <paramref name="path"/>; <paramref name="answer"/> is what each request gets (200 with no body when null).</summary>
    public static async Task<WebhookReceiver> StartAsync(string path, Func<IResult>? answer = null)
    {
        WebhookReceiver? receiver = null;
        var (app, address) = await LoopbackServer.StartAsync(app => app.MapPost(path, async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            lock (receiver!._requests)
            {
                receiver._requests.Add(new ReceivedWebhook(
                    request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), buffer.ToArray()));
            }

            return answer?.Invoke() ?? Results.Ok();
        }));
        receiver = new WebhookReceiver(app) { Url = new Uri(address + path) };
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>One request the receiver got.</summary>
internal sealed record ReceivedWebhook(Dictionary<string, string> Headers, byte[] Body);
