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
/// <see cref="QuickBooksOptions.MaxThrottleWaitSeconds"/>; at most 500 calls a minute leave this instance. A <c>Fault</c>
/// (in any answer, even a 200) becomes a <see cref="QuickBooksApiException"/> with its code, message and detail.
/// </summary>
public sealed partial class QuickBooksClient(
    HttpClient http, QuickBooksConnection connection, QuickBooksRateLimit rateLimit, Processing.SyncStateStore state, IOptions<QuickBooksOptions> options,
    TimeProvider timeProvider, ILogger<QuickBooksClient> logger)
{
    /// <summary>The sync state scope of the writes QuickBooks refused (their next try needs a new requestid).</summary>
    public const string RefusedWritesScope = "quickbooks-requestid";

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
        ArgumentException.ThrowIfNullOrEmpty(requestKey);
        var refusals = await state.GetAsync(RefusedWritesScope, requestKey, cancellationToken).ConfigureAwait(false);
        var requestId = refusals?.Status is { } generation ? QuickBooksMapping.RequestId("rq", requestKey, generation) : requestKey;
        var path = $"{entity.ToLowerInvariant()}?{(operation is null ? "" : $"operation={operation}&")}requestid={Uri.EscapeDataString(requestId)}";
        JsonElement root;
        try
        {
            root = await SendAsync(HttpMethod.Post, path, body, cancellationToken).ConfigureAwait(false);
        }
        catch (QuickBooksApiException ex) when (ex.Status is (>= 200 and < 300) or (>= 400 and < 500) && ex.Status is not (401 or 403 or 408 or 429)
                                                 && ex.ErrorCode != JsonHttp.MalformedResponse)
        {
            var next = refusals ?? new Processing.SyncRecord(RefusedWritesScope, requestKey);
            next.Status = ((int.TryParse(next.Status, CultureInfo.InvariantCulture, out var n) ? n : 0) + 1).ToString(CultureInfo.InvariantCulture);
            next.Hash = ex.ErrorCode;
            await state.TrySaveAsync(next, CancellationToken.None).ConfigureAwait(false); // a lost race: the other writer moved it on
            throw;
        }

        return Entity(root, entity) ?? throw new QuickBooksApiException(200, JsonHttp.MalformedResponse, null, $"the answer has no {entity}", transient: true);
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

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
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

/// <summary>At most <see cref="QuickBooksOptions.RequestsPerMinute"/> calls a minute leave this instance (Intuit's limit is per company).</summary>
public sealed class QuickBooksRateLimit(IOptions<QuickBooksOptions> options) : IDisposable
{
    private readonly SlidingWindowRateLimiter _limiter = new(new SlidingWindowRateLimiterOptions
    {
        PermitLimit = options.Value.RequestsPerMinute,
        Window = TimeSpan.FromMinutes(1),
        SegmentsPerWindow = 6,
        QueueLimit = 100_000,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>Waits for a permit.</summary>
    public async ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken)
        => await _limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public void Dispose() => _limiter.Dispose();
}
