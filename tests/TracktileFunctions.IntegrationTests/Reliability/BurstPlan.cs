using System.Globalization;

namespace TracktileFunctions.IntegrationTests.Reliability;

/// <summary>One webhook of a burst: the event's id and kind, and its JSON body.</summary>
public sealed record BurstEvent(string Id, string Kind, string Json);

/// <summary>
/// The burst the reliability tests send: orders, shipments and lot movements for the systems of the fleet, each event
/// unique, then a share of them sent a second time (a sender's redelivery), all in a shuffled order fixed by a seed so
/// a failure can be rerun as it was.
/// </summary>
public sealed class BurstPlan
{
    /// <summary>Products every system knows (Tracktile id, SKU).</summary>
    public static readonly IReadOnlyList<(string ProductId, string Sku)> Products = [("prod_jam", "JAM-250"), ("prod_honey", "HONEY-500")];

    /// <summary>The manufacturer's own receiving: its lots are stocked in the ERP and sold in Shopify.</summary>
    public const string Receiving = "node_rcv";

    /// <summary>The 3PL warehouse ShipHero runs: its lots are stocked in the ERP and in ShipHero.</summary>
    public const string Warehouse = "node_wh";

    private BurstPlan(IReadOnlyList<BurstEvent> unique, IReadOnlyList<BurstEvent> sends, int orders, int shipments, int movements)
    {
        Unique = unique;
        Sends = sends;
        Orders = orders;
        Shipments = shipments;
        Movements = movements;
    }

    /// <summary>Every distinct event.</summary>
    public IReadOnlyList<BurstEvent> Unique { get; }

    /// <summary>What is posted, in order: every unique event once, and the duplicates, shuffled.</summary>
    public IReadOnlyList<BurstEvent> Sends { get; }

    /// <summary>How many sends repeat an event already in the burst.</summary>
    public int Duplicates => Sends.Count - Unique.Count;

    /// <summary>Orders completed (<c>ord_0000</c>...): one <c>order.status.changed</c> each.</summary>
    public int Orders { get; }

    /// <summary>Shipments (<c>shp_0000</c>...): a <c>shipment.items.assigned</c> and a <c>shipment.status.changed</c> to <c>in_transit</c> each.</summary>
    public int Shipments { get; }

    /// <summary>Lots received (at <see cref="Receiving"/> or <see cref="Warehouse"/>): one <c>inventory.received</c> each.</summary>
    public int Movements { get; }

    /// <summary>The order id of order <paramref name="i"/>.</summary>
    public static string OrderId(int i) => "ord_" + i.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>The shipment id of shipment <paramref name="i"/> (it ships order <paramref name="i"/>).</summary>
    public static string ShipmentId(int i) => "shp_" + i.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>The product, quantity and node of movement <paramref name="i"/>: a third of the lots go to the 3PL warehouse.</summary>
    public static (string ProductId, string Sku, int Quantity, string Node) Movement(int i)
        => (Products[i % 2].ProductId, Products[i % 2].Sku, 1 + (i % 3), i % 3 == 0 ? Warehouse : Receiving);

    /// <summary>
    /// <paramref name="total"/> sends, of which <paramref name="duplicateShare"/> repeat an earlier event; the unique
    /// events are a sixth orders, four ninths shipment events (two per shipment) and the rest lot movements. Orders are
    /// the fewest because each one is an invoice, and QuickBooks allows a company 500 requests a minute.
    /// </summary>
    public static BurstPlan Create(int total, double duplicateShare = 0.1, int seed = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(total, 6);
        var unique = total - (int)Math.Round(total * duplicateShare);
        var orders = unique / 6;
        var shipments = unique * 2 / 9;
        var movements = unique - orders - (2 * shipments);
        var events = new List<BurstEvent>(unique);
        var time = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < orders; i++)
        {
            var id = "evt_order_" + i.ToString("D4", CultureInfo.InvariantCulture);
            events.Add(new(id, "order.status.changed",
                $$"""{"id":"{{id}}","kind":"order.status.changed","time":"{{time.AddSeconds(i):O}}","transactionId":"txn_{{id}}","orderId":"{{OrderId(i)}}","previousOrderStatus":"inProgress","currentOrderStatus":"completed"}"""));
        }

        for (var i = 0; i < shipments; i++)
        {
            var assigned = "evt_assigned_" + i.ToString("D4", CultureInfo.InvariantCulture);
            events.Add(new(assigned, "shipment.items.assigned",
                $$"""{"id":"{{assigned}}","kind":"shipment.items.assigned","time":"{{time.AddSeconds(i):O}}","transactionId":"txn_{{assigned}}","shipmentId":"{{ShipmentId(i)}}","shipmentOrderId":"{{OrderId(i)}}"}"""));
            var transit = "evt_transit_" + i.ToString("D4", CultureInfo.InvariantCulture);
            events.Add(new(transit, "shipment.status.changed",
                $$"""{"id":"{{transit}}","kind":"shipment.status.changed","time":"{{time.AddSeconds(i):O}}","transactionId":"txn_{{transit}}","shipmentId":"{{ShipmentId(i)}}","shipmentShortId":"SHP-{{i:D4}}","previousShipmentStatus":"packed","currentShipmentStatus":"in_transit"}"""));
        }

        for (var i = 0; i < movements; i++)
        {
            var id = "evt_lot_" + i.ToString("D4", CultureInfo.InvariantCulture);
            var (product, _, quantity, node) = Movement(i);
            events.Add(new(id, "inventory.received",
                $$"""{"id":"{{id}}","kind":"inventory.received","time":"{{time.AddSeconds(i):O}}","transactionId":"txn_{{id}}","flowId":"flow_rcv","entity":{"id":"ent_{{i:D4}}","name":"LOT-{{i:D4}}","productId":"{{product}}","quantity":{{quantity}} },"node":{"id":"{{node}}","name":"{{node}}","type":"stage"} }"""));
        }

        var random = new Random(seed);
        var sends = new List<BurstEvent>(total);
        sends.AddRange(events);
        for (var i = unique; i < total; i++)
        {
            sends.Add(events[random.Next(events.Count)]);
        }

        var shuffled = sends.ToArray();
        random.Shuffle(shuffled);
        return new BurstPlan(events, shuffled, orders, shipments, movements);
    }
}
