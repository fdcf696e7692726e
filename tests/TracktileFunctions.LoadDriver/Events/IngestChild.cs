using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.LoadDriver.Child;
using TracktileFunctions.Messaging;
using TracktileFunctions.Storage;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>One measured run of one contender.</summary>
internal sealed record IngestRun(string Contender, int Callers, int Round, CallerResult Result);

/// <summary>A run through the counting proxy, and when it ran (UTC ticks), so the driver can count its storage requests.</summary>
internal sealed record CountedWindow(string Contender, int Events, long FromTicks, long ToTicks);

/// <summary>
/// <c>child-ingest</c>: the ingest measurement in one process. For each number of callers, several rounds, each
/// running the contenders one after the other in alternating order (raw, app, HTTP; then HTTP, app, raw), so load
/// drift weighs on all of them alike. The queues are emptied between runs (not timed), so every run writes to queues
/// of the same size. Then one counted run of the raw baseline and of the app through the counting proxy. Besides the
/// app's function, <see cref="Publish"/> runs the app's own enqueue alone, which splits the app's extra cost into
/// enqueue (encoding, its client) and receive (read, verify, parse, route, the function's bookkeeping).
/// </summary>
internal static class IngestChild
{
    public const string Raw = "raw";
    public const string Publish = "publish";
    public const string App = "app";
    public const string Http = "http";

    private const int WarmUpEvents = 200;
    private static readonly TimeSpan WaitForGo = TimeSpan.FromMinutes(10);

    /// <summary>The app's messages never expire (<c>EventPublisher</c>); the baseline sends the same time-to-live.</summary>
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    public static async Task RunAsync(ArgumentReader args, CommandReader commands, MemorySampler sampler)
    {
        var settings = args.Settings();
        var countedStorage = args.Required("--counted-storage");
        var count = args.OptionalInt("--count", 1) ?? 2000;
        var callers = EventsPlan.Ints("--callers", args.Required("--callers"));
        var rounds = args.OptionalInt("--rounds", 1) ?? 10;
        var counted = args.OptionalInt("--counted", 1) ?? 300;
        var http = !args.Flag("--no-http");
        var logLevel = Enum.Parse<LogLevel>(args.Optional("--log-level") ?? nameof(LogLevel.Warning), ignoreCase: true);
        args.EnsureAllRead();

        var storage = settings.Last(s => s.Key == "AzureWebJobsStorage").Value;
        await using var app = await EventsApp.StartAsync(settings, logLevel, []).ConfigureAwait(false);
        var queues = new RawQueues(storage);
        await using var host = http ? await HttpFunctionHost.StartAsync("webhooks/tracktile", (request, ct) => app.Function().RunAsync(request, ct)).ConfigureAwait(false) : null;
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };
        List<Contender> contenders = [RawContender(queues), PublishContender(app), AppContender(app)];
        if (host is not null)
        {
            contenders.Add(HttpContender(app, client, new Uri(host.BaseAddress, "api/webhooks/tracktile")));
        }

        Protocol.Emit(Protocol.Ready);
        await commands.WaitForAsync(Protocol.Go, WaitForGo).ConfigureAwait(false);
        foreach (var contender in contenders)
        {
            await contender.RunAsync("warm" + contender.Name, WarmUpEvents, callers.Max()).ConfigureAwait(false); // JIT, connection pools
        }

        await queues.ClearAsync().ConfigureAwait(false);
        var runs = new List<IngestRun>();
        var perRound = Math.Max(1, count / rounds);
        foreach (var n in callers)
        {
            for (var round = 0; round < rounds; round++)
            {
                foreach (var contender in round % 2 == 0 ? contenders : Enumerable.Reverse(contenders))
                {
                    var result = await contender.RunAsync(string.Create(CultureInfo.InvariantCulture, $"{contender.Name}{n}r{round}"), perRound, n).ConfigureAwait(false);
                    runs.Add(new IngestRun(contender.Name, n, round, result));
                    await queues.ClearAsync().ConfigureAwait(false);
                }
            }
        }

        Protocol.Emit("measured");

        // The same two through the counting proxy: what each webhook costs in storage requests.
        var countedSettings = settings.Append(new("AzureWebJobsStorage", countedStorage)).ToList();
        await using var countedApp = await EventsApp.StartAsync(countedSettings, logLevel, []).ConfigureAwait(false);
        var windows = new List<CountedWindow>();
        foreach (var contender in new[] { RawContender(new RawQueues(countedStorage)), AppContender(countedApp) }) // publish: the app's own put, counted in app
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300)).ConfigureAwait(false); // a gap between the windows
            var from = DateTimeOffset.UtcNow.UtcTicks;
            await contender.RunAsync("count" + contender.Name, counted, callers.Max()).ConfigureAwait(false);
            windows.Add(new CountedWindow(contender.Name, counted, from, DateTimeOffset.UtcNow.UtcTicks));
        }

        var report = sampler.Report();
        report["runs"] = JsonSerializer.SerializeToNode(runs, JsonSerializerOptions.Web);
        report["counted"] = JsonSerializer.SerializeToNode(windows, JsonSerializerOptions.Web);
        Protocol.Emit(Protocol.Result, report);
    }

    /// <summary>The baseline: the very message the app writes for the event (base64, as the app's client sends it), with <see cref="QueueClient.SendMessageAsync(BinaryData, TimeSpan?, TimeSpan?, CancellationToken)"/>.</summary>
    private static Contender RawContender(RawQueues queues) => new(Raw, events =>
    {
        var receivedAt = DateTimeOffset.UtcNow;
        var messages = events.Select(e => (Queue: queues[e.Kind], Body: BinaryData.FromBytes(EventMessageCodec.EncodeInline(WebhookSources.Tracktile, Envelope(e), receivedAt, e.Body)))).ToArray();
        return i => messages[i].Queue.SendMessageAsync(messages[i].Body, visibilityTimeout: null, NeverExpires);
    });

    /// <summary>The app's enqueue alone: its <see cref="EventPublisher.PublishAsync"/> (encode, its own queue client), without the function's read, verify, parse and route.</summary>
    private static Contender PublishContender(EventsApp app) => new(Publish, events =>
    {
        var (publisher, receivedAt) = (app.Get<EventPublisher>(), DateTimeOffset.UtcNow);
        var prepared = events.Select(e => (Queues: new[] { EventBodies.Queue(e.Kind) }, Envelope: Envelope(e), e.Body)).ToArray();
        return i => publisher.PublishAsync(prepared[i].Queues, WebhookSources.Tracktile, prepared[i].Envelope, receivedAt, prepared[i].Body, CancellationToken.None);
    });

    /// <summary>The envelope the receiver reads from a body (id, kind, time).</summary>
    private static EventEnvelope Envelope(LoadEvent e)
    {
        using var document = JsonDocument.Parse(e.Body);
        return new EventEnvelope(e.Id, EventBodies.KindName(e.Kind), document.RootElement.GetProperty("time").GetDateTimeOffset());
    }

    /// <summary>The app: the HTTP function class invoked in process (read, verify, route, enqueue).</summary>
    private static Contender AppContender(EventsApp app) => new(App, events =>
    {
        var signed = app.Sign(events);
        return i => app.PostAsync(signed[i], CancellationToken.None);
    });

    /// <summary>The app behind Kestrel (<see cref="HttpFunctionHost"/>): the same, plus HTTP's own cost.</summary>
    private static Contender HttpContender(EventsApp app, HttpClient client, Uri url) => new(Http, events =>
    {
        var signed = app.Sign(events);
        return async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new ByteArrayContent(signed[i].Body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            };
            request.Headers.TryAddWithoutValidation(signed[i].Header, signed[i].Signature);
            using var response = await client.SendAsync(request).ConfigureAwait(false);
            if ((int)response.StatusCode != 200)
            {
                throw new InvalidOperationException($"POST {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
            }
        };
    });

    /// <summary>A way of getting events into the queues: it prepares a run's events (untimed), then sends the i-th.</summary>
    private sealed record Contender(string Name, Func<IReadOnlyList<LoadEvent>, Func<int, Task>> Prepare)
    {
        public Task<CallerResult> RunAsync(string phase, int count, int callers)
        {
            var send = Prepare(EventBodies.Phase(phase, EventBodies.AllKinds, count));
            return Callers.RunAsync(count, callers, send);
        }
    }

    /// <summary>A plain <see cref="QueueClient"/> per event queue, configured as the app's.</summary>
    private sealed class RawQueues(string connectionString)
    {
        private readonly Dictionary<EventKind, QueueClient> _clients = EventBodies.AllKinds.ToDictionary(
            k => k, k => new QueueClient(connectionString, EventBodies.Queue(k), Options()));

        /// <summary>Base64, and the app's own retry and time-out (<see cref="StorageClientFactory.ApplyFastRetry"/>), so the clients differ in nothing else.</summary>
        private static QueueClientOptions Options()
        {
            var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
            StorageClientFactory.ApplyFastRetry(options);
            return options;
        }

        public QueueClient this[EventKind kind] => _clients[kind];

        public async Task ClearAsync() => await Task.WhenAll(_clients.Values.Select(q => q.ClearMessagesAsync())).ConfigureAwait(false);
    }
}
