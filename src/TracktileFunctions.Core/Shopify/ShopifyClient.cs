using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Http;

namespace TracktileFunctions.Shopify;

/// <summary>
/// Shopify's GraphQL Admin API for one pinned version: <c>POST https://{shop}/admin/api/{version}/graphql.json</c> with
/// <c>X-Shopify-Access-Token</c>. It reads every answer's <c>extensions.cost.throttleStatus</c>, waits when Shopify
/// says <c>THROTTLED</c> (as a 200 or a 429) until the bucket holds what the query costs, and turns top-level
/// <c>errors</c> into <see cref="ShopifyApiException"/> (permanent for a query Shopify finds invalid, transient for
/// throttling and internal errors).
/// </summary>
public sealed partial class ShopifyClient(
    HttpClient http, ShopifyTokenCache tokens, ShopifyCostBuckets buckets, IOptions<ShopifyOptions> options, TimeProvider timeProvider, ILogger<ShopifyClient> logger)
{
    private static readonly JsonHttp.ErrorFactory Error = (s, c, r, d, i) => new ShopifyApiException(s, c, r, d, i);

    private readonly ShopifyOptions _options = options.Value;

    /// <summary>The pinned API version.</summary>
    public string ApiVersion => _options.ApiVersion;

    /// <summary>The shop's root URL (<c>https://{shop}/</c>).</summary>
    public Uri ShopRoot(string shop) => new(_options.ShopUrl.Replace("{shop}", shop, StringComparison.Ordinal), UriKind.Absolute);

    /// <summary>Runs <paramref name="document"/> in <paramref name="shop"/> and returns its <c>data</c>.</summary>
    /// <exception cref="ShopifyApiException">Shopify refused it, or throttling outlasted <see cref="ShopifyOptions.MaxThrottleWaitSeconds"/>.</exception>
    public async Task<JsonElement> ExecuteAsync(string shop, string document, JsonObject variables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var body = new JsonObject
        {
            ["query"] = document,
            ["operationName"] = ShopifyDocuments.NameOf(document),
            ["variables"] = variables.DeepClone(),
        };
        var url = new Uri(ShopRoot(shop), $"admin/api/{_options.ApiVersion}/graphql.json");
        var operation = ShopifyDocuments.NameOf(document);
        var waitUntil = timeProvider.GetUtcNow() + TimeSpan.FromSeconds(_options.MaxThrottleWaitSeconds);
        var refreshedToken = false;
        while (true)
        {
            var token = await TokenAsync(shop, cancellationToken).ConfigureAwait(false);
            if (buckets.WaitBefore(shop, operation) is { } before && before > TimeSpan.Zero)
            {
                await Task.Delay(before, timeProvider, cancellationToken).ConfigureAwait(false);
            }

            using var response = await SendAsync(url, body, token, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized && !refreshedToken && _options.Shop(shop)?.AccessToken is null)
            {
                tokens.Invalidate(shop, token); // expired or revoked: one new grant, then Shopify's answer stands
                refreshedToken = true;
                continue;
            }

            using var answer = await ReadAsync(response, cancellationToken).ConfigureAwait(false);
            var root = answer.RootElement;
            var throttle = Throttle.From(root);
            buckets.Observe(shop, operation, throttle.Requested, throttle.Maximum, throttle.Available, throttle.RestoreRate);
            if (response.StatusCode == HttpStatusCode.TooManyRequests || HasCode(root, "THROTTLED"))
            {
                var wait = throttle.WaitFor(response.Headers.RetryAfter?.Delta);
                if (timeProvider.GetUtcNow() + wait > waitUntil)
                {
                    throw new ShopifyApiException(429, "THROTTLED", RequestId(response), $"throttled by {shop} for longer than {_options.MaxThrottleWaitSeconds} s");
                }

                LogThrottled(shop, operation, throttle.Requested, throttle.Available, (int)wait.TotalMilliseconds);
                await Task.Delay(wait, timeProvider, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new ShopifyApiException((int)response.StatusCode, null, RequestId(response), Describe(root));
            }

            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var internalError = HasCode(root, "INTERNAL_SERVER_ERROR") || HasCode(root, "SERVICE_UNAVAILABLE");
                throw new ShopifyApiException(200, FirstCode(errors), RequestId(response), Describe(root), transient: internalError);
            }

            return root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                ? data.Clone()
                : throw new ShopifyApiException(200, JsonHttp.MalformedResponse, RequestId(response), "no data in the answer");
        }
    }

    /// <summary>Throws for a mutation's <c>userErrors</c>: permanent, except the codes Shopify documents as retryable.</summary>
    public static void ThrowOnUserErrors(JsonElement payload, string what, params string[] transientCodes)
    {
        if (payload.ValueKind != JsonValueKind.Object || !payload.TryGetProperty("userErrors", out var errors) || errors.GetArrayLength() == 0)
        {
            return;
        }

        var first = errors[0];
        var code = first.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var message = first.TryGetProperty("message", out var m) ? m.GetString() : null;
        var field = first.TryGetProperty("field", out var f) && f.ValueKind == JsonValueKind.Array ? string.Join('.', f.EnumerateArray().Select(x => x.ToString())) : null;
        throw new ShopifyApiException(200, code, null, $"{what} refused: {message}{(field is null ? "" : $" ({field})")}",
            transient: code is not null && transientCodes.Contains(code, StringComparer.Ordinal));
    }

    private async Task<string> TokenAsync(string shop, CancellationToken cancellationToken)
    {
        var configured = _options.Shop(shop) ?? throw new ShopifyApiException(0, "unknown_shop", null, $"{shop} is not one of Shopify:Shops", transient: false);
        if (configured.AccessToken is { } fixedToken)
        {
            return fixedToken;
        }

        return await tokens.GetAsync(shop, ct => GrantAsync(shop, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The client credentials grant: <c>POST https://{shop}/admin/oauth/access_token</c>.</summary>
    private async Task<(string Token, TimeSpan Lifetime)> GrantAsync(string shop, CancellationToken cancellationToken)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = _options.ClientId ?? "",
            ["client_secret"] = _options.ClientSecrets.FirstOrDefault() ?? "",
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(ShopRoot(shop), "admin/oauth/access_token")) { Content = form };
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (JsonHttp.IsNoAnswer(ex, cancellationToken))
        {
            throw new ShopifyApiException(0, null, null, $"the token endpoint of {shop} did not answer ({ex.GetType().Name})", ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                // The body is not carried: an OAuth error answer can echo what was sent.
                throw new ShopifyApiException((int)response.StatusCode, "token_refused", RequestId(response),
                    $"{shop} refused the client credentials grant (check Shopify:ClientId, Shopify:ClientSecrets:0 and that the app is installed)",
                    transient: true); // a credential is fixed in configuration: the event waits for it through the queue's retries
            }

            var grant = await JsonHttp.ReadAsync<TokenAnswer>(response, Error, cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrEmpty(grant.AccessToken))
            {
                throw new ShopifyApiException(200, JsonHttp.MalformedResponse, null, "the token answer has no access_token");
            }

            return (grant.AccessToken, TimeSpan.FromSeconds(grant.ExpiresIn is > 0 ? grant.ExpiresIn.Value : 86_399));
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, JsonObject body, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Shopify-Access-Token", token);
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (JsonHttp.IsNoAnswer(ex, cancellationToken))
        {
            throw new ShopifyApiException(0, null, null, $"no answer ({ex.GetType().Name})", ex);
        }
    }

    private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
        }
        catch (JsonException ex)
        {
            throw new ShopifyApiException((int)response.StatusCode, JsonHttp.MalformedResponse, RequestId(response), "the answer is not JSON", ex,
                transient: response.IsSuccessStatusCode || (int)response.StatusCode >= 500 ? true : null);
        }
    }

    private static bool HasCode(JsonElement root, string code)
        => root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
            && errors.EnumerateArray().Any(e => e.TryGetProperty("extensions", out var x) && x.ValueKind == JsonValueKind.Object
                && x.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String && c.GetString() == code);

    private static string? FirstCode(JsonElement errors)
        => errors.EnumerateArray().Select(e => e.TryGetProperty("extensions", out var x) && x.ValueKind == JsonValueKind.Object
            && x.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null).FirstOrDefault(c => c is not null);

    /// <summary>Shopify's messages (a query's errors never hold a token or a secret), or the string <c>errors</c> of a refused request.</summary>
    private static string Describe(JsonElement root)
    {
        if (!root.TryGetProperty("errors", out var errors))
        {
            return "no error detail";
        }

        var text = errors.ValueKind switch
        {
            JsonValueKind.String => errors.GetString() ?? "",
            JsonValueKind.Array => string.Join("; ", errors.EnumerateArray().Select(e => e.TryGetProperty("message", out var m) ? m.GetString() : e.ToString())),
            _ => errors.ToString(),
        };
        return text.Length <= 500 ? text : text[..500] + "...";
    }

    private static string? RequestId(HttpResponseMessage response)
        => response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.FirstOrDefault() : null;

    [LoggerMessage(LogLevel.Information, "Shopify {Shop} throttled {Operation} (costs {Requested}, {Available} available): waiting {WaitMs} ms")]
    private partial void LogThrottled(string shop, string operation, double requested, double available, int waitMs);

    private sealed record TokenAnswer(
        [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string? AccessToken,
        [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int? ExpiresIn);

    /// <summary>What <c>extensions.cost</c> says: the query's cost, the bucket now, and its refill rate.</summary>
    internal readonly record struct Throttle(double Requested, double Maximum, double Available, double RestoreRate)
    {
        public static Throttle From(JsonElement root)
        {
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("extensions", out var x) && x.ValueKind == JsonValueKind.Object
                && x.TryGetProperty("cost", out var cost) && cost.ValueKind == JsonValueKind.Object)
            {
                var requested = Number(cost, "requestedQueryCost");
                var status = cost.TryGetProperty("throttleStatus", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
                var known = status.ValueKind == JsonValueKind.Object;
                return new Throttle(requested, known ? Number(status, "maximumAvailable") : 0, known ? Number(status, "currentlyAvailable") : 0,
                    known ? Number(status, "restoreRate") : 0);
            }

            return default;
        }

        /// <summary>Until the bucket holds the query's cost at its refill rate; Retry-After, or 1 s, when the answer did not say.</summary>
        public TimeSpan WaitFor(TimeSpan? retryAfter)
        {
            if (RestoreRate > 0 && Requested > 0)
            {
                var seconds = Math.Max(0, Requested - Available) / RestoreRate;
                return TimeSpan.FromSeconds(Math.Clamp(seconds, 0.1, 60));
            }

            return retryAfter is { } after && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(1);
        }

        private static double Number(JsonElement element, string name)
            => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : 0;
    }

    /// <summary>A Shopify search term, quoted: <c>sku:"ABC-1"</c>.</summary>
    public static string SearchTerm(string field, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return $"{field}:\"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
    }

    /// <summary>A time in Shopify's search syntax.</summary>
    public static string SearchTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
