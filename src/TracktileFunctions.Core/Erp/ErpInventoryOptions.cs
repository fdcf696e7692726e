namespace TracktileFunctions.Erp;

/// <summary>How Tracktile inventory (lot) events become ERP stock movements. Bound from <c>Erp:Inventory</c>.</summary>
public sealed class ErpInventoryOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Erp:Inventory";

    /// <summary>
    /// Event kind -> movement type. Tracktile documents <c>inventory.received</c> and <c>inventory.produced</c>; the
    /// other kind strings are named in its docs but not spelled out, so they are settings. When empty, the defaults
    /// in <see cref="DefaultMovements"/> apply.
    /// </summary>
    public Dictionary<string, StockMovementType> Movements { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The default kind -> movement table.</summary>
    public static IReadOnlyDictionary<string, StockMovementType> DefaultMovements { get; } = new Dictionary<string, StockMovementType>
    {
        ["inventory.received"] = StockMovementType.Receipt,
        ["inventory.produced"] = StockMovementType.Production,
        ["inventory.moved"] = StockMovementType.Transfer,
        ["inventory.modified"] = StockMovementType.Adjustment,
        ["inventory.destroyed"] = StockMovementType.WriteOff,
    };

    /// <summary>
    /// Tracktile node id -> ERP location (warehouse/bin). An event at a node not listed here is a permanent failure
    /// (poison, with the node named), never a silent default.
    /// </summary>
    public Dictionary<string, string> Locations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>For a transfer: the payload property holding the source node (<c>node</c> is the destination). Undocumented; a setting.</summary>
    public string TransferFromProperty { get; set; } = "fromNode";

    /// <summary>For an adjustment: the entity property holding the signed quantity change. Undocumented; a setting.</summary>
    public string AdjustmentDeltaProperty { get; set; } = "quantityDelta";

    /// <summary>
    /// When the payload lacks the product, lot code or unit, read the lot from Tracktile's API. Never the quantity: a
    /// movement is the event's change, and an event without one is a permanent failure.
    /// </summary>
    public bool FetchMissingFromTracktile { get; set; } = true;

    /// <summary>
    /// Merges the configured movement types over the defaults (one kind set does not drop the others) and reads the
    /// list form of <see cref="Locations"/> (<c>Locations:0:Node</c>, <c>Locations:0:Location</c>), which a node id
    /// with a hyphen (a UUID) needs: app setting names allow only letters, digits, <c>_</c> and <c>.</c>.
    /// </summary>
    public void Complete(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var movements = new Dictionary<string, StockMovementType>(DefaultMovements, StringComparer.Ordinal);
        foreach (var (kind, movement) in Movements)
        {
            movements[kind] = movement;
        }

        Movements = movements;
        var problems = new List<string>();
        foreach (var entry in configuration.GetSection(SectionName + ":Locations").GetChildren().Where(c => c.Value is null))
        {
            Locations.Remove(entry.Key);
            if (entry["Node"] is { Length: > 0 } node && entry["Location"] is { Length: > 0 } location)
            {
                Locations[node] = location;
            }
            else
            {
                problems.Add($"Erp:Inventory:Locations:{entry.Key} needs both Node and Location.");
            }
        }

        Problems = problems;
    }

    /// <summary>What <see cref="Complete"/> found wrong (an incomplete list entry); empty when nothing.</summary>
    public IReadOnlyList<string> Problems { get; private set; } = [];
}

/// <summary>The kinds of ERP stock movement (docs/erp-contract.md).</summary>
public enum StockMovementType
{
    /// <summary>Goods received into a location.</summary>
    Receipt,

    /// <summary>Goods produced into a location.</summary>
    Production,

    /// <summary>Goods moved from one location to another.</summary>
    Transfer,

    /// <summary>A signed correction at a location.</summary>
    Adjustment,

    /// <summary>Goods destroyed or written off at a location.</summary>
    WriteOff,
}

/// <summary>The body of <c>POST stock-movements</c>.</summary>
public sealed record ErpStockMovement(
    StockMovementType MovementType,
    string ProductId,
    string LotCode,
    decimal Quantity,
    string? Unit,
    string? FromLocation,
    string? ToLocation,
    string SourceEventId,
    DateTimeOffset EventTime);
