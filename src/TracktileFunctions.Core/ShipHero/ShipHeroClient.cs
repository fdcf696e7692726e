using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TracktileFunctions.ShipHero;

/// <summary>
/// ShipHero's GraphQL API (<c>POST /graphql</c>, <c>Authorization: Bearer</c>). A refused token is renewed once; when
/// ShipHero answers that the account has not enough credits (code 30) the call waits the time the error gives and
/// goes on, up to <see cref="ShipHeroOptions.MaxThrottleWaitSeconds"/> (then the event goes back to the queue);
/// other <c>errors</c> become <see cref="ShipHeroApiException"/>.
/// </summary>
public sealed partial class ShipHeroClient(HttpClient http, ShipHeroTokens tokens, IOptions<ShipHeroOptions> options, TimeProvider timeProvider, ILogger<ShipHeroClient> logger)
{
    /// <summary>ShipHero's "not enough credits" error code.</summary>
    public const string NotEnoughCredits = "30";

    /// <summary>Runs <paramref name="document"/> and returns its <c>data</c>.</summary>
    public async Task<JsonElement> ExecuteAsync(string document, JsonObject variables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var body = new JsonObject { ["query"] = document, ["variables"] = variables.DeepClone() };
        var waitUntil = timeProvider.GetUtcNow() + TimeSpan.FromSeconds(options.Value.MaxThrottleWaitSeconds);
        string? refused = null;
        while (true)
        {
            var token = await tokens.GetAsync(http, refused, cancellationToken).ConfigureAwait(false);
            using var request = new HttpRequestMessage(HttpMethod.Post, "graphql") { Content = JsonContent.Create(body) };
            request.Headers.Authorization = new("Bearer", token);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Http.JsonHttp.IsNoAnswer(ex, cancellationToken))
            {
                throw new ShipHeroApiException(0, null, null, $"no answer ({ex.GetType().Name})", ex);
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Unauthorized && refused is null)
                {
                    refused = token; // expired or revoked: renew once, then ShipHero's answer stands
                    continue;
                }

                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                JsonDocument answer;
                try
                {
                    answer = JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
                }
                catch (JsonException ex)
                {
                    throw new ShipHeroApiException((int)response.StatusCode, Http.JsonHttp.MalformedResponse, null, "the answer is not JSON", ex, transient: true);
                }

                using (answer)
                {
                    var root = answer.RootElement;
                    var errors = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0
                        ? e
                        : (JsonElement?)null;
                    if (errors is { } throttled && Code(throttled[0]) == NotEnoughCredits)
                    {
                        var wait = WaitOf(throttled[0]);
                        if (timeProvider.GetUtcNow() + wait > waitUntil)
                        {
                            throw new ShipHeroApiException(200, NotEnoughCredits, RequestId(throttled[0]), $"not enough credits for longer than {options.Value.MaxThrottleWaitSeconds} s", transient: true);
                        }

                        LogThrottled((int)wait.TotalMilliseconds);
                        await Task.Delay(wait, timeProvider, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    if (!response.IsSuccessStatusCode)
                    {
                        throw new ShipHeroApiException((int)response.StatusCode, errors is { } he ? Code(he[0]) : null, null, errors is { } m ? Message(m[0]) : $"HTTP {(int)response.StatusCode}");
                    }

                    if (errors is { } failed)
                    {
                        // A refusal of the input (no code), a missing record (5) or a missing scope (7) is permanent; any other code is ShipHero's trouble: retried.
                        var code = Code(failed[0]);
                        throw new ShipHeroApiException(200, code, RequestId(failed[0]), Message(failed[0]), transient: code is not (null or "5" or "7"));
                    }

                    return root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                        ? data.Clone()
                        : throw new ShipHeroApiException(200, Http.JsonHttp.MalformedResponse, null, "no data in the answer", transient: true);
                }
            }
        }
    }

    /// <summary>The wait a throttling error gives (<c>time_remaining: "5 seconds"</c>, or "in N seconds" in its message); 1 s when it gives none.</summary>
    internal static TimeSpan WaitOf(JsonElement error)
    {
        var text = error.TryGetProperty("time_remaining", out var t) ? t.ToString() : Message(error);
        var match = SecondsPattern().Match(text);
        var seconds = match.Success && double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 1;
        return TimeSpan.FromSeconds(Math.Clamp(seconds, 0.1, 60));
    }

    private static string? Code(JsonElement error)
        => error.TryGetProperty("code", out var c) && c.ValueKind is JsonValueKind.Number or JsonValueKind.String ? c.ToString() : null;

    private static string? RequestId(JsonElement error)
        => error.TryGetProperty("request_id", out var r) ? r.ToString() : null;

    private static string Message(JsonElement error)
    {
        var message = error.TryGetProperty("message", out var m) ? m.ToString() : error.ToString();
        return message.Length <= 500 ? message : message[..500] + "...";
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)\s*second", RegexOptions.IgnoreCase)]
    private static partial Regex SecondsPattern();

    [LoggerMessage(LogLevel.Information, "ShipHero: not enough credits; waiting {WaitMs} ms")]
    private partial void LogThrottled(int waitMs);
}
