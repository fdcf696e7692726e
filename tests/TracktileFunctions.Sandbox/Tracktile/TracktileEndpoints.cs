using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TracktileFunctions.Sandbox.Hosting;

namespace TracktileFunctions.Sandbox.Tracktile;

/// <summary>The fake Tracktile API under <c>/tracktile/</c> (bearer auth is checked before these run).</summary>
internal static class TracktileEndpoints
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        var tracktile = app.MapGroup(SandboxPaths.Tracktile);
        tracktile.MapGet("/orders/{orderId}", GetOrder);
        tracktile.MapGet("/products", GetProducts);
        tracktile.MapPut("/customers/{customerId}", PutCustomerAsync);
        tracktile.MapGet("/customers/{customerId}", (string customerId, SandboxState state) => state.FindCustomer(customerId) is { } customer
            ? Results.Json(customer, SandboxJson.Options)
            : SandboxErrors.Tracktile(StatusCodes.Status404NotFound, $"Customer '{customerId}' not found."));
        tracktile.MapGet("/inventory/entities/{entityId}", GetInventoryEntity);
        app.MapFallback(SandboxPaths.Tracktile + "/{**path}", () => SandboxErrors.Tracktile(StatusCodes.Status404NotFound, "No such endpoint."));
    }

    private static IResult GetOrder(string orderId, SandboxState state)
        => state.FindOrder(orderId) is { } order
            ? Results.Json(order, SandboxJson.Options)
            : SandboxErrors.Tracktile(StatusCodes.Status404NotFound, $"Order '{orderId}' not found.");

    private static IResult GetInventoryEntity(string entityId, SandboxState state)
        => state.FindInventoryEntity(entityId) is { } entity
            ? Results.Json(entity, SandboxJson.Options)
            : SandboxErrors.Tracktile(StatusCodes.Status404NotFound, $"Inventory entity '{entityId}' not found.");

    private static async Task<IResult> PutCustomerAsync(string customerId, HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<JsonElement>(request);
        if (body.Problem is not null)
        {
            return SandboxErrors.Tracktile(body.ProblemStatus, body.Problem);
        }

        state.RecordCustomerPut(customerId, body.Raw);
        return Results.Json(new { id = customerId }, SandboxJson.Options);
    }

    /// <summary>Products with <c>modifiedAt &gt;= modifiedSince</c>, by modifiedAt then id, paged per <see cref="SandboxState.ProductPagination"/>.</summary>
    private static IResult GetProducts(HttpRequest request, SandboxState state)
    {
        var query = request.Query;
        DateTimeOffset? since = null;
        if (query.TryGetValue("modifiedSince", out var sinceText))
        {
            if (!DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return BadRequest("modifiedSince must be an ISO 8601 time.");
            }

            since = parsed;
        }

        var products = state.ProductsModifiedSince(since);
        var mode = state.ProductPagination;
        if (mode == ProductPagination.BareArray)
        {
            return Results.Json(products, SandboxJson.Options);
        }

        if (!TryReadInt(query, "limit", DefaultPageSize, 1, MaxPageSize, out var limit))
        {
            return BadRequest($"limit must be an integer from 1 to {MaxPageSize}.");
        }

        if (mode == ProductPagination.OffsetEnvelope)
        {
            return TryReadInt(query, "offset", 0, 0, int.MaxValue, out var offset)
                ? Results.Json(new { results = products.Skip(offset).Take(limit), total = products.Count }, SandboxJson.Options)
                : BadRequest("offset must be a non-negative integer.");
        }

        var start = 0;
        if (query.TryGetValue("cursor", out var cursor) && !string.IsNullOrEmpty(cursor))
        {
            if (!TryDecodeCursor(cursor.ToString(), out var after))
            {
                return BadRequest("cursor is not one this API issued.");
            }

            start = products.Count(p => CompareKey(p, after) <= 0);
        }

        var page = products.Skip(start).Take(limit).ToList();
        var nextCursor = start + page.Count < products.Count ? EncodeCursor(page[^1]) : null;
        return Results.Json(new { results = page, nextCursor }, SandboxJson.Options);
    }

    private static IResult BadRequest(string message) => SandboxErrors.Tracktile(StatusCodes.Status400BadRequest, message);

    private static bool TryReadInt(IQueryCollection query, string name, int fallback, int min, int max, out int value)
    {
        value = fallback;
        return !query.TryGetValue(name, out var text)
               || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max);
    }

    // The cursor is the sort key of the last product returned, so a page boundary stays put when products change.
    private static string EncodeCursor(TracktileProduct last)
        => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            last.ModifiedAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + ":" + last.Id));

    private static bool TryDecodeCursor(string cursor, out (long Ticks, string Id) key)
    {
        key = default;
        if (!Base64Url.IsValid(cursor))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
        {
            return false;
        }

        key = (ticks, text[(colon + 1)..]);
        return true;
    }

    private static int CompareKey(TracktileProduct product, (long Ticks, string Id) key)
    {
        var byTime = product.ModifiedAt.UtcTicks.CompareTo(key.Ticks);
        return byTime != 0 ? byTime : string.CompareOrdinal(product.Id, key.Id);
    }
}
