using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace TracktileFunctions.LoadDriver.Child;

/// <summary>
/// Reads <c>GET products?modifiedSince=</c> page by page with a plain <see cref="HttpClient"/>, in the app's
/// configured paging mode and page size (<c>Tracktile:Api:Products:*</c>), one page after the other as the paging
/// requires: the seed loop's fetch, and the hand-off scenario's read-alone baseline.
/// </summary>
internal static class TracktilePages
{
    /// <summary>Reads up to <paramref name="max"/> products, handing each to <paramref name="onProduct"/>; returns the pages read.</summary>
    public static async Task<int> ReadAsync(
        HttpClient http, Uri tracktile, string token, IReadOnlyDictionary<string, string> settings, string since, int max, Action<JsonElement> onProduct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(onProduct);
        var pagination = settings.GetValueOrDefault("Tracktile:Api:Products:Pagination", "BareArray");
        var pageSize = int.Parse(settings.GetValueOrDefault("Tracktile:Api:Products:PageSize", "100"), CultureInfo.InvariantCulture);
        var productsPath = settings.GetValueOrDefault("Tracktile:Api:Products:Path", "products");
        var read = 0;
        var pages = 0;
        string? cursor = null;
        var offset = 0;
        while (read < max)
        {
            var query = $"modifiedSince={Uri.EscapeDataString(since)}";
            if (!string.Equals(pagination, "BareArray", StringComparison.OrdinalIgnoreCase))
            {
                query += string.Create(CultureInfo.InvariantCulture, $"&limit={pageSize}");
                query += string.Equals(pagination, "CursorEnvelope", StringComparison.OrdinalIgnoreCase)
                    ? (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")
                    : string.Create(CultureInfo.InvariantCulture, $"&offset={offset}");
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(tracktile, $"{productsPath}?{query}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"GET {request.RequestUri} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
            }

            pages++;
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var results = root.ValueKind == JsonValueKind.Array ? root : root.GetProperty("results");
            foreach (var product in results.EnumerateArray())
            {
                if (read < max)
                {
                    onProduct(product);
                    read++;
                }
            }

            var count = results.GetArrayLength();
            offset += count;
            if (root.ValueKind == JsonValueKind.Array)
            {
                break;
            }

            if (string.Equals(pagination, "CursorEnvelope", StringComparison.OrdinalIgnoreCase))
            {
                cursor = root.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
                if (string.IsNullOrEmpty(cursor))
                {
                    break;
                }
            }
            else if (count < pageSize || (root.TryGetProperty("total", out var total) && total.TryGetInt32(out var all) && offset >= all))
            {
                break;
            }
        }

        return pages;
    }
}
