using System.Text.Json;
using TracktileFunctions.Sandbox.Hosting;

namespace TracktileFunctions.Sandbox.Erp;

/// <summary>
/// The fake ERP under <c>/erp/</c>, as docs/erp-contract.md describes it. Idempotency keys are handled before
/// these run (<see cref="IdempotencyMiddleware"/>), so each handler here just takes effect.
/// </summary>
internal static class ErpEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var erp = app.MapGroup(SandboxPaths.Erp);
        erp.MapPost("/sales-orders", CreateSalesOrderAsync);
        erp.MapPatch("/sales-orders/{id}", UpdateSalesOrderAsync);
        erp.MapPost("/shipments/{shipmentId}/confirm", ConfirmShipmentAsync);
        erp.MapPut("/products/{productId}", UpsertProductAsync);
        erp.MapPost("/stock-movements", PostStockMovementAsync);
        erp.MapPut("/customers/{customerId}", async (string customerId, HttpRequest request, SandboxState state) =>
        {
            var body = await JsonBody.ReadAsync<JsonElement>(request);
            if (body.Problem is not null)
            {
                return BodyProblem(body);
            }

            state.RecordErpCustomerPut(customerId, body.Raw);
            return Results.Json(new { id = customerId }, SandboxJson.Options);
        });
        erp.MapGet("/customers/{customerId}", (string customerId, SandboxState state) => state.FindErpCustomer(customerId) is { } customer
            ? Results.Json(customer, SandboxJson.Options)
            : SandboxErrors.Erp(StatusCodes.Status404NotFound, "not_found", $"Customer '{customerId}' not found."));
        app.MapFallback(SandboxPaths.Erp + "/{**path}", () => SandboxErrors.Erp(StatusCodes.Status404NotFound, "not_found", "No such endpoint."));
    }

    private static async Task<IResult> CreateSalesOrderAsync(HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<SalesOrderRequest>(request);
        if (body.Value is not { } order)
        {
            return BodyProblem(body);
        }

        if (string.IsNullOrEmpty(order.ExternalId) || string.IsNullOrEmpty(order.Status))
        {
            return Invalid("externalId and status are required.");
        }

        var key = IdempotencyKey(request);
        var initial = new SalesOrderStatusChange(order.Status, null, order.SourceEventId, body.Raw, key, state.TimeProvider.GetUtcNow());
        var id = state.CreateSalesOrder(order.ExternalId, body.Raw, initial);
        return Results.Json(new { id }, SandboxJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateSalesOrderAsync(string id, HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<SalesOrderStatusRequest>(request);
        if (body.Value is not { } update)
        {
            return BodyProblem(body);
        }

        if (string.IsNullOrEmpty(update.Status))
        {
            return Invalid("status is required.");
        }

        var change = new SalesOrderStatusChange(
            update.Status, update.StatusChangedAt, update.SourceEventId, body.Raw, IdempotencyKey(request), state.TimeProvider.GetUtcNow());
        return state.TryUpdateSalesOrderStatus(id, change)
            ? Results.Json(new { id, status = update.Status }, SandboxJson.Options)
            : SandboxErrors.Erp(StatusCodes.Status404NotFound, "not_found", $"Sales order '{id}' not found.");
    }

    private static async Task<IResult> ConfirmShipmentAsync(string shipmentId, HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<ShipmentConfirmRequest>(request);
        if (body.Value is not { } confirm)
        {
            return BodyProblem(body);
        }

        if (string.IsNullOrEmpty(confirm.Status))
        {
            return Invalid("status is required.");
        }

        if (confirm.ShipmentId is not null && confirm.ShipmentId != shipmentId)
        {
            return Invalid($"shipmentId '{confirm.ShipmentId}' does not match the path's '{shipmentId}'.");
        }

        state.ConfirmShipment(new ShipmentConfirmation(shipmentId, confirm.Status, body.Raw, IdempotencyKey(request), state.TimeProvider.GetUtcNow()));
        return Results.Json(new { shipmentId, status = confirm.Status }, SandboxJson.Options);
    }

    private static async Task<IResult> UpsertProductAsync(string productId, HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<ProductUpsertRequest>(request);
        if (body.Value is not { } product)
        {
            return BodyProblem(body);
        }

        if (product.ExternalId != productId)
        {
            return Invalid($"externalId '{product.ExternalId}' does not match the path's '{productId}'.");
        }

        var created = state.UpsertErpProduct(productId, body.Raw);
        return Results.Json(new { id = productId }, SandboxJson.Options, statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> PostStockMovementAsync(HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<StockMovementRequest>(request);
        if (body.Value is not { } m)
        {
            return BodyProblem(body);
        }

        if (string.IsNullOrEmpty(m.ProductId) || m.Quantity is not { } quantity)
        {
            return Invalid("productId and quantity are required.");
        }

        // Which locations each movement type uses, and whether its quantity is signed (see MovementTypes).
        (bool From, bool To, bool Signed)? shape = m.MovementType switch
        {
            MovementTypes.Receipt or MovementTypes.Production => (false, true, false),
            MovementTypes.Transfer => (true, true, false),
            MovementTypes.WriteOff => (true, false, false),
            MovementTypes.Adjustment => (false, true, true),
            _ => null,
        };

        if (shape is not { } uses)
        {
            return Invalid("movementType must be one of receipt, production, transfer, adjustment, writeOff.");
        }

        if (uses.From && string.IsNullOrEmpty(m.FromLocation))
        {
            return Invalid($"A {m.MovementType} needs fromLocation.");
        }

        if (uses.To && string.IsNullOrEmpty(m.ToLocation))
        {
            return Invalid($"A {m.MovementType} needs toLocation.");
        }

        if (!uses.Signed && quantity <= 0)
        {
            return Invalid($"The quantity of a {m.MovementType} must be positive.");
        }

        var applied = state.ApplyStockMovement(new StockMovement(
            string.Empty, m.MovementType!, m.ProductId, m.LotCode, quantity, m.Unit,
            uses.From ? m.FromLocation : null, uses.To ? m.ToLocation : null, m.SourceEventId, m.EventTime, IdempotencyKey(request)));
        return Results.Json(new { id = applied.Id }, SandboxJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static string? IdempotencyKey(HttpRequest request)
        => request.Headers.TryGetValue(IdempotencyMiddleware.HeaderName, out var key) ? key.ToString() : null;

    private static IResult Invalid(string message) => SandboxErrors.Erp(StatusCodes.Status400BadRequest, "invalid_request", message);

    private static IResult BodyProblem<T>(JsonBody<T> body)
        => SandboxErrors.Erp(
            body.ProblemStatus,
            body.ProblemStatus == StatusCodes.Status415UnsupportedMediaType ? "unsupported_media_type" : "invalid_json",
            body.Problem ?? "The body is missing.");

    private sealed record SalesOrderRequest(string? ExternalId = null, string? Status = null, string? SourceEventId = null);

    private sealed record SalesOrderStatusRequest(string? Status = null, DateTimeOffset? StatusChangedAt = null, string? SourceEventId = null);

    private sealed record ShipmentConfirmRequest(string? ShipmentId = null, string? Status = null);

    private sealed record ProductUpsertRequest(string? ExternalId = null);

    private sealed record StockMovementRequest(
        string? MovementType = null,
        string? ProductId = null,
        string? LotCode = null,
        decimal? Quantity = null,
        string? Unit = null,
        string? FromLocation = null,
        string? ToLocation = null,
        string? SourceEventId = null,
        DateTimeOffset? EventTime = null);
}
