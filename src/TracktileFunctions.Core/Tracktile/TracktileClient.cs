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

    /// <summary>The id of the order a shipment belongs to, read from the shipment (its path and field are settings).</summary>
    /// <exception cref="TracktileApiException">Tracktile refused or did not answer.</exception>
    public async Task<string?> GetShipmentOrderIdAsync(string shipmentId, CancellationToken cancellationToken)
    {
        using var response = await JsonHttp.SendAsync(
            http, HttpMethod.Get, JsonHttp.Path(_options.ShipmentPath, ("shipmentId", shipmentId)), null, null, Error, cancellationToken).ConfigureAwait(false);
        var shipment = await JsonHttp.ReadAsync<JsonElement>(response, Error, cancellationToken).ConfigureAwait(false);
        return shipment.ValueKind == JsonValueKind.Object && shipment.TryGetProperty(_options.ShipmentOrderIdProperty, out var id)
               && id.ValueKind is JsonValueKind.String or JsonValueKind.Number && id.ToString() is { Length: > 0 } text
            ? text
            : null;
    }

    /// <summary>Creates an order (<c>POST /orders</c>) and returns its id. Never retried by the client: see <see cref="FindOrderIdsByShortIdAsync"/>.</summary>
    /// <exception cref="TracktileApiException">Tracktile refused or did not answer (the order may then exist).</exception>
    public async Task<string> CreateOrderAsync(object order, CancellationToken cancellationToken)
    {
        using var response = await JsonHttp.SendAsync(http, HttpMethod.Post, JsonHttp.Path(_options.CreateOrderPath), order, null, Error, cancellationToken).ConfigureAwait(false);
        var created = await JsonHttp.ReadAsync<JsonElement>(response, Error, cancellationToken).ConfigureAwait(false);
        return created.ValueKind == JsonValueKind.Object && created.TryGetProperty("id", out var id) && id.ToString() is { Length: > 0 } text
            ? text
            : throw new TracktileApiException((int)response.StatusCode, JsonHttp.MalformedResponse, null, "the created order has no id");
    }

    /// <summary>The ids of the orders with <paramref name="shortId"/>; null when no look-up is configured or Tracktile does not offer it (404, 405).</summary>
    public async Task<IReadOnlyList<string>?> FindOrderIdsByShortIdAsync(string shortId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(_options.OrderLookupPath))
        {
            return null;
        }

        JsonElement found;
        try
        {
            using var response = await JsonHttp.SendAsync(
                http, HttpMethod.Get, JsonHttp.Path(_options.OrderLookupPath, ("shortId", shortId)), null, null, Error, cancellationToken).ConfigureAwait(false);
            found = await JsonHttp.ReadAsync<JsonElement>(response, Error, cancellationToken).ConfigureAwait(false);
        }
        catch (TracktileApiException ex) when (ex.Status is 404 or 405 or 501)
        {
            return null;
        }

        var orders = Items(found).Where(o => o.ValueKind == JsonValueKind.Object).ToList();
        if (orders.Any(o => !o.TryGetProperty("shortId", out var s) || s.GetString() != shortId))
        {
            return null; // the filter was not applied (orders of other shortIds came back): an answer without it proves nothing
        }

        return [.. orders.Where(o => o.TryGetProperty("id", out _)).Select(o => o.GetProperty("id").ToString())];
    }

    /// <summary>
    /// Tracktile's webhook registrations (<c>GET /hooks</c>: a bare array or a <c>results</c> envelope). An entry without
    /// the id (<see cref="TracktileHooksOptions.IdProperty"/>) makes the whole list unusable: a failure naming the setting.
    /// </summary>
    public async Task<IReadOnlyList<TracktileHook>> ListHooksAsync(TracktileHooksOptions hooks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        using var response = await GetAsync(hooks.HooksPath, null, cancellationToken).ConfigureAwait(false);
        var found = await JsonHttp.ReadAsync<JsonElement>(response, Error, cancellationToken).ConfigureAwait(false);
        var listed = Items(found).Where(h => h.ValueKind == JsonValueKind.Object).Select(h => Hook(h, hooks)).ToList();
        return listed.Contains(null)
            ? throw new TracktileApiException((int)response.StatusCode, JsonHttp.MalformedResponse, null,
                $"{listed.Count(h => h is null)} listed registrations have no '{hooks.IdProperty}' (check Tracktile:Hooks:IdProperty)")
            : [.. listed.Select(h => h!)];
    }

    /// <summary>
    /// Creates a registration (<c>POST /hooks</c>, never retried blind: a lost answer leaves a registration whose secret
    /// the app never saw, which the next setup finds and rotates) and returns it with the secret Tracktile reveals once.
    /// </summary>
    public async Task<(TracktileHook Hook, string Secret)> CreateHookAsync(TracktileHooksOptions hooks, string name, string url, string kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        using var response = await JsonHttp.SendAsync(http, HttpMethod.Post, JsonHttp.Path(hooks.HooksPath), new { name, url, on = kind }, null, Error, cancellationToken)
            .ConfigureAwait(false);
        return await HookWithSecretAsync(response, hooks, "created", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rotates a registration's secret (<c>POST /hooks/{id}/rotate</c>: the old one stops at once) and returns the new one.</summary>
    public async Task<(TracktileHook Hook, string Secret)> RotateHookAsync(TracktileHooksOptions hooks, string hookId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        using var response = await JsonHttp.SendAsync(http, HttpMethod.Post, JsonHttp.Path(hooks.RotatePath, ("hookId", hookId)), null, null, Error, cancellationToken)
            .ConfigureAwait(false);
        return await HookWithSecretAsync(response, hooks, "rotated", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a registration (<c>DELETE /hooks/{id}</c>); an unknown one is already gone.</summary>
    public async Task DeleteHookAsync(TracktileHooksOptions hooks, string hookId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        try
        {
            using var _ = await JsonHttp.SendAsync(http, HttpMethod.Delete, JsonHttp.Path(hooks.HookPath, ("hookId", hookId)), null, null, Error, cancellationToken).ConfigureAwait(false);
        }
        catch (TracktileApiException ex) when (ex.Status == 404)
        {
        }
    }

    private static async Task<(TracktileHook Hook, string Secret)> HookWithSecretAsync(
        HttpResponseMessage response, TracktileHooksOptions hooks, string what, CancellationToken cancellationToken)
    {
        var answer = await JsonHttp.ReadAsync<JsonElement>(response, Error, cancellationToken).ConfigureAwait(false);
        var hook = answer.ValueKind == JsonValueKind.Object ? Hook(answer, hooks) : null;
        var secret = answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("secret", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        return hook is not null && !string.IsNullOrEmpty(secret)
            ? (hook, secret)
            : throw new TracktileApiException((int)response.StatusCode, JsonHttp.MalformedResponse, null, $"the {what} registration has no {hooks.IdProperty} or no secret");
    }

    private static TracktileHook? Hook(JsonElement hook, TracktileHooksOptions hooks)
    {
        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.String or JsonValueKind.Number ? v.ToString() : null;
        return Text(hook, hooks.IdProperty) is { Length: > 0 } id ? new TracktileHook(id, Text(hook, "name"), Text(hook, "url"), Text(hook, "on")) : null;
    }

    /// <summary>Sets an order's status (the path and method are settings; Tracktile does not document them).</summary>
    public async Task UpdateOrderStatusAsync(string orderId, string status, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, string> { [_options.OrderStatusProperty] = status };
        using var _ = await JsonHttp.SendAsync(
            http, new HttpMethod(_options.OrderUpdateMethod), JsonHttp.Path(_options.OrderUpdatePath, ("orderId", orderId)), body, null, Error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The lots of one product (see <see cref="TracktileClientOptions.InventoryEntitiesPath"/>).</summary>
    public async Task<IReadOnlyList<JsonElement>> ListInventoryEntitiesAsync(string productId, CancellationToken cancellationToken)
    {
        var lots = new List<JsonElement>();
        var path = JsonHttp.Path(_options.InventoryEntitiesPath, ("productId", productId));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = cursor is null ? path : $"{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}{_options.Products.CursorParameter}={Uri.EscapeDataString(cursor)}";
            using var response = await JsonHttp.SendAsync(http, HttpMethod.Get, page, null, null, Error, cancellationToken).ConfigureAwait(false);
            var found = await JsonHttp.ReadAsync<JsonElement>(response, Error, cancellationToken).ConfigureAwait(false);
            lots.AddRange(Items(found));

            // A results envelope with a next cursor is a page of many: the total is only known once every page is read.
            cursor = found.ValueKind == JsonValueKind.Object && found.TryGetProperty(_options.Products.NextCursorProperty, out var next)
                && next.ValueKind == JsonValueKind.String && next.GetString() is { Length: > 0 } text ? text : null;
            if (cursor is not null && !seen.Add(cursor))
            {
                throw new TracktileApiException(200, JsonHttp.MalformedResponse, null, "the lots cursor repeated itself");
            }
        }
        while (cursor is not null);

        return lots;
    }

    /// <summary>A bare array's items, or a <c>results</c> envelope's.</summary>
    private JsonElement.ArrayEnumerator Items(JsonElement found)
        => found.ValueKind == JsonValueKind.Array ? found.EnumerateArray()
            : found.ValueKind == JsonValueKind.Object && found.TryGetProperty(_options.Products.ResultsProperty, out var results) && results.ValueKind == JsonValueKind.Array
                ? results.EnumerateArray()
                : throw new TracktileApiException(200, JsonHttp.MalformedResponse, null, "expected a JSON array or a results envelope");

    /// <summary>Reads one shipment (its fields are not documented; returned as JSON).</summary>
    public async Task<JsonElement> GetShipmentAsync(string shipmentId, CancellationToken cancellationToken)
    {
        using var response = await JsonHttp.SendAsync(
            http, HttpMethod.Get, JsonHttp.Path(_options.ShipmentPath, ("shipmentId", shipmentId)), null, null, Error, cancellationToken).ConfigureAwait(false);
        return await JsonHttp.ReadAsync<JsonElement>(response, Error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one order as JSON (for fields <see cref="TracktileOrder"/> does not name, such as its ship-to).</summary>
    public async Task<JsonElement> GetOrderJsonAsync(string orderId, CancellationToken cancellationToken)
    {
        using var response = await JsonHttp.SendAsync(
            http, HttpMethod.Get, JsonHttp.Path(_options.OrderPath, ("orderId", orderId)), null, null, Error, cancellationToken).ConfigureAwait(false);
        return await JsonHttp.ReadAsync<JsonElement>(response, Error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Changes a shipment (the path and method are settings; Tracktile does not document them).</summary>
    public async Task UpdateShipmentAsync(string shipmentId, object changes, CancellationToken cancellationToken)
    {
        using var _ = await JsonHttp.SendAsync(
            http, new HttpMethod(_options.ShipmentUpdateMethod), JsonHttp.Path(_options.ShipmentUpdatePath, ("shipmentId", shipmentId)), changes, null, Error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces a customer (ERP -> Tracktile sync); <paramref name="body"/> is already in Tracktile's format.</summary>
    public async Task PutCustomerAsync(string customerId, JsonElement body, CancellationToken cancellationToken)
    {
        using var _ = await JsonHttp.SendAsync(
            http, HttpMethod.Put, JsonHttp.Path(_options.CustomerPath, ("customerId", customerId)), body, null, Error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Streams every product modified since <paramref name="since"/> (all products when null), page by page as
    /// configured; memory stays flat however many there are. A body that stops arriving for
    /// <see cref="TracktileProductsOptions.ReadIdleTimeoutSeconds"/> fails the run instead of hanging it.
    /// </summary>
    /// <remarks>
    /// The offset mode pages by key, not by position: each page asks from the last <c>modifiedAt</c> seen (with the
    /// offset only skipping the products already seen at that very millisecond), so a product edited during the run
    /// moves to the end of the list without shifting any unread product onto a page already read. Each page re-reads
    /// the last product read; when it is not where it was (a product of that same millisecond moved), that
    /// millisecond's products are read again from their start, skipping what was read. This needs the list sorted by
    /// <c>modifiedAt</c> (a list found out of order fails the run with a clear reason) and works best with an
    /// inclusive <c>modifiedSince</c> (an exclusive one costs a second request per page).
    /// </remarks>
    public async IAsyncEnumerable<JsonElement> GetProductsModifiedSinceAsync(
        DateTimeOffset? since, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var products = _options.Products;
        var idle = TimeSpan.FromSeconds(products.ReadIdleTimeoutSeconds);
        if (products.Pagination == ProductPagination.BareArray)
        {
            using var response = await GetAsync(products.Path, ModifiedSince(since), cancellationToken).ConfigureAwait(false);
            var stream = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), idle);
            await using (stream.ConfigureAwait(false))
            {
                await foreach (var product in ReadArrayAsync(stream, response, cancellationToken).ConfigureAwait(false))
                {
                    yield return product;
                }
            }

            yield break;
        }

        if (products.Pagination == ProductPagination.OffsetEnvelope)
        {
            await foreach (var product in GetByKeyAsync(since, idle, cancellationToken).ConfigureAwait(false))
            {
                yield return product;
            }

            yield break;
        }

        string? cursor = null;
        var seenCursors = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var paging = $"{products.LimitParameter}={products.PageSize}{(cursor is null ? "" : $"&{products.CursorParameter}={Uri.EscapeDataString(cursor)}")}";
            using var page = await GetPageAsync(Join(ModifiedSince(since), paging), idle, cancellationToken).ConfigureAwait(false);
            foreach (var product in page.Results.EnumerateArray())
            {
                yield return product.Clone();
            }

            cursor = page.Root.TryGetProperty(products.NextCursorProperty, out var next) && next.ValueKind == JsonValueKind.String
                ? next.GetString()
                : null;
            if (string.IsNullOrEmpty(cursor))
            {
                yield break;
            }

            if (!seenCursors.Add(cursor))
            {
                throw new TracktileApiException(page.Status, JsonHttp.MalformedResponse, null, "the products cursor repeated itself");
            }
        }
    }

    /// <summary>The offset mode, paged by key (see the remarks of <see cref="GetProductsModifiedSinceAsync"/>).</summary>
    private async IAsyncEnumerable<JsonElement> GetByKeyAsync(DateTimeOffset? since, TimeSpan idle, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var products = _options.Products;
        var anchor = since;                                   // the modifiedSince of the next page
        var atAnchor = new HashSet<string>(StringComparer.Ordinal); // ids seen at the anchor's millisecond
        string? anchorKey = null;                             // that millisecond, once a product set it
        DateTimeOffset? last = null;
        var unkeyed = 0;                                      // products before any readable modifiedAt: plain offsets
        string? firstOfPreviousPage = null;
        string? lastId = null;                                // the last product read
        var overlap = products.PageSize > 1 ? 1 : 0;          // re-read the last product to check the group did not shift
        int? regroup = null;                                  // while re-reading a shifted group: the offset within it
        while (true)
        {
            var offset = anchorKey is null ? unkeyed : regroup ?? Math.Max(0, atAnchor.Count - overlap);
            var paging = $"{products.LimitParameter}={products.PageSize}&{products.OffsetParameter}={offset}";
            using var page = await GetPageAsync(Join(ModifiedSince(anchor), paging), idle, cancellationToken).ConfigureAwait(false);
            var count = page.Results.GetArrayLength();
            if (regroup is null && overlap > 0 && anchorKey is not null && atAnchor.Count > 0 && count > 0 && IdOf(page.Results[0]) != lastId)
            {
                // The products at the anchor's millisecond are not where they were (one of them was edited and moved
                // to the end, or modifiedSince excludes the anchor): read that group again from its start, page by
                // page, skipping what was read, rather than skip an unread product by position.
                regroup = 0;
                continue;
            }

            var groupKey = anchorKey;
            if (count > 0)
            {
                // A server that ignores the paging parameters would hand out the same page forever.
                var first = page.Results[0].GetRawText();
                if (first == firstOfPreviousPage)
                {
                    throw new TracktileApiException(page.Status, JsonHttp.MalformedResponse, null,
                        $"the products API returned the same page again for offset {offset} (check Tracktile:Api:Products:OffsetParameter)");
                }

                firstOfPreviousPage = first;
            }

            var fresh = 0;
            foreach (var product in page.Results.EnumerateArray())
            {
                var id = IdOf(product);
                DateTimeOffset? modified = product.ValueKind == JsonValueKind.Object
                    && product.TryGetProperty(products.ModifiedAtProperty, out var m) && m.TryGetDateTimeOffset(out var t) ? t : null;
                if (modified is { } exact)
                {
                    var key = FormatTime(exact);
                    var at = DateTimeOffset.Parse(key, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
                    if (last is { } previous && at < previous)
                    {
                        throw new TracktileApiException(page.Status, JsonHttp.MalformedResponse, null,
                            $"the products list is not sorted by '{products.ModifiedAtProperty}', which paging by offset needs (use Tracktile:Api:Products:Pagination CursorEnvelope or BareArray)");
                    }

                    last = at;
                    if (key != anchorKey)
                    {
                        anchorKey = key;
                        anchor = at;
                        atAnchor.Clear();
                    }

                    lastId = id;
                    if (id is not null && !atAnchor.Add(id))
                    {
                        continue; // already read at this instant
                    }
                }
                else if (anchorKey is null)
                {
                    unkeyed++;
                }

                fresh++;
                yield return product.Clone();
            }

            // With a total (of the products from this page's modifiedSince), page until it is reached (a server may
            // cap the page size below ours); without one, a short page is the last. An empty page always ends it.
            long? total = page.Root.TryGetProperty(products.TotalProperty, out var n) && n.TryGetInt64(out var all) ? all : null;
            if (count == 0 || (total is { } limit ? offset + count >= limit : count < products.PageSize))
            {
                yield break;
            }

            if (regroup is not null)
            {
                // Still inside the group (every product of this page at its millisecond): read on from there.
                regroup = anchorKey == groupKey ? regroup + count : null;
                continue;
            }

            if (fresh == 0)
            {
                throw new TracktileApiException(page.Status, JsonHttp.MalformedResponse, null,
                    $"the products API returned no new product at offset {offset}, the same page again (check Tracktile:Api:Products:OffsetParameter)");
            }
        }
    }

    private string? IdOf(JsonElement product)
        => product.ValueKind == JsonValueKind.Object && product.TryGetProperty(_options.Products.IdProperty, out var id) ? id.ToString() : null;

    private async Task<ProductPage> GetPageAsync(string query, TimeSpan idle, CancellationToken cancellationToken)
    {
        var products = _options.Products;
        using var response = await GetAsync(products.Path, query, cancellationToken).ConfigureAwait(false);
        JsonDocument document;
        try
        {
            var stream = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), idle);
            await using (stream.ConfigureAwait(false))
            {
                document = await JsonDocument.ParseAsync(stream, default, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (JsonException ex)
        {
            throw new TracktileApiException((int)response.StatusCode, JsonHttp.MalformedResponse, null, "a products page is not JSON", ex);
        }
        catch (TimeoutException ex)
        {
            throw Stalled(ex);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty(products.ResultsProperty, out var results)
            || results.ValueKind != JsonValueKind.Array)
        {
            document.Dispose();
            throw new TracktileApiException((int)response.StatusCode, JsonHttp.MalformedResponse, null,
                $"a products page has no '{products.ResultsProperty}' array (check Tracktile:Api:Products:Pagination)");
        }

        return new ProductPage(document, results, (int)response.StatusCode);
    }

    private TracktileApiException Stalled(Exception inner)
        => new(0, null, null, $"the products answer stopped arriving for {_options.Products.ReadIdleTimeoutSeconds} s (Tracktile:Api:Products:ReadIdleTimeoutSeconds)", inner);

    private static string? ModifiedSince(DateTimeOffset? since)
        => since is { } s ? $"modifiedSince={Uri.EscapeDataString(FormatTime(s))}" : null;

    private static string Join(string? query, string paging) => query is null ? paging : $"{query}&{paging}";

    /// <summary>One envelope page: its document (disposed with the page), its results array and the answer's status.</summary>
    private sealed record ProductPage(JsonDocument Document, JsonElement Results, int Status) : IDisposable
    {
        public JsonElement Root => Document.RootElement;

        public void Dispose() => Document.Dispose();
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
            catch (TimeoutException ex)
            {
                throw new TracktileApiException(0, null, null, "the products answer stopped arriving (Tracktile:Api:Products:ReadIdleTimeoutSeconds)", ex);
            }

            yield return enumerator.Current;
        }
    }
}
