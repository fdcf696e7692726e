using TracktileFunctions.Webhooks;

namespace TracktileFunctions.UnitTests.Webhooks;

public sealed class EventRouterTests
{
    private static readonly EventRouter Defaults = new(EventRouter.TracktileDefaults, "tracktile-unrouted");

    [Theory]
    [InlineData("order.status.changed", "tracktile-orders")]
    [InlineData("shipment.status.changed", "tracktile-shipments")]
    [InlineData("inventory.received", "tracktile-inventory")]
    [InlineData("inventory.produced", "tracktile-inventory")]
    [InlineData("inventory.destroyed", "tracktile-inventory")]
    public void Resolve_DefaultTable_RoutesDocumentedKinds(string kind, string queue)
    {
        var route = Defaults.Resolve(kind);

        Assert.True(route.IsRouted);
        Assert.Equal([queue], route.Queues);
    }

    [Theory]
    [InlineData("shipment.created")]
    [InlineData("customer.updated")]
    [InlineData("inventory")]
    [InlineData("order.status.changed.v2")]
    public void Resolve_UnknownKind_GoesToUnroutedQueue(string kind)
    {
        var route = Defaults.Resolve(kind);

        Assert.False(route.IsRouted);
        Assert.Equal(["tracktile-unrouted"], route.Queues);
    }

    [Fact]
    public void Resolve_SeveralMatchingRoutes_ReturnsEveryQueueOnce()
    {
        var router = new EventRouter(
        [
            new EventRoute { Kind = "order.status.changed", Queues = ["erp-orders", "accounting-orders"] },
            new EventRoute { Kind = "order.*", Queues = ["erp-orders", "audit"] },
            new EventRoute { Kind = "*", Queues = ["archive"] },
        ], "unrouted");

        Assert.Equal(["erp-orders", "accounting-orders", "audit", "archive"], router.Resolve("order.status.changed").Queues);
        Assert.Equal(["archive"], router.Resolve("shipment.created").Queues);
    }

    [Theory]
    [InlineData("Orders")]
    [InlineData("ab")]
    [InlineData("bad--name")]
    [InlineData("-bad")]
    [InlineData("bad_name")]
    public void Constructor_InvalidQueueName_Throws(string queue)
        => Assert.Throws<ArgumentException>(() => new EventRouter([new EventRoute { Kind = "k", Queues = [queue] }], "unrouted"));

    [Fact]
    public void Constructor_RouteWithoutQueues_Throws()
        => Assert.Throws<ArgumentException>(() => new EventRouter([new EventRoute { Kind = "k" }], "unrouted"));
}
