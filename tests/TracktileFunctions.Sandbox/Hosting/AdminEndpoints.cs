using System.Text.Json;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.Sandbox.Hosting;

/// <summary>
/// <c>/_sandbox/</c>: the state and the seeding, settings and fault API over HTTP, for a human during a local run.
/// These requests are neither recorded nor faulted.
/// </summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup(SandboxPaths.Admin);
        admin.MapGet("/calls", (SandboxState state) => Json(state.Calls));
        admin.MapGet("/erp", (SandboxState state) => Json(new
        {
            salesOrders = state.SalesOrders,
            shipmentConfirmations = state.ShipmentConfirmations,
            products = state.ErpProducts.Values.OrderBy(p => p.ProductId, StringComparer.Ordinal),
            stockMovements = state.StockMovements,
            stockLedger = state.StockLedger,
            lotTotals = state.LotTotals,
        }));
        admin.MapGet("/bc", (SandboxState state) => Json(new
        {
            companies = state.BcCompanies,
            items = state.BcItems,
            customers = state.BcCustomers,
            salesOrders = state.BcSalesOrders,
            shipments = state.BcShipments,
            invoices = state.BcInvoices,
            lotJournalEnabled = state.BcLotJournalEnabled,
            lotJournalLines = state.BcLotJournalLines,
            itemLedgerEntries = state.BcItemLedgerEntries,
            subscriptions = state.BcSubscriptions,
            pendingNotifications = state.BcPendingNotifications,
            handshakes = state.BcHandshakes,
            notificationDeliveries = state.BcNotificationDeliveries,
            settings = new
            {
                maxPageSize = state.BcMaxPageSize,
                maxInFlight = state.BcMaxInFlight,
                maxQueued = state.BcMaxQueued,
                collectionThreshold = state.BcCollectionThreshold,
                processingDelay = state.BcProcessingDelay,
                maxObservedInFlight = state.BcMaxObservedInFlight,
            },
        }));
        admin.MapGet("/shopify", (SandboxState state) => Json(new
        {
            shops = state.ShopifyShops.Select(shop =>
            {
                var snapshot = state.ShopifySnapshotOf(shop);
                return new
                {
                    shop,
                    locations = snapshot.Locations,
                    variants = snapshot.Variants,
                    quantities = snapshot.Variants.SelectMany(v => snapshot.Locations
                        .Where(l => state.ShopifyQuantity(shop, v.InventoryItemId, l.Id, "available") is not null)
                        .Select(l => new
                        {
                            inventoryItemId = v.InventoryItemId,
                            sku = v.Sku,
                            locationId = l.Id,
                            quantities = SandboxState.ShopifyQuantityNamesPublic.ToDictionary(n => n, n => state.ShopifyQuantity(shop, v.InventoryItemId, l.Id, n)),
                        })),
                    orders = snapshot.Orders,
                    subscriptions = snapshot.Subscriptions,
                };
            }),
            adjustments = state.ShopifyAdjustments,
            webhookDeliveries = state.ShopifyWebhookDeliveries,
            counters = new
            {
                tokensIssued = state.ShopifyTokensIssued,
                graphqlRequests = state.ShopifyGraphqlRequests,
                throttled = state.ShopifyThrottledCount,
            },
            settings = new
            {
                maximumAvailable = state.ShopifyMaximumAvailable,
                restoreRate = state.ShopifyRestoreRate,
                throttleStatusCode = state.ShopifyThrottleStatusCode,
                suppressWebhooks = state.SuppressShopifyWebhooks,
                readAllOrders = state.ShopifyReadAllOrders,
                idempotencyRetention = state.ShopifyIdempotencyRetention,
            },
        }));
        admin.MapGet("/shiphero", (SandboxState state) => Json(new
        {
            warehouses = SandboxState.ShipHeroWarehouses,
            products = state.ShipHeroProducts,
            stock = SandboxState.ShipHeroWarehouses.SelectMany(w => state.ShipHeroProducts
                .Where(p => state.ShipHeroOnHand(p.Sku, w.Id) is not null)
                .Select(p => new { sku = p.Sku, warehouseId = w.Id, onHand = state.ShipHeroOnHand(p.Sku, w.Id) })),
            orders = state.ShipHeroOrders,
            shipments = state.ShipHeroShipments,
            inventoryChanges = state.ShipHeroInventoryChanges,
            webhooks = state.ShipHeroWebhooks.Select(w => new { w.Id, w.LegacyId, w.Name, w.Url, w.ShopName, w.CreatedAt }),
            webhookDeliveries = state.ShipHeroWebhookDeliveries,
            counters = new
            {
                tokensIssued = state.ShipHeroTokensIssued,
                refreshes = state.ShipHeroRefreshes,
                graphqlRequests = state.ShipHeroGraphqlRequests,
                throttled = state.ShipHeroThrottledCount,
            },
            settings = new
            {
                maxCredits = state.ShipHeroMaxCredits,
                creditRestoreRate = state.ShipHeroCreditRestoreRate,
                creditsAvailable = state.ShipHeroCreditsAvailable,
                suppressWebhooks = state.SuppressShipHeroWebhooks,
                rejectUnknownSkus = state.ShipHeroRejectUnknownSkus,
                webhookRetryDelay = state.ShipHeroWebhookRetryDelay,
                webhookTimeout = state.ShipHeroWebhookTimeout,
            },
        }));
        admin.MapGet("/tracktile", (SandboxState state) => Json(new
        {
            productPagination = state.ProductPagination,
            latency = state.Latency,
            orders = state.Orders,
            createdOrders = state.CreatedOrders,
            products = state.Products,
            inventoryEntities = state.InventoryEntities,
            customerPuts = state.CustomerPuts,
        }));

        admin.MapPost("/tracktile/orders", (HttpRequest request, SandboxState state) => SeedAsync<TracktileOrder>(request, state.SeedOrders));
        admin.MapPost("/tracktile/products", (HttpRequest request, SandboxState state) => SeedAsync<TracktileProduct>(request, state.SeedProducts));
        admin.MapPost("/tracktile/inventory-entities", (HttpRequest request, SandboxState state) => SeedAsync<InventoryEntity>(request, state.SeedInventoryEntities));

        admin.MapPost("/settings", SetSettingsAsync);
        admin.MapGet("/faults", (SandboxState state) => Json(state.Faults));
        admin.MapPost("/faults", AddFaultAsync);
        admin.MapDelete("/faults", (SandboxState state) =>
        {
            state.ClearFaults();
            return Results.NoContent();
        });
        admin.MapPost("/reset", (SandboxState state) =>
        {
            state.Reset();
            return Results.NoContent();
        });
    }

    private static IResult Json(object value) => Results.Json(value, SandboxJson.Options);

    private static IResult Problem(string message) => Results.Json(new { message }, SandboxJson.Options, statusCode: StatusCodes.Status400BadRequest);

    /// <summary>Seeds one item (a JSON object) or several (a JSON array).</summary>
    private static async Task<IResult> SeedAsync<T>(HttpRequest request, Action<IEnumerable<T>> seed)
    {
        try
        {
            var raw = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, SandboxJson.Options, request.HttpContext.RequestAborted);
            var items = raw.ValueKind == JsonValueKind.Array
                ? raw.Deserialize<List<T>>(SandboxJson.Options) ?? []
                : [raw.Deserialize<T>(SandboxJson.Options)!];
            seed(items);
            return Json(new { seeded = items.Count });
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            return Problem(ex.Message);
        }
    }

    private static async Task<IResult> SetSettingsAsync(HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<SettingsRequest>(request);
        if (body.Value is not { } settings)
        {
            return Problem(body.Problem ?? "The body is missing.");
        }

        if (settings.ProductPagination is { } pagination)
        {
            state.ProductPagination = pagination;
        }

        if (settings.Latency is { } latency)
        {
            if (latency < TimeSpan.Zero)
            {
                return Problem("latency must not be negative.");
            }

            state.Latency = latency == TimeSpan.Zero ? null : latency;
        }

        return Json(new { productPagination = state.ProductPagination, latency = state.Latency });
    }

    private static async Task<IResult> AddFaultAsync(HttpRequest request, SandboxState state)
    {
        var body = await JsonBody.ReadAsync<FaultRule>(request);
        if (body.Value is not { } rule)
        {
            return Problem(body.Problem ?? "The body is missing.");
        }

        try
        {
            state.AddFault(rule);
        }
        catch (ArgumentException ex)
        {
            return Problem(ex.Message);
        }

        return Json(state.Faults);
    }

    /// <param name="ProductPagination">The mode of <c>GET /tracktile/products</c>; unchanged when absent.</param>
    /// <param name="Latency">A wait before every answer (<c>"00:00:00.500"</c>); zero removes it; unchanged when absent.</param>
    private sealed record SettingsRequest(ProductPagination? ProductPagination = null, TimeSpan? Latency = null);
}
