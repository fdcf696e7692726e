using System.Text.Json;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.Sandbox;

public sealed partial class SandboxState
{
    private readonly Dictionary<string, TracktileOrder> _orders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TracktileProduct> _products = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InventoryEntity> _inventoryEntities = new(StringComparer.Ordinal);
    private readonly List<CustomerPut> _customerPuts = [];
    private readonly Dictionary<string, JsonElement> _tracktileCustomers = new(StringComparer.Ordinal);

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
        _tracktileCustomers.Clear();
    }
}
