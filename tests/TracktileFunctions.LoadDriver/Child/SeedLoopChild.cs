using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TracktileFunctions.LoadDriver.Child;

/// <summary>
/// The seed's own loop, the baseline: fetch the products changed since a time (every page of
/// <c>GET products?modifiedSince=</c>, in the app's configured paging mode and page size), then
/// <c>PUT products/{id}</c> for each, one by one, awaiting each answer, with a plain <see cref="HttpClient"/> and the
/// ERP authentication the app is configured with. No queue, no storage, no concurrency. Stops after
/// <c>--max</c> products.
/// </summary>
internal static class SeedLoopChild
{
    public static async Task RunAsync(ArgumentReader args, CommandReader commands, MemorySampler sampler)
    {
        var tracktile = new Uri(args.Required("--tracktile"));
        var erp = new Uri(args.Required("--erp"));
        var token = args.Required("--token");
        var max = args.OptionalInt("--max", 1) ?? int.MaxValue;
        var since = args.Required("--since");
        var settings = args.Settings().GroupBy(s => s.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.OrdinalIgnoreCase);
        args.EnsureAllRead();

        var upsertPath = settings.GetValueOrDefault("Erp:Paths:UpsertProduct", "products/{productId}");

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };
        var erpAuth = ErpAuthorization(settings);
        Protocol.Emit(Protocol.Ready);
        await commands.WaitForAsync(Protocol.Go, ChildEntry.WaitForGo).ConfigureAwait(false);
        Protocol.Emit(Protocol.Started);

        // 1. Fetch the changes.
        var products = new List<JsonElement>();
        var pages = await TracktilePages.ReadAsync(http, tracktile, token, settings, since, max, product => products.Add(product.Clone())).ConfigureAwait(false);

        // 2. PUT each, one by one.
        foreach (var product in products)
        {
            var id = product.GetProperty("id").ToString();
            var modifiedAt = product.GetProperty("modifiedAt").GetDateTimeOffset();
            using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(erp, upsertPath.Replace("{productId}", Uri.EscapeDataString(id), StringComparison.Ordinal)))
            {
                Content = new ByteArrayContent(ErpBody(product, id)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            };
            request.Headers.Add("Idempotency-Key", $"tracktile-product-{id}@{modifiedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}");
            if (erpAuth is { } auth)
            {
                request.Headers.TryAddWithoutValidation(auth.Header, auth.Value);
            }

            using var response = await http.SendAsync(request).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException(
                    $"PUT {request.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
            }
        }

        Protocol.Emit(Protocol.Done, new JsonObject { ["products"] = products.Count, ["pages"] = pages });
        await commands.WaitForAsync(Protocol.Stop, ChildEntry.WaitForStop).ConfigureAwait(false);
        Protocol.Emit(Protocol.Result, sampler.Report());
    }

    /// <summary>The contract's product body (docs/erp-contract.md) from the Tracktile product's fields.</summary>
    private static byte[] ErpBody(JsonElement product, string id)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("externalId", id);
            foreach (var name in new[] { "sku", "name", "unit", "active", "modifiedAt", "attributes" })
            {
                if (product.TryGetProperty(name, out var value))
                {
                    json.WritePropertyName(name);
                    value.WriteTo(json);
                }
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The header the app's <c>Erp:Auth</c> settings send, or null for <c>None</c>.</summary>
    private static (string Header, string Value)? ErpAuthorization(Dictionary<string, string> settings)
    {
        var mode = settings.GetValueOrDefault("Erp:Auth:Mode", "None");
        string Setting(string key) => settings.TryGetValue($"Erp:Auth:{key}", out var value)
            ? value
            : throw new UsageException($"Erp:Auth:Mode {mode} needs Erp:Auth:{key} (pass it with --set)");
        return mode.ToUpperInvariant() switch
        {
            "NONE" => null,
            "APIKEY" => (settings.GetValueOrDefault("Erp:Auth:ApiKeyHeader", "X-Api-Key"), Setting("ApiKey")),
            "BEARER" => ("Authorization", "Bearer " + Setting("Token")),
            "BASIC" => ("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Setting("Username")}:{Setting("Password")}"))),
            _ => throw new UsageException($"the seed loop does not implement Erp:Auth:Mode {mode} (None, ApiKey, Bearer and Basic only)"),
        };
    }
}
