using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Http;

namespace TracktileFunctions.RestErp;

/// <summary>The ERP, through the REST contract in docs/erp-contract.md. Every write carries an idempotency key.</summary>
public sealed class RestErpClient(HttpClient http, IOptions<RestErpOptions> options) : IErp
{
    /// <inheritdoc />
    public string Name => "ERP";

    /// <inheritdoc />
    public bool ShipmentsNeedOrder => false;

    /// <inheritdoc />
    public bool SalesOrdersNeedLinks => false; // the contract names products and customers by Tracktile's ids

    private static readonly JsonHttp.ErrorFactory Error = (s, c, r, d, i) => new ErpApiException(s, c, r, d, i);

    private readonly RestErpPaths _paths = options.Value.Paths;
    private readonly int _concurrency = options.Value.Resilience.MaxConcurrency;

    /// <summary>Creates a sales order (or finds the one created earlier with the same key).</summary>
    public async Task<ErpCreated> CreateSalesOrderAsync(ErpSalesOrder order, string idempotencyKey, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, JsonHttp.Path(_paths.CreateSalesOrder), order, idempotencyKey, cancellationToken).ConfigureAwait(false);
        var created = await JsonHttp.ReadAsync<CreatedBody>(response, Error, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(created.Id))
        {
            throw new ErpApiException((int)response.StatusCode, JsonHttp.MalformedResponse, null, "the create answer has no id");
        }

        return new ErpCreated(created.Id, Replayed: response.StatusCode != HttpStatusCode.Created);
    }

    /// <summary>Sets a sales order's status.</summary>
    public async Task<string> UpdateSalesOrderStatusAsync(string erpId, ErpSalesOrderStatusUpdate update, string idempotencyKey, CancellationToken cancellationToken)
    {
        using var _ = await SendAsync(
            HttpMethod.Patch, JsonHttp.Path(_paths.UpdateSalesOrder, ("id", erpId)), update, idempotencyKey, cancellationToken).ConfigureAwait(false);
        return $"sales order {erpId} -> {update.TracktileStatus}";
    }

    /// <summary>Confirms a shipment.</summary>
    public async Task<string> ConfirmShipmentAsync(ErpShipmentConfirmation confirmation, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(confirmation);
        using var _ = await SendAsync(
            HttpMethod.Post, JsonHttp.Path(_paths.ConfirmShipment, ("shipmentId", confirmation.ShipmentId)), confirmation, idempotencyKey, cancellationToken).ConfigureAwait(false);
        return $"confirmed shipment {confirmation.ShipmentId} ({confirmation.Status})";
    }

    /// <summary>Creates or replaces a product (a PUT: idempotent by nature, and keyed too).</summary>
    public async Task<string> UpsertProductAsync(ErpProduct product, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(product);
        using var _ = await SendAsync(
            HttpMethod.Put, JsonHttp.Path(_paths.UpsertProduct, ("productId", product.ExternalId)), product, idempotencyKey, cancellationToken).ConfigureAwait(false);
        return product.ExternalId;
    }

    /// <summary>A page of products: one PUT each, as many at once as <c>Erp:Resilience:MaxConcurrency</c> lets through.</summary>
    public Task<IReadOnlyList<ProductWriteResult>> UpsertProductsAsync(IReadOnlyList<ProductWrite> products, CancellationToken cancellationToken)
        => ProductWriteResult.EachAsync(products, _concurrency, (w, ct) => UpsertProductAsync(w.Product, w.IdempotencyKey, ct), cancellationToken);

    /// <summary>Reads a customer as the ERP holds it now (for the two-way sync's three-way merge).</summary>
    /// <exception cref="ErpApiException">The ERP refused (404 for an unknown customer) or did not answer.</exception>
    public async Task<JsonElement> GetCustomerAsync(string erpCustomerId, CancellationToken cancellationToken)
    {
        using var response = await JsonHttp.SendAsync(
            http, HttpMethod.Get, JsonHttp.Path(_paths.GetCustomer, ("customerId", erpCustomerId)), null, null, Error, cancellationToken).ConfigureAwait(false);
        return await JsonHttp.ReadAsync<JsonElement>(response, Error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces a customer: <c>PUT customers/{id}</c> with its id, its Tracktile id and the synced fields.</summary>
    public async Task PutCustomerAsync(string erpCustomerId, string tracktileCustomerId, JsonElement customer, string idempotencyKey, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["id"] = erpCustomerId, ["tracktileId"] = tracktileCustomerId };
        if (customer.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in customer.EnumerateObject())
            {
                body[field.Name] = JsonNode.Parse(field.Value.GetRawText());
            }
        }

        using var _ = await SendAsync(
            HttpMethod.Put, JsonHttp.Path(_paths.UpsertCustomer, ("customerId", erpCustomerId)), body, idempotencyKey, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Posts one stock movement (a delta: the idempotency key is what keeps it from counting twice).</summary>
    public async Task PostStockMovementAsync(ErpStockMovement movement, string idempotencyKey, CancellationToken cancellationToken)
    {
        using var _ = await SendAsync(HttpMethod.Post, JsonHttp.Path(_paths.StockMovements), movement, idempotencyKey, cancellationToken).ConfigureAwait(false);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object body, string idempotencyKey, CancellationToken cancellationToken)
        => JsonHttp.SendAsync(http, method, path, body, idempotencyKey, Error, cancellationToken);

    private sealed record CreatedBody(string? Id);
}
