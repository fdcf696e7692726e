using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Warehouse;

/// <summary>Which Tracktile shipments go to the warehouse, and how (bound under each WMS's <c>Orders</c> section).</summary>
public sealed class WarehouseOrderOptions
{
    /// <summary>Event kinds that make a shipment ready for the warehouse by themselves.</summary>
    public List<string> ReadyKinds { get; set; } = [];

    /// <summary>The defaults of <see cref="ReadyKinds"/>.</summary>
    public static IReadOnlyList<string> DefaultReadyKinds { get; } = ["shipment.items.assigned"];

    /// <summary><c>shipment.status.changed</c> statuses that make it ready.</summary>
    public List<string> ReadyStatuses { get; set; } = [];

    /// <summary>The defaults of <see cref="ReadyStatuses"/>.</summary>
    public static IReadOnlyList<string> DefaultReadyStatuses { get; } = ["picking"];

    /// <summary>The status that cancels the ShipHero order.</summary>
    [Required]
    public string CancelledStatus { get; set; } = "cancelled";

    /// <summary>Put before the Tracktile shipment's short id (or id) to make ShipHero's <c>order_number</c>.</summary>
    public string OrderNumberPrefix { get; set; } = "";

    /// <summary>The status Tracktile's shipment gets when ShipHero ships it (Tracktile's statuses are snake_case).</summary>
    [Required]
    public string ShippedStatus { get; set; } = "in_transit";

    /// <summary>
    /// How long, in seconds, an order create whose answer was lost may take to show in the WMS's order look-up before it
    /// is sent again (default 120: ShipHero does not document how soon a new order is searchable).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0, 3600)]
    public int SettleSeconds { get; set; } = 120;

    /// <summary>Reads empty app settings as unset ones; empty lists take the defaults.</summary>
    public void Normalize()
    {
        ReadyKinds = ReadyKinds.Count == 0 ? [.. DefaultReadyKinds] : [.. ReadyKinds.Where(k => !string.IsNullOrWhiteSpace(k))];
        ReadyStatuses = ReadyStatuses.Count == 0 ? [.. DefaultReadyStatuses] : [.. ReadyStatuses.Where(k => !string.IsNullOrWhiteSpace(k))];
        CancelledStatus = string.IsNullOrWhiteSpace(CancelledStatus) ? "cancelled" : CancelledStatus.Trim();
        ShippedStatus = string.IsNullOrWhiteSpace(ShippedStatus) ? "in_transit" : ShippedStatus.Trim();
        OrderNumberPrefix ??= "";
    }
}
