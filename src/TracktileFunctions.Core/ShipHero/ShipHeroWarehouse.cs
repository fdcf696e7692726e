using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using TracktileFunctions.Warehouse;

namespace TracktileFunctions.ShipHero;

/// <summary>
/// ShipHero as the warehouse (<see cref="IWarehouse"/>). ShipHero documents no idempotency key, so an order is looked up
/// by <c>partner_order_id</c> (the Tracktile shipment id) before every create, and a stock change carries its key in
/// its <c>reason</c>, which the change history is searched for before the change is sent.
/// </summary>
public sealed class ShipHeroWarehouse(ShipHeroClient shiphero, IOptions<ShipHeroOptions> options) : IWarehouse
{
    private readonly ShipHeroOptions _options = options.Value;

    /// <inheritdoc />
    public string Name => "shiphero";

    /// <inheritdoc />
    public string? WarehouseOf(string nodeId) => _options.WarehouseOf(nodeId);

    /// <inheritdoc />
    public async Task<WarehouseOrderResult> CreateOrderOnceAsync(WarehouseOrder order, bool settling, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (await FindAsync(order.PartnerOrderId, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return new WarehouseOrderResult(existing, Existed: true);
        }

        if (settling)
        {
            throw new Processing.NotReadyException($"an order_create for shipment {order.PartnerOrderId} was sent moments ago without an answer; waiting for it to show before sending again");
        }

        var lines = new JsonArray();
        foreach (var line in order.Lines)
        {
            lines.Add(new JsonObject
            {
                ["sku"] = line.Sku,
                ["partner_line_item_id"] = line.PartnerLineId,
                ["quantity"] = line.Quantity,
                ["price"] = (line.Price ?? 0m).ToString("0.00", CultureInfo.InvariantCulture),
                ["product_name"] = line.Sku,
            });
        }

        var data = new JsonObject
        {
            ["order_number"] = order.OrderNumber,
            ["partner_order_id"] = order.PartnerOrderId,
            ["shop_name"] = _options.ShopName,
            ["fulfillment_status"] = "pending",
            ["order_date"] = order.OrderDate.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["line_items"] = lines,
        };
        if (order.Email is not null)
        {
            data["email"] = order.Email;
        }

        if (order.ShipTo is { } to)
        {
            var (first, last) = SplitName(to.Name);
            data["shipping_address"] = new JsonObject
            {
                ["first_name"] = first, ["last_name"] = last, ["company"] = to.Company, ["address1"] = to.Address1, ["address2"] = to.Address2,
                ["city"] = to.City, ["state"] = to.State, ["zip"] = to.Zip, ["country"] = to.Country, ["phone"] = to.Phone, ["email"] = order.Email,
            };
        }

        // The lots Tracktile assigned, for the picker (ShipHero's order lines take no lot).
        var lots = order.Lines.Where(l => l.LotCodes.Count > 0).Select(l => $"{l.Sku}: {string.Join(", ", l.LotCodes)}").ToList();
        if (lots.Count > 0)
        {
            data["packing_note"] = "Lots: " + string.Join("; ", lots);
        }

        var made = await shiphero.ExecuteAsync(ShipHeroDocuments.CreateOrder, new JsonObject { ["data"] = data }, cancellationToken).ConfigureAwait(false);
        var id = made.GetProperty("order_create").GetProperty("order").GetProperty("id").GetString()!;
        return new WarehouseOrderResult(id, Existed: false);
    }

    /// <inheritdoc />
    public async Task<string> CancelOrderAsync(string partnerOrderId, CancellationToken cancellationToken)
    {
        if (await FindAsync(partnerOrderId, cancellationToken).ConfigureAwait(false) is not { } id)
        {
            return $"nothing to cancel: no ShipHero order for shipment {partnerOrderId}";
        }

        await shiphero.ExecuteAsync(ShipHeroDocuments.CancelOrder,
            new JsonObject { ["data"] = new JsonObject { ["order_id"] = id, ["reason"] = "Cancelled in Tracktile" } }, cancellationToken).ConfigureAwait(false);
        return $"cancelled ShipHero order {id}";
    }

    /// <inheritdoc />
    public async Task<string> MoveStockAsync(WarehouseStockChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Delta == 0)
        {
            return "nothing to move";
        }

        if (await AppliedAsync(change, cancellationToken).ConfigureAwait(false))
        {
            return $"found {change.Sku} {change.Delta:+0;-0} at {change.WarehouseId} applied by an earlier attempt";
        }

        var document = change.Delta > 0 ? ShipHeroDocuments.AddInventory : ShipHeroDocuments.RemoveInventory;
        var data = new JsonObject
        {
            ["sku"] = change.Sku,
            ["warehouse_id"] = change.WarehouseId,
            ["quantity"] = Math.Abs(change.Delta),
            ["reason"] = change.Reason,
        };
        await shiphero.ExecuteAsync(document, new JsonObject { ["data"] = data }, cancellationToken).ConfigureAwait(false);
        return $"{(change.Delta > 0 ? "added" : "removed")} {Math.Abs(change.Delta)} {change.Sku} at {change.WarehouseId}";
    }

    private async Task<bool> AppliedAsync(WarehouseStockChange change, CancellationToken cancellationToken)
    {
        var since = change.Since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var marker = $"[{change.Key}]";
        string? after = null;
        do
        {
            var data = await shiphero.ExecuteAsync(ShipHeroDocuments.InventoryChanges,
                new JsonObject { ["sku"] = change.Sku, ["warehouseId"] = change.WarehouseId, ["from"] = since, ["after"] = after }, cancellationToken).ConfigureAwait(false);
            var changes = data.GetProperty("inventory_changes");
            if (Edges(changes).Any(n => n.TryGetProperty("reason", out var r) && r.GetString()?.Contains(marker, StringComparison.Ordinal) == true))
            {
                return true;
            }

            var info = changes.GetProperty("data").GetProperty("pageInfo");
            after = info.GetProperty("hasNextPage").GetBoolean() ? info.GetProperty("endCursor").GetString() : null;
        }
        while (after is not null);

        return false;
    }

    private async Task<string?> FindAsync(string partnerOrderId, CancellationToken cancellationToken)
    {
        var data = await shiphero.ExecuteAsync(ShipHeroDocuments.OrderByPartnerId, new JsonObject { ["partnerOrderId"] = partnerOrderId }, cancellationToken).ConfigureAwait(false);
        return Edges(data.GetProperty("orders"))
            .Where(n => n.TryGetProperty("partner_order_id", out var p) && p.GetString() == partnerOrderId)
            .Select(n => n.GetProperty("id").GetString())
            .FirstOrDefault();
    }

    /// <summary>The nodes of a ShipHero query wrapper (<c>{request_id complexity data{edges{node}}}</c>).</summary>
    internal static IEnumerable<JsonElement> Edges(JsonElement wrapper)
        => wrapper.ValueKind == JsonValueKind.Object && wrapper.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("edges", out var edges) && edges.ValueKind == JsonValueKind.Array
                ? edges.EnumerateArray().Select(e => e.GetProperty("node"))
                : [];

    private static (string? First, string? Last) SplitName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return (null, null);
        }

        var space = name.Trim().LastIndexOf(' ');
        return space < 0 ? (name.Trim(), null) : (name.Trim()[..space], name.Trim()[(space + 1)..]);
    }
}
