using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>The three Tracktile event kinds the REST ERP consumes, each with its queue and queue function.</summary>
internal enum EventKind
{
    Order,
    Shipment,
    Inventory,
}

/// <summary>One webhook body: its kind, its event id, the key of what it changes (order, shipment, lot) and its bytes.</summary>
internal sealed record LoadEvent(EventKind Kind, string Id, string Key, byte[] Body);

/// <summary>
/// Signed-webhook bodies shaped like tests/Fixtures/events/*.json, with the fields a real delivery carries besides
/// (organisation, actor, attributes, a note), each <see cref="BodyBytes"/> long, with unique ids. The same phase
/// name, kinds and count give the same events in the driver (which seeds the sandbox and expects the effects) and in
/// the child (which sends them).
/// </summary>
internal static class EventBodies
{
    /// <summary>The size of every body (about 1 KiB, as asked by issue 16).</summary>
    public const int BodyBytes = 1024;

    /// <summary>The node the inventory events arrive at, and the ERP location it is mapped to (<c>Erp:Inventory:Locations</c>).</summary>
    public const string ReceivingNode = "node_rcv";

    public const string ReceivingLocation = "WH1/RECEIVING";

    private static readonly DateTimeOffset T0 = new(2024, 1, 15, 10, 0, 0, TimeSpan.Zero);

    public static readonly IReadOnlyList<EventKind> AllKinds = [EventKind.Order, EventKind.Shipment, EventKind.Inventory];

    public static string KindName(EventKind kind) => kind switch
    {
        EventKind.Order => "order.status.changed",
        EventKind.Shipment => "shipment.status.changed",
        _ => "inventory.received",
    };

    public static string Queue(EventKind kind) => kind switch
    {
        EventKind.Order => QueueNames.TracktileOrders,
        EventKind.Shipment => QueueNames.TracktileShipments,
        _ => QueueNames.TracktileInventory,
    };

    public static string Function(EventKind kind) => kind switch
    {
        EventKind.Order => "OrderEventsFunction",
        EventKind.Shipment => "ShipmentEventsFunction",
        _ => "InventoryEventsFunction",
    };

    /// <summary><paramref name="count"/> events named after <paramref name="phase"/>, cycling through <paramref name="kinds"/>.</summary>
    public static IReadOnlyList<LoadEvent> Phase(string phase, IReadOnlyList<EventKind> kinds, int count)
        => [.. Enumerable.Range(0, count).Select(i => Create(kinds[i % kinds.Count], phase, i))];

    /// <summary>The orders the order events of <paramref name="events"/> read from Tracktile, seeded as the integration tests do.</summary>
    public static void SeedOrders(SandboxState state, IEnumerable<LoadEvent> events)
        => state.SeedOrders(events.Where(e => e.Kind == EventKind.Order).Select(e => new TracktileOrder(
            e.Key, "SO-" + e.Key, "cus_1", new DateOnly(2024, 2, 1), "USD", "ready",
            [new TracktileOrderItem("prod_1", 2, 9.5m), new TracktileOrderItem("prod_2", 1, 4m)])));

    private static LoadEvent Create(EventKind kind, string phase, int i)
    {
        var n = i.ToString("D6", CultureInfo.InvariantCulture);
        var json = new JsonObject
        {
            ["id"] = $"evt_{phase}_{n}",
            ["kind"] = KindName(kind),
            ["time"] = T0.AddSeconds(i).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["transactionId"] = $"txn_{phase}_{n}",
        };
        string key;
        switch (kind)
        {
            case EventKind.Order:
                json["orderId"] = key = $"ord_{phase}_{n}";
                json["previousOrderStatus"] = "pending";
                json["currentOrderStatus"] = "ready";
                break;
            case EventKind.Shipment:
                json["shipmentId"] = key = $"shp_{phase}_{n}";
                json["shipmentShortId"] = "SHP-" + n;
                json["previousShipmentStatus"] = "packed";
                json["currentShipmentStatus"] = "in_transit";
                break;
            default:
                key = $"ent_{phase}_{n}";
                json["flowId"] = "flow_" + n;
                json["entity"] = new JsonObject
                {
                    ["id"] = key,
                    ["name"] = $"LOT-{phase}-{n}",
                    ["productId"] = "prod_" + (i % 50).ToString(CultureInfo.InvariantCulture),
                    ["quantity"] = 10 + (i % 90),
                    ["unit"] = "kg",
                    ["attributes"] = new JsonObject { ["supplierLot"] = "S-" + (i % 997).ToString(CultureInfo.InvariantCulture) },
                };
                json["node"] = new JsonObject { ["id"] = ReceivingNode, ["name"] = "Receiving", ["type"] = "stage" };
                break;
        }

        json["organizationId"] = "org_4f1c2a9e";
        json["actor"] = new JsonObject { ["id"] = "usr_0" + (i % 40).ToString(CultureInfo.InvariantCulture), ["name"] = "Dana Whitfield", ["email"] = "dana.whitfield@example.com", ["role"] = "supervisor" };
        json["source"] = "tracktile-web";
        json["apiVersion"] = "2024-01-01";
        json["attributes"] = new JsonObject { ["site"] = "plant-2", ["line"] = "L" + (i % 4).ToString(CultureInfo.InvariantCulture), ["shift"] = "B", ["temperatureC"] = 4.5, ["tags"] = new JsonArray("chilled", "priority") };
        json["note"] = "";
        var room = BodyBytes - Encoding.UTF8.GetByteCount(json.ToJsonString());
        json["note"] = Note(room);
        return new LoadEvent(kind, (string)json["id"]!, key, Encoding.UTF8.GetBytes(json.ToJsonString()));
    }

    /// <summary>A free-text note of <paramref name="length"/> characters, which brings a body to <see cref="BodyBytes"/>.</summary>
    private static string Note(int length)
    {
        const string Filler = "Checked at the dock by the receiving team; seals intact, temperature logged, paperwork filed. ";
        var note = new StringBuilder();
        while (note.Length < length)
        {
            note.Append(Filler);
        }

        return note.ToString(0, Math.Max(0, length));
    }
}
