using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TracktileFunctions.Http;

/// <summary>The JSON request/answer plumbing shared by every outbound client.</summary>
internal static class JsonHttp
{
    /// <summary>Error code used when a success answer cannot be read.</summary>
    public const string MalformedResponse = "malformed_response";

    private const int MaxErrorChars = 512;

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public delegate Exception ErrorFactory(int status, string? errorCode, string? requestId, string detail, Exception? inner);

    /// <summary>
    /// Whether <paramref name="exception"/> means the call got no answer (a connection failure, a timeout of the
    /// resilience pipeline or of the client) rather than that the caller gave up (<paramref name="cancellationToken"/>).
    /// </summary>
    public static bool IsNoAnswer(Exception exception, CancellationToken cancellationToken)
        => exception is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Sends a request; throws the client's exception for any non-success answer.</summary>
    public static async Task<HttpResponseMessage> SendAsync(
        HttpClient http, HttpMethod method, string path, object? body, string? idempotencyKey, ErrorFactory error,
        CancellationToken cancellationToken, Action<HttpRequestMessage>? configure = null)
        => await SendAsync(http, method, new Uri(path, UriKind.RelativeOrAbsolute), body, idempotencyKey, error, cancellationToken, configure).ConfigureAwait(false);

    /// <summary>Sends a request to <paramref name="uri"/> (relative to the client's base, or absolute); throws the client's exception for any non-success answer.</summary>
    public static async Task<HttpResponseMessage> SendAsync(
        HttpClient http, HttpMethod method, Uri uri, object? body, string? idempotencyKey, ErrorFactory error,
        CancellationToken cancellationToken, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, uri);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Options);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        configure?.Invoke(request);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsNoAnswer(ex, cancellationToken))
        {
            throw error(0, null, null, $"no answer ({ex.GetType().Name})", ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var (code, message) = ParseError(text);
            var requestId = RequestIdHeaders.Select(h => response.Headers.TryGetValues(h, out var ids) ? ids.FirstOrDefault() : null).FirstOrDefault(id => id is not null);
            throw error((int)response.StatusCode, code, requestId, message ?? Truncate(text), null);
        }
    }

    /// <summary>Reads a success answer's JSON body; an unreadable one is a transient failure.</summary>
    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, ErrorFactory error, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Options, cancellationToken).ConfigureAwait(false)
                ?? throw new JsonException("empty body");
        }
        catch (JsonException ex)
        {
            throw error((int)response.StatusCode, MalformedResponse, null, "the answer is not the expected JSON", ex);
        }
    }

    private static readonly string[] RequestIdHeaders = ["x-request-id", "request-id", "x-ms-request-id"];

    /// <summary>Reads <c>{code, message}</c>, or the OData/Microsoft shape <c>{"error": {code, message}}</c>.</summary>
    /// <summary>The code and message of an error body (<c>{"error":{"code","message"}}</c> and its kin), when it has them.</summary>
    public static (string? Code, string? Message) ParseError(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            if (root.TryGetProperty("error", out var nested) && nested.ValueKind == JsonValueKind.Object)
            {
                root = nested;
            }

            var code = root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            return (code, message is null ? null : Truncate(message));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string Truncate(string text) => text.Length <= MaxErrorChars ? text : text[..MaxErrorChars] + "...";

    /// <summary>
    /// Fills <c>{name}</c> placeholders of a configured path with URL-escaped values. A value that escaping leaves
    /// able to change the path (empty, <c>.</c> or <c>..</c>, which a URL resolves as "this" or "the parent" segment)
    /// is refused as a permanent failure naming the field: an id from a payload never chooses where a call goes.
    /// </summary>
    /// <exception cref="Processing.PermanentProcessingException">A value is not a usable path segment.</exception>
    public static string Path(string template, params ReadOnlySpan<(string Name, string Value)> values)
    {
        var path = template;
        foreach (var (name, value) in values)
        {
            if (string.IsNullOrWhiteSpace(value) || value is "." or "..")
            {
                throw new Processing.PermanentProcessingException(
                    $"'{name}' is {(string.IsNullOrEmpty(value) ? "empty" : $"'{value.Trim()}'")}: not a usable id in a URL path");
            }

            path = path.Replace("{" + name + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
        }

        return path.TrimStart('/');
    }
}
