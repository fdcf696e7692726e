using System.Collections.Concurrent;
using System.Net;
using System.Text;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.IntegrationTests.Reliability;

/// <summary>What one burst got back: every answer by status, and which events were accepted.</summary>
public sealed class BurstOutcome
{
    private readonly ConcurrentDictionary<int, int> _answers = new();
    private readonly ConcurrentDictionary<string, int> _accepted = new(StringComparer.Ordinal);
    private int _posts;

    /// <summary>Requests sent, retries of a refused send included.</summary>
    public int Posts => _posts;

    /// <summary>Sends answered 200 (a redelivered event counts each time).</summary>
    public int Accepted => _accepted.Values.Sum();

    /// <summary>Distinct events answered 200 at least once.</summary>
    public IReadOnlyCollection<string> AcceptedIds => [.. _accepted.Keys];

    /// <summary>Answers by HTTP status (0: no answer, e.g. the connection failed).</summary>
    public IReadOnlyDictionary<int, int> Answers => new SortedDictionary<int, int>(_answers);

    /// <summary>Answers that were not 200.</summary>
    public int Refused => _answers.Where(a => a.Key != 200).Sum(a => a.Value);

    internal void Record(BurstEvent evt, int status)
    {
        Interlocked.Increment(ref _posts);
        _answers.AddOrUpdate(status, 1, (_, n) => n + 1);
        if (status == 200)
        {
            _accepted.AddOrUpdate(evt.Id, 1, (_, n) => n + 1);
        }
    }
}

/// <summary>
/// Posts a burst of signed Tracktile webhooks to the app's webhook over real HTTP, with a number of concurrent callers,
/// as a sender does: each send is signed when it is made, and a refused one (any answer but 200, or no answer) is sent
/// again after <see cref="RetryDelay"/>, at most <see cref="MaxAttempts"/> times in all.
/// </summary>
public sealed class WebhookBurst(Uri webhook, string secret)
{
    /// <summary>The header Tracktile signs with.</summary>
    public const string SignatureHeader = "X-Tracktile-Signature";

    /// <summary>Concurrent callers.</summary>
    public int Callers { get; init; } = 16;

    /// <summary>How many times one send is tried before the sender gives it up.</summary>
    public int MaxAttempts { get; init; } = 1;

    /// <summary>The wait before a refused send is tried again.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The signing clock's offset from the real one (a sender whose clock is wrong).</summary>
    public TimeSpan ClockSkew { get; init; }

    /// <summary>Called after each answer, with how many sends are done (to inject a fault mid-burst).</summary>
    public Func<int, Task>? AfterSend { get; init; }

    /// <summary>Sends <paramref name="events"/> in order, spread over <see cref="Callers"/>.</summary>
    public async Task<BurstOutcome> SendAsync(IReadOnlyList<BurstEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var outcome = new BurstOutcome();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var next = -1;
        var done = 0;
        var callers = Enumerable.Range(0, Callers).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < events.Count)
            {
                await SendOneAsync(http, events[index], outcome, cancellationToken).ConfigureAwait(false);
                var count = Interlocked.Increment(ref done);
                if (AfterSend is not null)
                {
                    await AfterSend(count).ConfigureAwait(false);
                }
            }
        });
        await Task.WhenAll(callers).ConfigureAwait(false);
        return outcome;
    }

    private async Task SendOneAsync(HttpClient http, BurstEvent evt, BurstOutcome outcome, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(evt.Json);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add(SignatureHeader, WebhookSignatureVerifier.Sign(secret, DateTimeOffset.UtcNow + ClockSkew, body));
            int status;
            try
            {
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                status = (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                status = 0; // no answer: the sender cannot know, and sends it again
            }

            outcome.Record(evt, status);
            if (status == (int)HttpStatusCode.OK)
            {
                return;
            }

            if (attempt < MaxAttempts)
            {
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
