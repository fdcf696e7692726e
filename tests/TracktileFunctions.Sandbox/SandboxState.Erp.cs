using System.Globalization;
using System.Text.Json;
using TracktileFunctions.Sandbox.Erp;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.Sandbox;

public sealed partial class SandboxState
{
    private readonly List<SalesOrderEntry> _salesOrders = [];
    private readonly List<ShipmentConfirmation> _shipmentConfirmations = [];
    private readonly Dictionary<string, ErpProduct> _erpProducts = new(StringComparer.Ordinal);
    private readonly List<CustomerPut> _erpCustomerPuts = [];
    private readonly Dictionary<string, JsonElement> _erpCustomers = new(StringComparer.Ordinal);
    private readonly List<StockMovement> _stockMovements = [];
    private readonly Dictionary<StockKey, decimal> _stock = [];
    private int _salesOrderCount;

    /// <summary>The sales orders created through <c>POST /erp/sales-orders</c>, oldest first.</summary>
    public IReadOnlyList<ErpSalesOrder> SalesOrders
    {
        get
        {
            lock (_gate)
            {
                return [.. _salesOrders.Select(o => o.ToRecord())];
            }
        }
    }

    /// <summary>The shipment confirmations that took effect, oldest first.</summary>
    public IReadOnlyList<ShipmentConfirmation> ShipmentConfirmations
    {
        get
        {
            lock (_gate)
            {
                return [.. _shipmentConfirmations];
            }
        }
    }

    /// <summary>The products upserted through <c>PUT /erp/products/{productId}</c>, by product id.</summary>
    /// <summary>Every <c>PUT customers/{id}</c> the ERP took (Tracktile -> ERP customer sync).</summary>
    public IReadOnlyList<CustomerPut> ErpCustomerPuts
    {
        get
        {
            lock (_gate)
            {
                return [.. _erpCustomerPuts];
            }
        }
    }

    internal void RecordErpCustomerPut(string customerId, JsonElement body)
    {
        lock (_gate)
        {
            _erpCustomerPuts.Add(new CustomerPut(customerId, body, TimeProvider.GetUtcNow()));
            _erpCustomers[customerId] = body;
        }
    }

    /// <summary>Sets a customer as the ERP holds it (what <c>GET /erp/customers/{id}</c> answers), as if changed in the ERP.</summary>
    public void SeedErpCustomer(string customerId, JsonElement body)
    {
        lock (_gate)
        {
            _erpCustomers[customerId] = body.Clone();
        }
    }

    /// <summary>The customer as the ERP holds it: the last PUT or seed, or null.</summary>
    public JsonElement? FindErpCustomer(string customerId)
    {
        lock (_gate)
        {
            return _erpCustomers.TryGetValue(customerId, out var body) ? body : null;
        }
    }

    public IReadOnlyDictionary<string, ErpProduct> ErpProducts
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, ErpProduct>(_erpProducts, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>The stock movements applied, oldest first.</summary>
    public IReadOnlyList<StockMovement> StockMovements
    {
        get
        {
            lock (_gate)
            {
                return [.. _stockMovements];
            }
        }
    }

    /// <summary>Every (product, lot, location) the ledger has seen, with its quantity (zero included).</summary>
    public IReadOnlyList<StockLine> StockLedger
    {
        get
        {
            lock (_gate)
            {
                return
                [
                    .. _stock.Select(s => new StockLine(s.Key.ProductId, s.Key.LotCode, s.Key.Location, s.Value))
                        .OrderBy(s => s.ProductId, StringComparer.Ordinal)
                        .ThenBy(s => s.LotCode, StringComparer.Ordinal)
                        .ThenBy(s => s.Location, StringComparer.Ordinal),
                ];
            }
        }
    }

    /// <summary>The quantity of each (product, lot), all locations together.</summary>
    public IReadOnlyList<LotStock> LotTotals
        => [.. StockLedger.GroupBy(s => (s.ProductId, s.LotCode)).Select(g => new LotStock(g.Key.ProductId, g.Key.LotCode, g.Sum(s => s.Quantity)))];

    /// <summary>The quantity of <paramref name="lotCode"/> of <paramref name="productId"/> at <paramref name="location"/>.</summary>
    public decimal StockOf(string productId, string? lotCode, string location)
    {
        lock (_gate)
        {
            return _stock.GetValueOrDefault(new StockKey(productId, lotCode, location));
        }
    }

    /// <summary>The quantity of <paramref name="lotCode"/> of <paramref name="productId"/>, all locations together.</summary>
    public decimal LotTotal(string productId, string? lotCode)
    {
        lock (_gate)
        {
            return _stock.Where(s => s.Key.ProductId == productId && s.Key.LotCode == lotCode).Sum(s => s.Value);
        }
    }

    /// <returns>The new ERP id.</returns>
    internal string CreateSalesOrder(string externalId, JsonElement body, SalesOrderStatusChange initialStatus)
    {
        lock (_gate)
        {
            var id = "SO-" + (++_salesOrderCount).ToString(CultureInfo.InvariantCulture);
            _salesOrders.Add(new SalesOrderEntry(id, externalId, body, initialStatus.IdempotencyKey, [initialStatus]));
            return id;
        }
    }

    /// <returns>False when there is no sales order <paramref name="id"/>.</returns>
    internal bool TryUpdateSalesOrderStatus(string id, SalesOrderStatusChange change)
    {
        lock (_gate)
        {
            var order = _salesOrders.Find(o => o.Id == id);
            order?.History.Add(change);
            return order is not null;
        }
    }

    internal void ConfirmShipment(ShipmentConfirmation confirmation)
    {
        lock (_gate)
        {
            _shipmentConfirmations.Add(confirmation);
        }
    }

    /// <returns>True when the product was new.</returns>
    internal bool UpsertErpProduct(string productId, JsonElement body)
    {
        lock (_gate)
        {
            var count = _erpProducts.TryGetValue(productId, out var existing) ? existing.UpsertCount : 0;
            _erpProducts[productId] = new ErpProduct(productId, body, count + 1, TimeProvider.GetUtcNow());
            return existing is null;
        }
    }

    /// <summary>Forgets every product the ERP holds, as if it lost them (a restore from an old backup).</summary>
    public void LoseErpProducts()
    {
        lock (_gate)
        {
            _erpProducts.Clear();
        }
    }

    /// <summary>Applies a validated movement (see <see cref="MovementTypes"/>) and gives it an id.</summary>
    internal StockMovement ApplyStockMovement(StockMovement movement)
    {
        lock (_gate)
        {
            var applied = movement with { Id = "SM-" + (_stockMovements.Count + 1).ToString(CultureInfo.InvariantCulture) };
            switch (applied.MovementType)
            {
                case MovementTypes.Receipt or MovementTypes.Production or MovementTypes.Adjustment:
                    AddStock(applied, applied.ToLocation!, applied.Quantity);
                    break;
                case MovementTypes.Transfer:
                    AddStock(applied, applied.FromLocation!, -applied.Quantity);
                    AddStock(applied, applied.ToLocation!, applied.Quantity);
                    break;
                case MovementTypes.WriteOff:
                    AddStock(applied, applied.FromLocation!, -applied.Quantity);
                    break;
                default:
                    throw new ArgumentException($"Unknown movement type '{applied.MovementType}'.", nameof(movement));
            }

            _stockMovements.Add(applied);
            return applied;
        }
    }

    private void AddStock(StockMovement movement, string location, decimal delta)
    {
        var key = new StockKey(movement.ProductId, movement.LotCode, location);
        _stock[key] = _stock.GetValueOrDefault(key) + delta;
    }

    private void ResetErp()
    {
        _salesOrders.Clear();
        _shipmentConfirmations.Clear();
        _erpProducts.Clear();
        _erpCustomerPuts.Clear();
        _erpCustomers.Clear();
        _stockMovements.Clear();
        _stock.Clear();
        _salesOrderCount = 0;
    }

    private readonly record struct StockKey(string ProductId, string? LotCode, string Location);

    private sealed record SalesOrderEntry(string Id, string ExternalId, JsonElement Body, string? IdempotencyKey, List<SalesOrderStatusChange> History)
    {
        public ErpSalesOrder ToRecord() => new(Id, ExternalId, History[^1].Status, Body, [.. History], IdempotencyKey);
    }
}
