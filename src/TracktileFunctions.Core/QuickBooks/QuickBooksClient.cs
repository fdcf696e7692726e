using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Http;

namespace TracktileFunctions.QuickBooks;

/// <summary>
/// QuickBooks Online's Accounting API v3 for the connected company: <c>/v3/company/{realmId}/...</c> with
/// <c>Accept: application/json</c>, the configured <c>minorversion</c> on every call, and a <c>requestid</c> on every
/// write (QuickBooks answers a repeat with the first answer instead of doing it again). A refused access token is
/// refreshed once; a 429 waits <c>Retry-After</c>, else the 60 s Intuit documents, within
/// <see cref="QuickBooksOptions.MaxThrottleWaitSeconds"/>; at most 500 calls (40 of them batch calls) a minute leave this
/// instance. A <c>Fault</c> (in any answer, even a 200) becomes a <see cref="QuickBooksApiException"/> with its code,
/// message and detail; in a batch call (<see cref="BatchAsync"/>) each payload's <c>Fault</c> is that payload's alone.
/// </summary>
public sealed partial class QuickBooksClient(
    HttpClient http, QuickBooksConnection connection, QuickBooksRateLimit rateLimit, Processing.SyncStateStore state, IOptions<QuickBooksOptions> options,
    TimeProvider timeProvider, ILogger<QuickBooksClient> logger)
{
    /// <summary>The sync state scope of the writes QuickBooks refused (their next try needs a new requestid).</summary>
    public const string RefusedWritesScope = "quickbooks-requestid";

    /// <summary>The most payloads in one batch call (Intuit's documented maximum).</summary>
    public const int MaxBatchItems = 30;

    /// <summary>How many times a write whose <c>SyncToken</c> went stale is read again and retried.</summary>
    public const int StaleRetries = 3;

    private const int MaxDetailChars = 500;

    /// <summary>Reads one entity (e.g. <c>Customer</c>, <c>Invoice</c>), or null when QuickBooks has no such object.</summary>
    public async Task<JsonElement?> GetAsync(string entity, string id, CancellationToken cancellationToken)
    {
        try
        {
            var root = await SendAsync(HttpMethod.Get, $"{entity.ToLowerInvariant()}/{Uri.EscapeDataString(id)}", null, cancellationToken).ConfigureAwait(false);
            return Entity(root, entity);
        }
        catch (QuickBooksApiException ex) when (ex.ErrorCode == QuickBooksApiException.ObjectNotFound || ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Runs a query (<c>select * from Customer where DisplayName = '...'</c>) and returns the entities of <paramref name="entity"/>.</summary>
    public async Task<IReadOnlyList<JsonElement>> QueryAsync(string entity, string query, CancellationToken cancellationToken)
    {
        var root = await SendAsync(HttpMethod.Get, $"query?query={Uri.EscapeDataString(query)}", null, cancellationToken).ConfigureAwait(false);
        return root.TryGetProperty("QueryResponse", out var response) && response.ValueKind == JsonValueKind.Object
            && response.TryGetProperty(entity, out var list) && list.ValueKind == JsonValueKind.Array
                ? [.. list.EnumerateArray()]
                : [];
    }

    /// <summary>
    /// Creates or updates (or, with <paramref name="operation"/>, voids or deletes) an entity, once per
    /// <paramref name="requestKey"/> (what the write is: the same write, the same key). The key is sent as the
    /// <c>requestid</c>, so a repeat after a lost answer gets QuickBooks' first answer instead of a second effect. QuickBooks
    /// also answers a repeated requestid with a refusal it gave, forever: so once it refused a write (a <c>Fault</c>: nothing
    /// was done), that write's next try (a retry, a replay after a person fixed the cause) is sent under a new requestid.
    /// </summary>
    /// <returns>The entity as QuickBooks answers it.</returns>
    public async Task<JsonElement> PostAsync(string entity, JsonObject body, string requestKey, string? operation, CancellationToken cancellationToken)
    {
        var root = await OnceAsync(requestKey, requestId => SendAsync(HttpMethod.Post,
                $"{entity.ToLowerInvariant()}?{(operation is null ? "" : $"operation={operation}&")}requestid={Uri.EscapeDataString(requestId)}", body, cancellationToken),
            _ => null, cancellationToken).ConfigureAwait(false);
        return Entity(root, entity) ?? throw new QuickBooksApiException(200, JsonHttp.MalformedResponse, null, $"the answer has no {entity}", transient: true);
    }

    /// <summary>
    /// A sparse update (<c>sparse: true</c>) of what <paramref name="changes"/> finds different in the entity as it is now,
    /// with its current <c>SyncToken</c>; read again and retried when the token went stale (someone changed it meanwhile),
    /// up to <see cref="StaleRetries"/> times. Once per <paramref name="key"/>, entity and <c>SyncToken</c>.
    /// </summary>
    /// <returns>The entity as updated, or as read when nothing differed (no write).</returns>
    public async Task<JsonElement> SparseUpdateAsync(string entity, string id, Func<JsonElement, JsonObject> changes, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(entity, id, cancellationToken).ConfigureAwait(false)
                ?? throw new QuickBooksApiException(400, QuickBooksApiException.ObjectNotFound, null, $"{entity} {id} is not in QuickBooks");
            var fields = changes(current);
            if (fields.Count == 0)
            {
                return current;
            }

            var syncToken = Text(current, "SyncToken");
            var body = (JsonObject)fields.DeepClone();
            body["Id"] = id;
            body["SyncToken"] = syncToken;
            body["sparse"] = true;
            try
            {
                return await PostAsync(entity, body, QuickBooksMapping.RequestId("upd", key, id, syncToken), null, cancellationToken).ConfigureAwait(false);
            }
            catch (QuickBooksApiException ex) when (ex.ErrorCode == QuickBooksApiException.StaleObject && attempt < StaleRetries)
            {
                // Changed meanwhile (a person in QuickBooks, another instance): read again and retry.
            }
        }
    }

    /// <summary>
    /// Runs up to <see cref="MaxBatchItems"/> queries or writes in one call (<c>POST batch</c>), each answered on its own:
    /// a <c>Fault</c> in one payload is that payload's failure only (<see cref="QuickBooksBatchAnswer.Error"/>). A batch
    /// that writes carries a <c>requestid</c> derived from its content, so a repeat after a lost answer gets QuickBooks'
    /// first answer instead of a second effect; once an answer held a <c>Fault</c>, the same batch's next try goes under
    /// a new requestid (as <see cref="PostAsync"/>'s refused writes do), so it is run again rather than answered the same.
    /// Counts toward <see cref="QuickBooksOptions.BatchRequestsPerMinute"/> as well as the calls a minute.
    /// </summary>
    /// <returns>One answer per request, in the requests' order (matched by <c>bId</c>).</returns>
    /// <exception cref="QuickBooksApiException">The batch itself failed (no answer, throttled too long, refused whole).</exception>
    public async Task<IReadOnlyList<QuickBooksBatchAnswer>> BatchAsync(IReadOnlyList<QuickBooksBatchRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count is 0 or > MaxBatchItems)
        {
            throw new ArgumentOutOfRangeException(nameof(requests), requests.Count, $"a QuickBooks batch holds 1 to {MaxBatchItems} payloads");
        }

        var items = new JsonArray();
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            var item = new JsonObject { ["bId"] = BatchId(i) }; // at most 10 characters with a requestid
            if (request.Entity is { } entity)
            {
                item["operation"] = request.Operation;
                item[entity] = request.Body?.DeepClone();
            }
            else
            {
                item["Query"] = request.Query;
            }

            items.Add(item);
        }

        var body = new JsonObject { ["BatchItemRequest"] = items };
        if (!requests.Any(r => r.Entity is not null))
        {
            return Answers(await SendAsync(HttpMethod.Post, "batch", body, cancellationToken, batch: true).ConfigureAwait(false), requests);
        }

        return await OnceAsync(QuickBooksMapping.RequestId("batch", body.ToJsonString()),
            async requestId => Answers(await SendAsync(HttpMethod.Post, $"batch?requestid={Uri.EscapeDataString(requestId)}", body, cancellationToken, batch: true)
                .ConfigureAwait(false), requests),
            answers => answers.Select(a => a.Error).FirstOrDefault(e => e is not null && e.ErrorCode != JsonHttp.MalformedResponse), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The change data capture feed: every <paramref name="entities"/> object changed since <paramref name="since"/> (at most 30 days back).</summary>
    /// <returns>The changed objects by entity name, and QuickBooks' own time of the answer.</returns>
    public async Task<(IReadOnlyDictionary<string, IReadOnlyList<JsonElement>> Changed, DateTimeOffset? Time)> ChangesAsync(
        IReadOnlyList<string> entities, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var root = await SendAsync(HttpMethod.Get,
            $"cdc?entities={string.Join(',', entities)}&changedSince={Uri.EscapeDataString(since.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture))}",
            null, cancellationToken).ConfigureAwait(false);
        var changed = entities.ToDictionary(e => e, _ => (IReadOnlyList<JsonElement>)[], StringComparer.Ordinal);
        if (root.TryGetProperty("CDCResponse", out var cdc) && cdc.ValueKind == JsonValueKind.Array)
        {
            foreach (var responses in cdc.EnumerateArray())
            {
                if (!responses.TryGetProperty("QueryResponse", out var queries) || queries.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var query in queries.EnumerateArray())
                {
                    foreach (var entity in entities)
                    {
                        if (query.ValueKind == JsonValueKind.Object && query.TryGetProperty(entity, out var list) && list.ValueKind == JsonValueKind.Array)
                        {
                            changed[entity] = [.. changed[entity], .. list.EnumerateArray()];
                        }
                    }
                }
            }
        }

        return (changed, root.TryGetProperty("time", out var t) && t.TryGetDateTimeOffset(out var time) ? time : null);
    }

    /// <summary>
    /// Sends a write once per <paramref name="requestKey"/>: under the key as its <c>requestid</c> (QuickBooks answers a
    /// repeat with its first answer), or, once QuickBooks refused it (a <c>Fault</c>, by an exception or in what
    /// <paramref name="refusedIn"/> finds in the answer), under a new one per refusal: QuickBooks would answer the old one
    /// with the same refusal forever. An attempt that got no answer keeps its requestid.
    /// </summary>
    private async Task<T> OnceAsync<T>(string requestKey, Func<string, Task<T>> send, Func<T, QuickBooksApiException?> refusedIn, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestKey);
        var refusals = await state.GetAsync(RefusedWritesScope, requestKey, cancellationToken).ConfigureAwait(false);
        var requestId = refusals?.Status is { } generation ? QuickBooksMapping.RequestId("rq", requestKey, generation) : requestKey;
        T result;
        try
        {
            result = await send(requestId).ConfigureAwait(false);
        }
        catch (QuickBooksApiException ex) when (ex.Status is (>= 200 and < 300) or (>= 400 and < 500) && ex.Status is not (401 or 403 or 408 or 429)
                                                 && ex.ErrorCode != JsonHttp.MalformedResponse)
        {
            await NoteRefusedAsync(refusals, requestKey, ex.ErrorCode).ConfigureAwait(false);
            throw;
        }

        if (refusedIn(result) is { } refused)
        {
            await NoteRefusedAsync(refusals, requestKey, refused.ErrorCode).ConfigureAwait(false);
        }

        return result;
    }

    private async Task NoteRefusedAsync(Processing.SyncRecord? refusals, string requestKey, string? errorCode)
    {
        var next = refusals ?? new Processing.SyncRecord(RefusedWritesScope, requestKey);
        next.Status = ((int.TryParse(next.Status, CultureInfo.InvariantCulture, out var n) ? n : 0) + 1).ToString(CultureInfo.InvariantCulture);
        next.Hash = errorCode;
        await state.TrySaveAsync(next, CancellationToken.None).ConfigureAwait(false); // a lost race: the other writer moved it on
    }

    /// <summary>The <c>bId</c> of the request at <paramref name="index"/>.</summary>
    internal static string BatchId(int index) => index.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A batch answer (<c>{"BatchItemResponse":[{"bId", &lt;Entity&gt; | "QueryResponse" | "Fault"}]}</c>) matched back to
    /// its requests by <c>bId</c>; a request without an answer fails transiently (not run, as far as the app can tell).
    /// </summary>
    internal static QuickBooksBatchAnswer[] Answers(JsonElement root, IReadOnlyList<QuickBooksBatchRequest> requests)
    {
        var answers = new QuickBooksBatchAnswer?[requests.Count];
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("BatchItemResponse", out var responses) && responses.ValueKind == JsonValueKind.Array)
        {
            foreach (var response in responses.EnumerateArray())
            {
                if (Text(response, "bId") is not { } bId || !int.TryParse(bId, NumberStyles.None, CultureInfo.InvariantCulture, out var i)
                    || i >= answers.Length || answers[i] is not null || BatchId(i) != bId)
                {
                    continue;
                }

                answers[i] = Fault(response) is { } fault
                    ? new QuickBooksBatchAnswer(null, [], new QuickBooksApiException(fault.Type is "SystemFault" ? 500 : 400, fault.Code, null, fault.Detail,
                        transient: fault.Type is "SystemFault" ? true : null))
                    : requests[i].Entity is { } entity
                        ? Entity(response, entity) is { } written
                            ? new QuickBooksBatchAnswer(written.Clone(), [], null)
                            : new QuickBooksBatchAnswer(null, [], new QuickBooksApiException(200, JsonHttp.MalformedResponse, null, $"the batch answer has no {entity}", transient: true))
                        : new QuickBooksBatchAnswer(null, Found(response), null);
            }
        }

        return [.. answers.Select(a => a ?? new QuickBooksBatchAnswer(null, [],
            new QuickBooksApiException(200, JsonHttp.MalformedResponse, null, "the batch answer has no result for this payload", transient: true)))];
    }

    /// <summary>The entities of a query's answer (<c>{"QueryResponse": {"Item": [...]}}</c>, <c>{}</c> when none).</summary>
    private static IReadOnlyList<JsonElement> Found(JsonElement response)
        => response.TryGetProperty("QueryResponse", out var query) && query.ValueKind == JsonValueKind.Object
            ? [.. query.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array).SelectMany(p => p.Value.EnumerateArray()).Select(e => e.Clone())]
            : [];

    /// <summary>Quotes a value for a query's where clause (<c>'O\'Brien'</c>).</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
    }

    /// <summary>A string property, or null.</summary>
    public static string? Text(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
            && value.ToString() is { Length: > 0 } text ? text : null;

    private static JsonElement? Entity(JsonElement root, string entity)
        => root.TryGetProperty(entity, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken, bool batch = false)
    {
        var o = options.Value;
        var waitUntil = timeProvider.GetUtcNow() + TimeSpan.FromSeconds(o.MaxThrottleWaitSeconds);
        string? refused = null;
        while (true)
        {
            var (token, realm) = await connection.GetAsync(refused, cancellationToken).ConfigureAwait(false);
            var uri = $"v3/company/{Uri.EscapeDataString(realm)}/{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}minorversion={o.MinorVersion}";
            using var request = new HttpRequestMessage(method, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }

            using var batchLease = batch ? await rateLimit.AcquireBatchAsync(cancellationToken).ConfigureAwait(false) : null;
            using var lease = await rateLimit.AcquireAsync(cancellationToken).ConfigureAwait(false);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (JsonHttp.IsNoAnswer(ex, cancellationToken))
            {
                throw new QuickBooksApiException(0, null, null, $"no answer ({ex.GetType().Name})", ex);
            }

            using (response)
            {
                var tid = response.Headers.TryGetValues("intuit_tid", out var tids) ? tids.FirstOrDefault() : null;
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    if (refused is null)
                    {
                        refused = token; // expired or revoked: refresh once
                        continue;
                    }

                    throw connection.RefusedFreshToken(token);
                }

                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    var wait = response.Headers.RetryAfter?.Delta
                        ?? (response.Headers.RetryAfter?.Date is { } date ? date - timeProvider.GetUtcNow() : TimeSpan.FromSeconds(o.ThrottleWaitSeconds));
                    wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
                    if (timeProvider.GetUtcNow() + wait > waitUntil)
                    {
                        throw new QuickBooksApiException(429, "3001", tid, $"throttled for longer than {o.MaxThrottleWaitSeconds} s", transient: true);
                    }

                    LogThrottled((int)wait.TotalMilliseconds);
                    await Task.Delay(wait, timeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                JsonDocument document;
                try
                {
                    document = JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
                }
                catch (JsonException ex)
                {
                    throw new QuickBooksApiException((int)response.StatusCode, response.IsSuccessStatusCode ? JsonHttp.MalformedResponse : null, tid,
                        "the answer is not JSON", ex, transient: response.IsSuccessStatusCode || (int)response.StatusCode >= 500 ? true : null);
                }

                using (document)
                {
                    var root = document.RootElement;
                    if (Fault(root) is { } fault)
                    {
                        // The authentication layer's detail can quote the token it refused: only its code and type are kept.
                        var detail = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? $"{fault.Type} fault {fault.Code}" : fault.Detail;
                        throw new QuickBooksApiException((int)response.StatusCode, fault.Code, tid, detail,
                            transient: fault.Type is "SystemFault" || (int)response.StatusCode >= 500 ? true : null);
                    }

                    if (!response.IsSuccessStatusCode)
                    {
                        throw new QuickBooksApiException((int)response.StatusCode, null, tid, $"HTTP {(int)response.StatusCode}");
                    }

                    return root.Clone();
                }
            }
        }
    }

    /// <summary>The first error of a <c>Fault</c> (<c>fault</c> in the authentication layer's answers), if the answer has one.</summary>
    internal static (string? Code, string Detail, string? Type)? Fault(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !(root.TryGetProperty("Fault", out var fault) || root.TryGetProperty("fault", out fault)) || fault.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var type = Text(fault, "type");
        var errors = fault.TryGetProperty("Error", out var e) || fault.TryGetProperty("error", out e) ? e : default;
        if (errors.ValueKind != JsonValueKind.Array || errors.GetArrayLength() == 0)
        {
            return (null, type ?? "a fault without errors", type);
        }

        var first = errors[0];
        var message = Text(first, "Message") ?? Text(first, "message");
        var detail = Text(first, "Detail") ?? Text(first, "detail");
        var element = Text(first, "element");
        var text = string.Join(": ", new[] { message, detail }.Where(s => s is not null)) + (element is null ? "" : $" (element {element})");
        return (Text(first, "code"), text.Length <= MaxDetailChars ? text : text[..MaxDetailChars] + "...", type);
    }

    [LoggerMessage(LogLevel.Warning, "QuickBooks throttled the app (429); waiting {WaitMs} ms")]
    private partial void LogThrottled(int waitMs);
}

/// <summary>
/// At most <see cref="QuickBooksOptions.RequestsPerMinute"/> calls a minute leave this instance, and of them at most
/// <see cref="QuickBooksOptions.BatchRequestsPerMinute"/> batch calls (Intuit's limits are per company: 500 calls and 40
/// batches a minute). A sliding window each; more wait their turn. The batches' window is held a little longer than a
/// minute (a permit comes back 60.5 to 66 s after its use, never sooner), so even a strict 60-second window at Intuit
/// never sees one batch too many.
/// </summary>
public sealed class QuickBooksRateLimit(IOptions<QuickBooksOptions> options) : IDisposable
{
    private readonly SlidingWindowRateLimiter _calls = Window(options.Value.RequestsPerMinute, TimeSpan.FromMinutes(1), 6);
    private readonly SlidingWindowRateLimiter _batches = Window(options.Value.BatchRequestsPerMinute, TimeSpan.FromSeconds(66), 12);

    /// <summary>Waits for a call's permit.</summary>
    public async ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken)
        => await _calls.AcquireAsync(1, cancellationToken).ConfigureAwait(false);

    /// <summary>Waits for a batch call's permit (it takes a call's permit too).</summary>
    public async ValueTask<RateLimitLease> AcquireBatchAsync(CancellationToken cancellationToken)
        => await _batches.AcquireAsync(1, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public void Dispose()
    {
        _calls.Dispose();
        _batches.Dispose();
    }

    private static SlidingWindowRateLimiter Window(int permits, TimeSpan window, int segments) => new(new SlidingWindowRateLimiterOptions
    {
        PermitLimit = permits,
        Window = window,
        SegmentsPerWindow = segments,
        QueueLimit = 100_000,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });
}

/// <summary>One payload of a QuickBooks batch: a query, or a write of one entity.</summary>
/// <param name="Query">The query (<c>select * from Item where ...</c>), for a query.</param>
/// <param name="Entity">The entity written (<c>Item</c>), for a write.</param>
/// <param name="Operation"><c>create</c>, <c>update</c> (<c>delete</c>), for a write.</param>
/// <param name="Body">The entity's fields, for a write.</param>
public sealed record QuickBooksBatchRequest(string? Query, string? Entity, string? Operation, JsonObject? Body)
{
    /// <summary>A query.</summary>
    public static QuickBooksBatchRequest Select(string query) => new(query, null, null, null);

    /// <summary>A write of <paramref name="entity"/>.</summary>
    public static QuickBooksBatchRequest Write(string entity, string operation, JsonObject body) => new(null, entity, operation, body);
}

/// <summary>What one payload of a batch got: the entity as written, the entities a query found, or its failure.</summary>
public sealed record QuickBooksBatchAnswer(JsonElement? Entity, IReadOnlyList<JsonElement> Found, QuickBooksApiException? Error);
