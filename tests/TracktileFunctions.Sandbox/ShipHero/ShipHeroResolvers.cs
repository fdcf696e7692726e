using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using GraphQLParser.AST;
using TracktileFunctions.Sandbox.Hosting;

namespace TracktileFunctions.Sandbox.ShipHero;

/// <summary>ShipHero's GraphQL dialect: the object types the fake resolves, and <c>ISODateTime</c> as <see cref="ShipHeroFormat.Time"/>.</summary>
internal static class ShipHeroGql
{
    public static GqlDialect Dialect { get; } = new(
        new HashSet<string>(StringComparer.Ordinal)
        {
            "Order", "LineItem", "Address", "Shipment", "ShipmentLineItem", "ShipmentLineItemLot", "ShippingLabel", "InventoryChange",
            "WarehouseProduct", "Product", "Webhook", "PageInfo",
        },
        ShipHeroFormat.Time);
}

/// <summary>
/// The root fields the fake implements. Queries answer <c>{request_id complexity data}</c> (<c>data</c> a Relay
/// connection <c>data(first, after)</c> for lists); mutations <c>{request_id complexity &lt;object&gt;}</c>.
/// Complexity estimate: 1 per object, a connection's <c>first</c> (default 100) times its node's, mutations +10.
/// </summary>
internal sealed class ShipHeroResolvers(SandboxState state, GqlExecutor executor)
{
    private const int DefaultPage = 100;

    private static readonly HashSet<string> Connections = new(StringComparer.Ordinal) { "data", "line_items" };

    /// <summary>The query/mutation wrapper: <c>{request_id complexity}</c> plus what the caller sets.</summary>
    public static GqlObject Wrapper(string typeName, string requestId, int complexity)
        => new GqlObject(typeName, 0).Set("request_id", requestId).Set("complexity", complexity).Set("data", null);

    public int BaseCost(GraphQLField field) => executor.IsMutation ? 10 : 1;

    /// <summary>The credits a root field is estimated to cost before it runs.</summary>
    public int Estimate(GraphQLField field)
    {
        var args = executor.Arguments(field);
        return BaseCost(field) + Cost(field, args, root: true);
    }

    public object Resolve(string name, GraphQLField field, GqlArgs args, string requestId, int complexity)
    {
        var result = Wrapper(name + "Result", requestId, complexity);
        if (executor.IsMutation)
        {
            var data = args["data"] as JsonObject ?? throw new GqlException($"Argument \"data\" of \"{name}\" is required", string.Empty);
            switch (name)
            {
                case "order_create":
                    return result.Set("order", Order(CreateOrder(data)));
                case "order_cancel":
                    var canceled = state.SetShipHeroOrderStatus(Required(data, "order_id"), "canceled", Str(data, "reason"))
                                   ?? throw new GqlException($"Order {Str(data, "order_id")} not found", "5");
                    return result.Set("order", Order(canceled));
                case "order_update_fulfillment_status":
                    var updated = state.SetShipHeroOrderStatus(Required(data, "order_id"), Required(data, "fulfillment_status"), Str(data, "reason"))
                                  ?? throw new GqlException($"Order {Str(data, "order_id")} not found", "5");
                    return result.Set("order", Order(updated));
                case "inventory_add":
                case "inventory_remove":
                case "inventory_replace":
                    var quantity = Int(data, "quantity") ?? throw Missing("quantity", "Int!");
                    if (quantity < 0)
                    {
                        throw new GqlException("quantity must be a positive number", string.Empty);
                    }

                    var sku = Required(data, "sku");
                    var warehouse = Required(data, "warehouse_id");
                    state.ChangeShipHeroInventory(
                        sku, warehouse, name == "inventory_remove" ? -quantity : quantity, name == "inventory_replace", Str(data, "reason"), Str(data, "location_id"));
                    var w = SandboxState.FindShipHeroWarehouse(warehouse)!;
                    return result.Set("warehouse_product", WarehouseProduct(sku, w, state.ShipHeroOnHand(sku, w.Id) ?? 0));
                case "webhook_create":
                    var webhook = state.CreateShipHeroWebhook(Required(data, "name"), Required(data, "url"), Str(data, "shop_name"))
                                  ?? throw new GqlException($"A webhook named {Str(data, "name")} already exists for this shop", string.Empty);
                    return result.Set("webhook", Webhook(webhook, revealSecret: true));
                case "webhook_delete":
                    if (!state.DeleteShipHeroWebhook(Required(data, "name"), Str(data, "shop_name")))
                    {
                        throw new GqlException($"Webhook {Str(data, "name")} not found", "5");
                    }

                    return result;
                default:
                    throw new GqlException($"sandbox: root field {name} not implemented", "SANDBOX_NOT_IMPLEMENTED");
            }
        }

        switch (name)
        {
            case "orders":
                return WithData(result, a => Connection("Order", FilterOrders(args), o => o.LegacyId, Order, a));
            case "order":
                var order = state.FindShipHeroOrder(args.String("id") ?? throw Missing("id", "String!"));
                return result.Set("data", order is null ? null : Order(order));
            case "shipments":
                return WithData(result, a => Connection("Shipment", FilterShipments(args), s => s.LegacyId, Shipment, a));
            case "shipment":
                var legacy = ShipHeroId.LegacyOf(args.String("id"), "Shipment");
                var shipment = state.ShipHeroShipments.FirstOrDefault(s => s.LegacyId == legacy);
                return result.Set("data", shipment is null ? null : Shipment(shipment));
            case "inventory_changes":
                return WithData(result, a => Connection("InventoryChange", FilterChanges(args), c => c.Index, c => InventoryChange(c.Change), a));
            case "warehouse_products":
                var rows = state.ShipHeroStock()
                    .Where(s => args.String("sku") is not { } sku || s.Sku == sku)
                    .Where(s => args.String("warehouse_id") is not { } wh || s.Warehouse.LegacyId == SandboxState.FindShipHeroWarehouse(wh)?.LegacyId)
                    .Select((s, i) => (Index: (long)i, s.Sku, s.Warehouse, s.OnHand)).ToList();
                return WithData(result, a => Connection("WarehouseProduct", rows, r => r.Index, r => WarehouseProduct(r.Sku, r.Warehouse, r.OnHand), a));
            case "product":
                var product = args.String("sku") is { } bySku ? state.FindShipHeroProduct(bySku)
                    : state.ShipHeroProducts.FirstOrDefault(p => p.Id == args.String("id") || p.LegacyId == ShipHeroId.LegacyOf(args.String("id"), "Product"));
                return result.Set("data", product is null ? null : Product(product));
            case "webhooks":
                var hooks = state.ShipHeroWebhooks.Where(h => args.String("shop_name") is not { } shop || h.ShopName == shop).ToList();
                return WithData(result, a => Connection("Webhook", hooks, h => h.LegacyId, h => Webhook(h, revealSecret: false), a));
            default:
                throw new GqlException($"sandbox: root field {name} not implemented", "SANDBOX_NOT_IMPLEMENTED");
        }
    }

    private static GqlObject WithData(GqlObject result, Func<GqlArgs, object?> data)
    {
        result["data"] = data;
        return result;
    }

    private static GqlException Missing(string field, string type)
        => new($"Argument \"data\" has invalid value: In field \"{field}\": Expected \"{type}\", found null.", string.Empty);

    private static string? Str(JsonObject data, string name) => data[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static int? Int(JsonObject data, string name) => data[name] is JsonValue v
        ? v.TryGetValue<long>(out var n) ? (int)n : v.TryGetValue<double>(out var d) && d == Math.Floor(d) ? (int)d : v.TryGetValue<decimal>(out var m) && m == decimal.Floor(m) ? (int)m : null
        : null;

    private static string Required(JsonObject data, string name)
        => Str(data, name) is { Length: > 0 } s ? s : throw Missing(name, "String!");

    private static DateTimeOffset? Time(string? text)
        => text is null ? null
            : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
            : throw new GqlException($"ISODateTime cannot represent value: \"{text}\"", string.Empty);

    private ShipHeroOrder CreateOrder(JsonObject data)
    {
        var orderNumber = Required(data, "order_number");
        var shopName = Required(data, "shop_name");
        if (data["shipping_address"] is not JsonObject a)
        {
            throw Missing("shipping_address", "CreateOrderAddressInput");
        }

        foreach (var required in new[] { "address1", "city", "state", "zip", "country" })
        {
            if (Str(a, required) is not { Length: > 0 })
            {
                throw new GqlException($"Argument \"data\" has invalid value: In field \"shipping_address\": In field \"{required}\": Expected \"String!\", found null.", string.Empty);
            }
        }

        if (data["line_items"] is not JsonArray { Count: > 0 } items)
        {
            throw Missing("line_items", "[CreateLineItemInput]");
        }

        var lines = new List<(string, string, int, string, string?)>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] as JsonObject ?? throw Missing("line_items", "CreateLineItemInput");
            string Field(string name) => Str(item, name) is { Length: > 0 } s ? s
                : throw new GqlException($"Argument \"data\" has invalid value: In field \"line_items\": In element #{i.ToString(CultureInfo.InvariantCulture)}: In field \"{name}\": Expected \"String!\", found null.", string.Empty);
            var quantity = Int(item, "quantity")
                           ?? throw new GqlException($"Argument \"data\" has invalid value: In field \"line_items\": In element #{i.ToString(CultureInfo.InvariantCulture)}: In field \"quantity\": Expected \"Int!\", found null.", string.Empty);
            if (quantity <= 0)
            {
                throw new GqlException("Line item quantity must be greater than 0", string.Empty);
            }

            lines.Add((Field("sku"), Field("partner_line_item_id"), quantity, Field("price"), Str(item, "product_name")));
        }

        var address = new ShipHeroAddress(
            Str(a, "first_name"), Str(a, "last_name"), Str(a, "company"), Str(a, "address1"), Str(a, "address2"), Str(a, "city"),
            Str(a, "state"), Str(a, "state_code"), Str(a, "zip"), Str(a, "country"), Str(a, "country_code"), Str(a, "email"), Str(a, "phone"));
        return state.CreateShipHeroOrder(orderNumber, Str(data, "partner_order_id"), shopName, Str(data, "fulfillment_status"), Time(Str(data, "order_date")), address, lines);
    }

    private List<ShipHeroOrder> FilterOrders(GqlArgs args)
    {
        var updatedFrom = Time(args.String("updated_from") ?? args.String("updated_at_min"));
        var updatedTo = Time(args.String("updated_to"));
        var dateFrom = Time(args.String("order_date_from") ?? args.String("created_at_min"));
        var dateTo = Time(args.String("order_date_to"));
        var warehouse = args.String("warehouse_id") is { } w ? SandboxState.FindShipHeroWarehouse(w)?.Id ?? "none" : null;
        return
        [
            .. state.ShipHeroOrders.Where(o =>
                (args.String("partner_order_id") is not { } p || o.PartnerOrderId == p)
                && (args.String("order_number") is not { } n || o.OrderNumber == n)
                && (args.String("shop_name") is not { } s || o.ShopName == s)
                && (args.String("fulfillment_status") is not { } f || o.FulfillmentStatus == f)
                && (warehouse is null || o.WarehouseId == warehouse)
                && (updatedFrom is null || o.UpdatedAt >= updatedFrom) && (updatedTo is null || o.UpdatedAt <= updatedTo)
                && (dateFrom is null || o.OrderDate >= dateFrom) && (dateTo is null || o.OrderDate <= dateTo)),
        ];
    }

    private List<ShipHeroShipment> FilterShipments(GqlArgs args)
    {
        var from = Time(args.String("date_from"));
        var to = Time(args.String("date_to"));
        var order = args.String("order_id") is { } id ? state.FindShipHeroOrder(id)?.Id ?? "none" : null;
        return
        [
            .. state.ShipHeroShipments.Where(s =>
                (order is null || s.OrderId == order)
                && (from is null || s.CreatedDate >= from) && (to is null || s.CreatedDate <= to)),
        ];
    }

    private List<(long Index, ShipHeroInventoryChange Change)> FilterChanges(GqlArgs args)
    {
        var from = Time(args.String("date_from"));
        var to = Time(args.String("date_to"));
        var warehouse = args.String("warehouse_id") is { } w ? SandboxState.FindShipHeroWarehouse(w)?.Id ?? "none" : null;
        return
        [
            .. state.ShipHeroInventoryChanges.Select((c, i) => (Index: (long)i, Change: c)).Where(p =>
                (args.String("sku") is not { } sku || p.Change.Sku == sku)
                && (warehouse is null || p.Change.WarehouseId == warehouse)
                && (args.String("location_id") is not { } l || p.Change.LocationId == l)
                && (from is null || p.Change.CreatedAt >= from) && (to is null || p.Change.CreatedAt <= to)),
        ];
    }

    /// <summary>A Relay connection with graphene's cursors (<c>base64("arrayconnection:N")</c>): <c>first</c>/<c>after</c>, <c>last</c>/<c>before</c>.</summary>
    private static GqlObject Connection<T>(string type, IReadOnlyList<T> items, Func<T, long> key, Func<T, GqlObject> node, GqlArgs args)
    {
        _ = key;
        var start = args.String("after") is { } after ? Offset(after) + 1 : 0;
        var end = args.String("before") is { } before ? Math.Min(items.Count, Offset(before)) : items.Count;
        start = Math.Clamp(start, 0, items.Count);
        end = Math.Clamp(end, start, items.Count);
        var first = args.Int("first");
        var last = args.Int("last");
        if (first < 0 || last < 0)
        {
            throw new GqlException("first and last must be positive", string.Empty);
        }

        var windowEnd = Math.Min(end, start + (first ?? (last is null ? DefaultPage : end - start)));
        var windowStart = last is { } l ? Math.Max(start, windowEnd - l) : start;
        var edges = new List<GqlObject>();
        for (var i = windowStart; i < windowEnd; i++)
        {
            edges.Add(new GqlObject(type + "Edge", 0).Set("cursor", Cursor(i)).Set("node", node(items[i])));
        }

        var pageInfo = new GqlObject("PageInfo", 0)
            .Set("hasNextPage", windowEnd < end)
            .Set("hasPreviousPage", windowStart > start)
            .Set("startCursor", edges.Count == 0 ? null : Cursor(windowStart))
            .Set("endCursor", edges.Count == 0 ? null : Cursor(windowEnd - 1));
        return new GqlObject(type + "Connection", 0).Set("edges", edges).Set("pageInfo", pageInfo);

        static string Cursor(int index) => Convert.ToBase64String(Encoding.UTF8.GetBytes("arrayconnection:" + index.ToString(CultureInfo.InvariantCulture)));

        static int Offset(string cursor)
        {
            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
                return text.StartsWith("arrayconnection:", StringComparison.Ordinal)
                       && int.TryParse(text.AsSpan("arrayconnection:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                    ? n : throw new GqlException($"Invalid cursor {cursor}", string.Empty);
            }
            catch (FormatException)
            {
                throw new GqlException($"Invalid cursor {cursor}", string.Empty);
            }
        }
    }

    private GqlObject Order(ShipHeroOrder o)
    {
        var obj = new GqlObject("Order")
            .Set("id", o.Id).Set("legacy_id", o.LegacyId).Set("order_number", o.OrderNumber).Set("partner_order_id", o.PartnerOrderId)
            .Set("shop_name", o.ShopName).Set("fulfillment_status", o.FulfillmentStatus).Set("order_date", o.OrderDate)
            .Set("updated_at", o.UpdatedAt).Set("email", o.ShippingAddress.Email).Set("account_id", ShipHeroId.Of("Account", SandboxState.ShipHeroAccountLegacyId))
            .Set("shipping_address", Address(o.ShippingAddress))
            .Set("shipments", state.ShipHeroShipments.Where(s => s.OrderId == o.Id).Select(Shipment).ToList());
        obj["line_items"] = a => Connection("LineItem", o.LineItems, l => l.LegacyId, l => LineItem(l, o), a);
        return obj;
    }

    private static GqlObject Address(ShipHeroAddress a) => new GqlObject("Address", 0)
        .Set("first_name", a.FirstName).Set("last_name", a.LastName).Set("company", a.Company).Set("address1", a.Address1)
        .Set("address2", a.Address2).Set("city", a.City).Set("state", a.State).Set("state_code", a.StateCode).Set("zip", a.Zip)
        .Set("country", a.Country).Set("country_code", a.CountryCode).Set("email", a.Email).Set("phone", a.Phone);

    private GqlObject LineItem(ShipHeroOrderLine l, ShipHeroOrder o) => new GqlObject("LineItem")
        .Set("id", l.Id).Set("legacy_id", l.LegacyId).Set("sku", l.Sku).Set("partner_line_item_id", l.PartnerLineItemId)
        .Set("product_id", state.FindShipHeroProduct(l.Sku)?.Id).Set("quantity", l.Quantity).Set("price", l.Price)
        .Set("product_name", l.ProductName).Set("quantity_allocated", o.FulfillmentStatus == "canceled" ? 0 : Math.Max(0, l.QuantityAllocated - l.QuantityShipped))
        .Set("quantity_shipped", l.QuantityShipped).Set("quantity_pending_fulfillment", o.FulfillmentStatus == "canceled" ? 0 : l.Quantity - l.QuantityShipped)
        .Set("backorder_quantity", o.FulfillmentStatus == "canceled" ? 0 : Math.Max(0, l.Quantity - Math.Max(l.QuantityAllocated, l.QuantityShipped)))
        .Set("fulfillment_status", l.QuantityShipped >= l.Quantity ? "fulfilled" : o.FulfillmentStatus == "canceled" ? "canceled" : "pending")
        .Set("warehouse_id", o.WarehouseId);

    private GqlObject Shipment(ShipHeroShipment s)
    {
        var order = state.FindShipHeroOrder(s.OrderId);
        var label = new GqlObject("ShippingLabel")
            .Set("id", ShipHeroId.Of("ShippingLabel", s.LegacyId)).Set("legacy_id", s.LegacyId).Set("shipment_id", s.Id).Set("order_id", s.OrderId)
            .Set("order_number", order?.OrderNumber).Set("status", "valid").Set("tracking_number", s.TrackingNumber).Set("carrier", s.Carrier)
            .Set("shipping_name", s.Carrier + " " + s.ShippingMethod).Set("shipping_method", s.ShippingMethod)
            .Set("tracking_url", ShipHeroWebhookSender.TrackingUrl(s.Carrier, s.TrackingNumber)).Set("created_date", s.CreatedDate)
            .Set("cost", "0.00").Set("warehouse", SandboxState.FindShipHeroWarehouse(s.WarehouseId)?.Identifier);
        var obj = new GqlObject("Shipment")
            .Set("id", s.Id).Set("legacy_id", s.LegacyId).Set("order_id", s.OrderId).Set("warehouse_id", s.WarehouseId)
            .Set("created_date", s.CreatedDate).Set("shipped_off_shiphero", false).Set("dropshipment", false)
            .Set("order", order is null ? null : new GqlObject("Order").Set("id", order.Id).Set("legacy_id", order.LegacyId)
                .Set("order_number", order.OrderNumber).Set("partner_order_id", order.PartnerOrderId).Set("shop_name", order.ShopName)
                .Set("fulfillment_status", order.FulfillmentStatus))
            .Set("shipping_labels", new List<GqlObject> { label });

        // One ShipmentLineItem per order line, with its lots (the sandbox's form of the lots on shipment line items).
        var lines = s.LineItems.GroupBy(l => l.LineItemId).Select(g => (Index: g.First().LegacyId, Lines: g.ToList())).ToList();
        obj["line_items"] = a => Connection("ShipmentLineItem", lines, g => g.Index, g => ShipmentLine(s, g.Lines, order), a);
        return obj;
    }

    private static GqlObject ShipmentLine(ShipHeroShipment s, List<ShipHeroShipmentLine> lines, ShipHeroOrder? order)
    {
        var first = lines[0];
        var orderLine = order?.LineItems.FirstOrDefault(l => l.Id == first.LineItemId);
        return new GqlObject("ShipmentLineItem")
            .Set("id", first.Id).Set("legacy_id", first.LegacyId).Set("line_item_id", first.LineItemId).Set("shipment_id", s.Id)
            .Set("shipping_label_id", ShipHeroId.Of("ShippingLabel", s.LegacyId)).Set("quantity", lines.Sum(l => l.Quantity))
            .Set("line_item", orderLine is null ? null : new GqlObject("LineItem").Set("id", orderLine.Id).Set("legacy_id", orderLine.LegacyId)
                .Set("sku", orderLine.Sku).Set("partner_line_item_id", orderLine.PartnerLineItemId).Set("quantity", orderLine.Quantity)
                .Set("product_name", orderLine.ProductName))
            .Set("lots", lines.Where(l => l.LotName is not null).Select(l => new GqlObject("ShipmentLineItemLot", 0)
                .Set("lot_id", l.LotId is { } id ? ShipHeroId.Of("Lot", id) : null).Set("lot_name", l.LotName)
                .Set("lot_expiration", l.LotExpiration?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Set("quantity", l.Quantity)).ToList());
    }

    private static GqlObject InventoryChange(ShipHeroInventoryChange c) => new GqlObject("InventoryChange")
        .Set("user_id", ShipHeroId.Of("User", 777)).Set("account_id", ShipHeroId.Of("Account", SandboxState.ShipHeroAccountLegacyId))
        .Set("warehouse_id", c.WarehouseId).Set("sku", c.Sku).Set("previous_on_hand", c.PreviousOnHand).Set("change_in_on_hand", c.ChangeInOnHand)
        .Set("reason", c.Reason).Set("cycle_counted", false).Set("location_id", c.LocationId).Set("created_at", c.CreatedAt);

    private GqlObject WarehouseProduct(string sku, ShipHeroWarehouse w, int onHand)
    {
        var allocated = state.ShipHeroAllocated(sku, w.LegacyId);
        var product = state.FindShipHeroProduct(sku);
        var legacy = (product?.LegacyId ?? 0) * 10_000 + w.LegacyId;
        return new GqlObject("WarehouseProduct")
            .Set("id", ShipHeroId.Of("WarehouseProduct", legacy)).Set("legacy_id", legacy)
            .Set("account_id", ShipHeroId.Of("Account", SandboxState.ShipHeroAccountLegacyId)).Set("sku", sku)
            .Set("warehouse_id", w.Id).Set("warehouse_identifier", w.Identifier).Set("on_hand", onHand).Set("inventory_bin", "Bin A1")
            .Set("allocated", allocated).Set("available", Math.Max(0, onHand - allocated)).Set("backorder", Math.Max(0, allocated - onHand))
            .Set("reserve_inventory", 0).Set("non_sellable_quantity", 0).Set("active", true)
            .Set("product", product is null ? null : new GqlObject("Product").Set("id", product.Id).Set("legacy_id", product.LegacyId)
                .Set("sku", product.Sku).Set("name", product.Name));
    }

    private GqlObject Product(ShipHeroProduct p) => new GqlObject("Product")
        .Set("id", p.Id).Set("legacy_id", p.LegacyId).Set("sku", p.Sku).Set("name", p.Name).Set("created_at", p.CreatedAt)
        .Set("warehouse_products", state.ShipHeroStock().Where(s => s.Sku == p.Sku).Select(s => WarehouseProduct(s.Sku, s.Warehouse, s.OnHand)).ToList());

    private static GqlObject Webhook(ShipHeroWebhook h, bool revealSecret) => new GqlObject("Webhook")
        .Set("id", h.Id).Set("legacy_id", h.LegacyId).Set("account_id", ShipHeroId.Of("Account", SandboxState.ShipHeroAccountLegacyId))
        .Set("shop_name", h.ShopName).Set("name", h.Name).Set("url", h.Url).Set("source", "API")
        .Set("shared_signature_secret", revealSecret ? h.SharedSignatureSecret : null).Set("health", "HEALTHY").Set("created_at", h.CreatedAt);

    /// <summary>The estimate of a field's selection: objects 1, connections <c>first</c> (default 100) times their nodes.</summary>
    private int Cost(GraphQLField field, GqlArgs args, bool root)
    {
        var total = 0;
        foreach (var (_, child) in executor.SelectedFields(field))
        {
            if (child.SelectionSet is null)
            {
                continue;
            }

            var name = child.Name.StringValue;
            var childArgs = executor.Arguments(child);
            if (Connections.Contains(name) && (name == "data" ? root && !executor.IsMutation && IsListRoot(field) : true))
            {
                var page = childArgs.Int("first") ?? childArgs.Int("last") ?? DefaultPage;
                total += 1 + (Math.Max(0, page) * NodeCost(child));
            }
            else if (name is "edges" or "node" or "pageInfo")
            {
                total += Cost(child, childArgs, root: false);
            }
            else
            {
                total += 1 + Cost(child, childArgs, root: false);
            }
        }

        return total;
    }

    private int NodeCost(GraphQLField connection)
    {
        var total = 0;
        foreach (var (_, edges) in executor.SelectedFields(connection).Where(f => f.Field.Name.StringValue == "edges"))
        {
            foreach (var (_, node) in executor.SelectedFields(edges).Where(f => f.Field.Name.StringValue == "node"))
            {
                total += 1 + Cost(node, GqlArgs.Empty, root: false);
            }
        }

        return Math.Max(1, total);
    }

    private static bool IsListRoot(GraphQLField field)
        => field.Name.StringValue is "orders" or "shipments" or "inventory_changes" or "warehouse_products" or "webhooks";
}
