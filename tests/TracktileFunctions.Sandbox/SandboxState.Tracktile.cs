using System.Text.Json;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.Sandbox;

public sealed partial class SandboxState
{
    private readonly Dictionary<string, TracktileOrder> _orders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TracktileProduct> _products = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InventoryEntity> _inventoryEntities = new(StringComparer.Ordinal);
    private readonly List<CustomerPut> _customerPuts = [];
    private readonly List<TracktileOrder> _createdOrders = [];
    private int _nextCreatedOrder = 1;
    private readonly Dictionary<string, JsonElement> _tracktileCustomers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, System.Text.Json.Nodes.JsonObject> _shipments = new(StringComparer.Ordinal);
    private readonly List<ShipmentPatch> _shipmentPatches = [];

    /// <summary>The shipments (seeded, then patched) as <c>GET /tracktile/shipments/{id}</c> returns them, by id.</summary>
    public IReadOnlyList<System.Text.Json.Nodes.JsonObject> Shipments
    {
        get
        {
            lock (_gate)
            {
                return [.. _shipments.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.DeepClone().AsObject())];
            }
        }
    }

    /// <summary>Every <c>PATCH /tracktile/shipments/{id}</c> applied (unknown ids and faulted ones excluded), oldest first.</summary>
    public IReadOnlyList<ShipmentPatch> ShipmentPatches
    {
        get
        {
            lock (_gate)
            {
                return [.. _shipmentPatches];
            }
        }
    }

    /// <summary>Adds shipments, replacing any with the same id.</summary>
    public void SeedShipments(params TracktileShipment[] shipments)
    {
        ArgumentNullException.ThrowIfNull(shipments);
        lock (_gate)
        {
            foreach (var shipment in shipments)
            {
                _shipments[shipment.Id] = JsonSerializer.SerializeToNode(shipment, Hosting.SandboxJson.Options)!.AsObject();
            }
        }
    }

    /// <summary>The shipment <paramref name="id"/> as JSON (a copy), or null.</summary>
    public System.Text.Json.Nodes.JsonObject? FindShipment(string id)
    {
        lock (_gate)
        {
            return _shipments.TryGetValue(id, out var shipment) ? shipment.DeepClone().AsObject() : null;
        }
    }

    /// <summary>Applies a JSON merge patch (RFC 7396; <c>id</c> kept) and records it; null when the shipment is unknown.</summary>
    internal System.Text.Json.Nodes.JsonObject? PatchShipment(string id, JsonElement patch)
    {
        lock (_gate)
        {
            if (!_shipments.TryGetValue(id, out var shipment))
            {
                return null;
            }

            Merge(shipment, System.Text.Json.Nodes.JsonNode.Parse(patch.GetRawText())!.AsObject());
            shipment["id"] = id;
            _shipmentPatches.Add(new ShipmentPatch(id, patch.Clone(), TimeProvider.GetUtcNow()));
            return shipment.DeepClone().AsObject();
        }

        static void Merge(System.Text.Json.Nodes.JsonObject target, System.Text.Json.Nodes.JsonObject patch)
        {
            foreach (var (key, value) in patch.ToList())
            {
                if (value is null)
                {
                    target.Remove(key);
                }
                else if (value is System.Text.Json.Nodes.JsonObject inner && target[key] is System.Text.Json.Nodes.JsonObject existing)
                {
                    Merge(existing, inner);
                }
                else
                {
                    target[key] = value.DeepClone();
                }
            }
        }
    }

    /// <summary>The seeded Tracktile orders, by id.</summary>
    public IReadOnlyList<TracktileOrder> Orders
    {
        get
        {
            lock (_gate)
            {
                return [.. _orders.Values.OrderBy(o => o.Id, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Every order made by <c>POST /tracktile/orders</c>, oldest first, as created (later PATCHes not applied).</summary>
    public IReadOnlyList<TracktileOrder> CreatedOrders
    {
        get
        {
            lock (_gate)
            {
                return [.. _createdOrders];
            }
        }
    }

    /// <summary>How many orders <c>POST /tracktile/orders</c> created with <paramref name="shortId"/> (Tracktile does not de-duplicate).</summary>
    public int CreatedOrderCount(string shortId)
    {
        lock (_gate)
        {
            return _createdOrders.Count(o => string.Equals(o.ShortId, shortId, StringComparison.Ordinal));
        }
    }

    /// <summary>The seeded Tracktile products, in the order <c>GET /products</c> lists them (modifiedAt, then id).</summary>
    public IReadOnlyList<TracktileProduct> Products => ProductsModifiedSince(null);

    /// <summary>The seeded inventory entities, by id.</summary>
    public IReadOnlyList<InventoryEntity> InventoryEntities
    {
        get
        {
            lock (_gate)
            {
                return [.. _inventoryEntities.Values.OrderBy(e => e.Id, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Every <c>PUT /tracktile/customers/{id}</c> received (faulted ones excluded), oldest first.</summary>
    public IReadOnlyList<CustomerPut> CustomerPuts
    {
        get
        {
            lock (_gate)
            {
                return [.. _customerPuts];
            }
        }
    }

    /// <summary>The body of the last <c>PUT /tracktile/customers/{customerId}</c>, or null when there was none.</summary>
    public JsonElement? LastCustomerBody(string customerId)
    {
        lock (_gate)
        {
            return _customerPuts.FindLast(p => p.CustomerId == customerId)?.Body;
        }
    }

    /// <summary>Adds orders, replacing any with the same id.</summary>
    public void SeedOrders(params IEnumerable<TracktileOrder> orders) => Seed(_orders, orders, o => o.Id);

    /// <summary>Adds products, replacing any with the same id.</summary>
    public void SeedProducts(params IEnumerable<TracktileProduct> products) => Seed(_products, products, p => p.Id);

    /// <summary>Adds inventory entities, replacing any with the same id.</summary>
    public void SeedInventoryEntities(params IEnumerable<InventoryEntity> entities) => Seed(_inventoryEntities, entities, e => e.Id);

    internal TracktileOrder? FindOrder(string id)
    {
        lock (_gate)
        {
            return _orders.GetValueOrDefault(id);
        }
    }

    internal TracktileOrder CreateOrder(string shortId, string customerId, DateOnly? dueDate, string currency, IReadOnlyList<TracktileOrderItem> items)
    {
        lock (_gate)
        {
            string id;
            do
            {
                id = "ord_" + _nextCreatedOrder++.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            while (_orders.ContainsKey(id));

            var order = new TracktileOrder(id, shortId, customerId, dueDate, currency, "pending", items);
            _orders[id] = order;
            _createdOrders.Add(order);
            return order;
        }
    }

    internal IReadOnlyList<TracktileOrder> OrdersWithShortId(string shortId)
    {
        lock (_gate)
        {
            return [.. _orders.Values.Where(o => string.Equals(o.ShortId, shortId, StringComparison.Ordinal)).OrderBy(o => o.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>Replaces an existing order (a PATCH's result); false when there is none with its id.</summary>
    internal bool ReplaceOrder(TracktileOrder order)
    {
        lock (_gate)
        {
            if (!_orders.ContainsKey(order.Id))
            {
                return false;
            }

            _orders[order.Id] = order;
            return true;
        }
    }

    internal IReadOnlyList<InventoryEntity> InventoryEntitiesOf(string productId)
    {
        lock (_gate)
        {
            return [.. _inventoryEntities.Values.Where(e => string.Equals(e.ProductId, productId, StringComparison.Ordinal)).OrderBy(e => e.Id, StringComparer.Ordinal)];
        }
    }

    internal InventoryEntity? FindInventoryEntity(string id)
    {
        lock (_gate)
        {
            return _inventoryEntities.GetValueOrDefault(id);
        }
    }

    /// <summary>Products with <c>modifiedAt &gt;= since</c> (all when null), by modifiedAt then id.</summary>
    internal IReadOnlyList<TracktileProduct> ProductsModifiedSince(DateTimeOffset? since)
    {
        lock (_gate)
        {
            return
            [
                .. _products.Values
                    .Where(p => since is null || p.ModifiedAt >= since)
                    .OrderBy(p => p.ModifiedAt)
                    .ThenBy(p => p.Id, StringComparer.Ordinal),
            ];
        }
    }

    internal void RecordCustomerPut(string customerId, JsonElement body)
    {
        lock (_gate)
        {
            _customerPuts.Add(new CustomerPut(customerId, body, TimeProvider.GetUtcNow()));
            _tracktileCustomers[customerId] = body;
        }
    }

    /// <summary>Sets a customer as Tracktile holds it (what <c>GET /customers/{id}</c> answers), as if changed in Tracktile.</summary>
    public void SeedCustomer(string customerId, JsonElement body)
    {
        lock (_gate)
        {
            _tracktileCustomers[customerId] = body;
        }
    }

    /// <summary>The customer as Tracktile holds it: the last PUT or seed, or null.</summary>
    public JsonElement? FindCustomer(string customerId)
    {
        lock (_gate)
        {
            return _tracktileCustomers.TryGetValue(customerId, out var body) ? body : null;
        }
    }

    private void Seed<T>(Dictionary<string, T> store, IEnumerable<T> items, Func<T, string> id)
    {
        ArgumentNullException.ThrowIfNull(items);
        var list = items.ToList();
        if (list.Exists(item => item is null || string.IsNullOrEmpty(id(item))))
        {
            throw new ArgumentException("Every seeded item needs an id.", nameof(items));
        }

        lock (_gate)
        {
            foreach (var item in list)
            {
                store[id(item)] = item;
            }
        }
    }

    private void ResetTracktile()
    {
        _orders.Clear();
        _products.Clear();
        _inventoryEntities.Clear();
        _customerPuts.Clear();
        _createdOrders.Clear();
        _nextCreatedOrder = 1;
        _tracktileCustomers.Clear();
        _shipments.Clear();
        _shipmentPatches.Clear();
    }
}
