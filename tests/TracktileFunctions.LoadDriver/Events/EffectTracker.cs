using TracktileFunctions.Sandbox;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>
/// The effects a phase's events are expected to have in the sandbox's ERP, one each: a sales order per order event
/// (by its Tracktile order id), a shipment confirmation per shipment event, a stock movement per inventory event (by
/// its source event id).
/// </summary>
internal sealed class EffectTracker(IReadOnlyList<LoadEvent> events)
{
    private readonly HashSet<string> _orders = Keys(events, EventKind.Order);
    private readonly HashSet<string> _shipments = Keys(events, EventKind.Shipment);
    private readonly HashSet<string> _movements = [.. events.Where(e => e.Kind == EventKind.Inventory).Select(e => e.Id)];

    public int Expected => events.Count;

    /// <summary>The effects that happened so far (one snapshot of each list).</summary>
    public int Count(SandboxState state)
        => (_orders.Count == 0 ? 0 : state.SalesOrders.Count(o => _orders.Contains(o.ExternalId)))
           + (_shipments.Count == 0 ? 0 : state.ShipmentConfirmations.Count(c => _shipments.Contains(c.ShipmentId)))
           + (_movements.Count == 0 ? 0 : state.StockMovements.Count(m => m.SourceEventId is { } id && _movements.Contains(id)));

    /// <summary>The effects so far of each kind, against those expected (for a failure message).</summary>
    public string Describe(SandboxState state) => string.Join(", ",
        $"orders {state.SalesOrders.Count(o => _orders.Contains(o.ExternalId)):N0} of {_orders.Count:N0}",
        $"shipments {state.ShipmentConfirmations.Count(c => _shipments.Contains(c.ShipmentId)):N0} of {_shipments.Count:N0}",
        $"inventory {state.StockMovements.Count(m => m.SourceEventId is { } id && _movements.Contains(id)):N0} of {_movements.Count:N0}");

    /// <summary>
    /// When the last effect was recorded: the ERP's own time of each sales order and confirmation, taken after the
    /// latency; a stock movement keeps no time, so its call's arrival (the calls after <paramref name="since"/>) plus
    /// the latency.
    /// </summary>
    public DateTimeOffset? LastEffect(SandboxState state, DateTimeOffset since, TimeSpan latency)
    {
        IEnumerable<DateTimeOffset> times =
        [
            .. state.SalesOrders.Where(o => _orders.Contains(o.ExternalId)).Select(o => o.StatusHistory[0].ReceivedAt),
            .. state.ShipmentConfirmations.Where(c => _shipments.Contains(c.ShipmentId)).Select(c => c.ReceivedAt),
            .. _movements.Count == 0 ? [] : state.CallsTo("POST", "/erp/stock-movements").Where(c => c.StatusCode is >= 200 and < 300 && c.Time >= since).Select(c => c.Time + latency),
        ];
        return times.DefaultIfEmpty().Max() is { } last && last != default ? last : null;
    }

    private static HashSet<string> Keys(IEnumerable<LoadEvent> events, EventKind kind) => [.. events.Where(e => e.Kind == kind).Select(e => e.Key)];
}
