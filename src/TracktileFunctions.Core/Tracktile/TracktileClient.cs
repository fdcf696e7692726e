using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Http;

namespace TracktileFunctions.Tracktile;

/// <summary>Tracktile's REST API (a typed <see cref="HttpClient"/> with authentication and resilience configured).</summary>
public sealed class TracktileClient(HttpClient http, IOptions<TracktileClientOptions> options)
{
    private static readonly JsonHttp.ErrorFactory Error = (s, c, r, d, i) => new TracktileApiException(s, c, r, d, i);

    private readonly TracktileClientOptions _options = options.Value;

    /// <summary>Reads one order.</summary>
    /// <exception cref="TracktileApiException">Tracktile refused (404 for an unknown order) or did not answer.</exception>
    public async Task<TracktileOrder> GetOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        using var response = await JsonHttp.SendAsync(
            http, HttpMethod.Get, JsonHttp.Path(_options.OrderPath, ("orderId", orderId)), null, null, Error, cancellationToken).ConfigureAwait(false);
        return await JsonHttp.ReadAsync<TracktileOrder>(response, Error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one inventory entity (a lot).</summary>
    /// <exception cref="TracktileApiException">Tracktile refused (404 for an unknown entity) or did not answer.</exception>
    public async Task<TracktileInventoryEntity> GetInventoryEntityAsync(string entityId, CancellationToken cancellationToken)
    {
        using var response = await JsonHttp.SendAsync(
            http, HttpMethod.Get, JsonHttp.Path(_options.InventoryEntityPath, ("entityId", entityId)), null, null, Error, cancellationToken).ConfigureAwait(false);
        return await JsonHttp.ReadAsync<TracktileInventoryEntity>(response, Error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a customer (its fields are not documented; it is returned as JSON).</summary>
    /// <exception cref="TracktileApiException">Tracktile refused (404 for an unknown customer) or did not answer.</exception>
    public async Task<JsonElement> GetCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        using var response = await JsonHttp.SendAsync(
            http, HttpMethod.Get, JsonHttp.Path(_options.CustomerPath, ("customerId", customerId)), null, null, Error, cancellationToken).ConfigureAwait(false);
        return await JsonHttp.ReadAsync<JsonElement>(response, Error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces a customer (ERP -> Tracktile sync); <paramref name="body"/> is already in Tracktile's format.</summary>
    public async Task PutCustomerAsync(string customerId, JsonElement body, CancellationToken cancellationToken)
    {
        using var _ = await JsonHttp.SendAsync(
            http, HttpMethod.Put, JsonHttp.Path(_options.CustomerPath, ("customerId", customerId)), body, null, Error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Streams every product modified since <paramref name="since"/> (all products when null), page by page as
    /// configured; memory stays flat however many there are.
    /// </summary>
    public async IAsyncEnumerable<JsonElement> GetProductsModifiedSinceAsync(
        DateTimeOffset? since, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var products = _options.Products;
        var query = since is { } s ? $"modifiedSince={Uri.EscapeDataString(FormatTime(s))}" : null;
        if (products.Pagination == ProductPagination.BareArray)
        {
            using var response = await GetAsync(products.Path, query, cancellationToken).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await foreach (var product in ReadArrayAsync(stream, response, cancellationToken).ConfigureAwait(false))
                {
                    yield return product;
                }
            }

            yield break;
        }

        var offset = 0;
        string? cursor = null;
        string? firstOfPreviousPage = null;
        var seenCursors = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var paging = products.Pagination == ProductPagination.OffsetEnvelope
                ? $"{products.LimitParameter}={products.PageSize}&{products.OffsetParameter}={offset}"
                : $"{products.LimitParameter}={products.PageSize}{(cursor is null ? "" : $"&{products.CursorParameter}={Uri.EscapeDataString(cursor)}")}";
            using var response = await GetAsync(products.Path, query is null ? paging : $"{query}&{paging}", cancellationToken).ConfigureAwait(false);
            using var page = await JsonHttp.ReadAsync<JsonDocument>(response, Error, cancellationToken).ConfigureAwait(false);
            if (page.RootElement.ValueKind != JsonValueKind.Object
                || !page.RootElement.TryGetProperty(products.ResultsProperty, out var results)
                || results.ValueKind != JsonValueKind.Array)
            {
                throw new TracktileApiException((int)response.StatusCode, JsonHttp.MalformedResponse, null,
                    $"a products page has no '{products.ResultsProperty}' array (check Tracktile:Api:Products:Pagination)");
            }

            var count = results.GetArrayLength();
            if (products.Pagination == ProductPagination.OffsetEnvelope && count > 0)
            {
                // A server that ignores the offset parameter would hand out page one forever.
                var first = results[0].GetRawText();
                if (offset > 0 && first == firstOfPreviousPage)
                {
                    throw new TracktileApiException((int)response.StatusCode, JsonHttp.MalformedResponse, null,
                        $"the products API returned the same page for offset {offset} (check Tracktile:Api:Products:OffsetParameter)");
                }

                firstOfPreviousPage = first;
            }

            foreach (var product in results.EnumerateArray())
            {
                yield return product.Clone();
            }

            if (products.Pagination == ProductPagination.OffsetEnvelope)
            {
                offset += count;
                long? total = page.RootElement.TryGetProperty(products.TotalProperty, out var t) && t.TryGetInt64(out var n) ? n : null;

                // With a total, page until it is reached (a server may cap the page size below ours); without one, a
                // short page is the last. An empty page always ends it.
                if (count == 0 || (total is { } all ? offset >= all : count < products.PageSize))
                {
                    yield break;
                }

                continue;
            }

            cursor = page.RootElement.TryGetProperty(products.NextCursorProperty, out var next) && next.ValueKind == JsonValueKind.String
                ? next.GetString()
                : null;
            if (string.IsNullOrEmpty(cursor))
            {
                yield break;
            }

            if (!seenCursors.Add(cursor))
            {
                throw new TracktileApiException((int)response.StatusCode, JsonHttp.MalformedResponse, null, "the products cursor repeated itself");
            }
        }
    }

    /// <summary>The <c>modifiedSince</c> format Tracktile documents: ISO 8601 UTC with milliseconds.</summary>
    public static string FormatTime(DateTimeOffset time)
        => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private Task<HttpResponseMessage> GetAsync(string path, string? query, CancellationToken cancellationToken)
        => JsonHttp.SendAsync(http, HttpMethod.Get, query is null ? JsonHttp.Path(path) : $"{JsonHttp.Path(path)}?{query}", null, null, Error, cancellationToken);

    private static async IAsyncEnumerable<JsonElement> ReadArrayAsync(
        Stream stream, HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var items = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, JsonHttp.Options, cancellationToken);
        await using var enumerator = items.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (JsonException ex)
            {
                throw new TracktileApiException((int)response.StatusCode, JsonHttp.MalformedResponse, null,
                    "the products answer is not a JSON array (check Tracktile:Api:Products:Pagination)", ex);
            }

            yield return enumerator.Current;
        }
    }
}
