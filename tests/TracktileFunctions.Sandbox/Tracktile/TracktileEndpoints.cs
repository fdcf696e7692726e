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
        tracktile.MapPost("/orders", CreateOrderAsync);
        tracktile.MapGet("/orders", (HttpRequest request, SandboxState state) => request.Query.TryGetValue("shortId", out var shortId) && !string.IsNullOrEmpty(shortId)
            ? Results.Json(state.OrdersWithShortId(shortId.ToString()), SandboxJson.Options)
            : BadRequest("shortId is required."));
        tracktile.MapGet("/orders/{orderId}", GetOrder);
        tracktile.MapPatch("/orders/{orderId}", PatchOrderAsync);
        tracktile.MapGet("/inventory/entities", (HttpRequest request, SandboxState state) => request.Query.TryGetValue("productId", out var productId) && !string.IsNullOrEmpty(productId)
            ? Results.Json(state.InventoryEntitiesOf(productId.ToString()), SandboxJson.Options)
            : BadRequest("productId is required."));
        tracktile.MapGet("/products", GetProducts);
        tracktile.MapPut("/customers/{customerId}", PutCustomerAsync);
        tracktile.MapGet("/customers/{customerId}", (string customerId, SandboxState state) => state.FindCustomer(customerId) is { } customer
            ? Results.Json(customer, SandboxJson.Options)
            : SandboxErrors.Tracktile(StatusCodes.Status404NotFound, $"Customer '{customerId}' not found."));
        tracktile.MapGet("/inventory/entities/{entityId}", GetInventoryEntity);
        tracktile.MapGet("/shipments/{shipmentId}", (string shipmentId, SandboxState state) => state.FindShipment(shipmentId) is { } shipment
            ? Results.Json(shipment, SandboxJson.Options)
            : SandboxErrors.Tracktile(StatusCodes.Status404NotFound, $"Shipment '{shipmentId}' not found."));
        tracktile.MapPatch("/shipments/{shipmentId}", PatchShipmentAsync);
        TracktileHookEndpoints.Map(tracktile);
        app.MapFallback(SandboxPaths.Tracktile + "/{**path}", () => SandboxErrors.Tracktile(StatusCodes.Status404NotFound, "No such endpoint."));
    }

    private static IResult GetOrder(string orderId, SandboxState state)
        => state.FindOrder(orderId) is { } order
            ? Results.Json(order, SandboxJson.Options)
            : SandboxErrors.Tracktile(StatusCodes.Status404NotFound, $"Order '{orderId}' not found.");

    /// <summary>
    /// <c>POST /orders</c> with the documented fields. Answers 201 with the order, <c>status: "pending"</c>. Tracktile
    /// documents no idempotency: the same shortId twice makes two orders.
    /// </summary>
    private static async Task<IResult> CreateOrderAsync(HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<JsonElement>(request);
        if (body.Problem is not null)
        {
            return SandboxErrors.Tracktile(body.ProblemStatus, body.Problem);
        }

        var raw = body.Raw;
        if (RequiredString(raw, "shortId") is not { } shortId)
        {
            return BadRequest("shortId is required and must be a non-empty string.");
        }

        if (RequiredString(raw, "customerId") is not { } customerId)
        {
            return BadRequest("customerId is required and must be a non-empty string.");
        }

        if (RequiredString(raw, "currency") is not { } currency || currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            return BadRequest("currency is required and must be a 3-letter ISO 4217 code (e.g. USD).");
        }

        DateOnly? dueDate = null;
        if (raw.TryGetProperty("dueDate", out var due) && due.ValueKind != JsonValueKind.Null)
        {
            if (due.ValueKind != JsonValueKind.String || !TryParseDueDate(due.GetString()!, out var parsed))
            {
                return BadRequest("dueDate must be an ISO 8601 date (YYYY-MM-DD).");
            }

            dueDate = parsed;
        }

        if (!raw.TryGetProperty("orderItems", out var itemsJson) || itemsJson.ValueKind != JsonValueKind.Array || itemsJson.GetArrayLength() == 0)
        {
            return BadRequest("orderItems is required and must be a non-empty array.");
        }

        var items = new List<TracktileOrderItem>();
        var index = 0;
        foreach (var item in itemsJson.EnumerateArray())
        {
            var at = $"orderItems[{index++}]";
            if (item.ValueKind != JsonValueKind.Object || RequiredString(item, "productId") is not { } productId)
            {
                return BadRequest($"{at}.productId is required and must be a non-empty string.");
            }

            if (!item.TryGetProperty("quantity", out var quantity) || quantity.ValueKind != JsonValueKind.Number || quantity.GetDecimal() <= 0)
            {
                return BadRequest($"{at}.quantity is required and must be a positive number.");
            }

            if (!item.TryGetProperty("price", out var price) || price.ValueKind != JsonValueKind.Number || price.GetDecimal() < 0)
            {
                return BadRequest($"{at}.price is required and must be a non-negative number.");
            }

            items.Add(new TracktileOrderItem(productId, quantity.GetDecimal(), price.GetDecimal()));
        }

        var order = state.CreateOrder(shortId, customerId, dueDate, currency, items);
        return Results.Json(order, SandboxJson.Options, statusCode: StatusCodes.Status201Created);
    }

    /// <summary><c>PATCH /orders/{id}</c>: merges the body's fields into the order (not its id); 200 with the order.</summary>
    private static async Task<IResult> PatchOrderAsync(string orderId, HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<JsonElement>(request);
        if (body.Problem is not null)
        {
            return SandboxErrors.Tracktile(body.ProblemStatus, body.Problem);
        }

        if (state.FindOrder(orderId) is not { } order)
        {
            return SandboxErrors.Tracktile(StatusCodes.Status404NotFound, $"Order '{orderId}' not found.");
        }

        var merged = JsonSerializer.SerializeToNode(order, SandboxJson.Options)!.AsObject();
        foreach (var property in body.Raw.EnumerateObject())
        {
            if (property.Name != "id")
            {
                merged[property.Name] = System.Text.Json.Nodes.JsonNode.Parse(property.Value.GetRawText());
            }
        }

        TracktileOrder? patched;
        try
        {
            patched = merged.Deserialize<TracktileOrder>(SandboxJson.Options);
        }
        catch (JsonException ex)
        {
            return BadRequest("The body is not valid for an order: " + ex.Message);
        }

        if (patched is null || string.IsNullOrEmpty(patched.ShortId) || string.IsNullOrEmpty(patched.Status))
        {
            return BadRequest("The patched order is missing fields.");
        }

        return state.ReplaceOrder(patched with { Id = orderId })
            ? Results.Json(patched with { Id = orderId }, SandboxJson.Options)
            : SandboxErrors.Tracktile(StatusCodes.Status404NotFound, $"Order '{orderId}' not found.");
    }

    /// <summary><c>PATCH /shipments/{id}</c>: a JSON merge patch of the shipment (status, carrier, trackingNumber, shippedLots...); 200 with it.</summary>
    private static async Task<IResult> PatchShipmentAsync(string shipmentId, HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<JsonElement>(request);
        if (body.Problem is not null)
        {
            return SandboxErrors.Tracktile(body.ProblemStatus, body.Problem);
        }

        if (body.Raw.ValueKind != JsonValueKind.Object)
        {
            return BadRequest("The body must be a JSON object.");
        }

        return state.PatchShipment(shipmentId, body.Raw) is { } patched
            ? Results.Json(patched, SandboxJson.Options)
            : SandboxErrors.Tracktile(StatusCodes.Status404NotFound, $"Shipment '{shipmentId}' not found.");
    }

    private static string? RequiredString(JsonElement obj, string name)
        => obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static bool TryParseDueDate(string text, out DateOnly date)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            date = DateOnly.FromDateTime(time.UtcDateTime);
            return true;
        }

        return false;
    }

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
