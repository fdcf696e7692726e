using System.Text.Json;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.UnitTests.Erp;

public sealed class ErpOrderMappingTests
{
    [Fact]
    public void ToSalesOrder_TracktileOrder_MapsHeaderAndNumberedLines()
    {
        var order = new TracktileOrder
        {
            Id = "ord_1", ShortId = "SO-1001", CustomerId = "cus_1", DueDate = "2024-02-01", Currency = "EUR",
            OrderItems = [new TracktileOrderItem("prod_1", 2, 9.5m), new TracktileOrderItem("prod_2", 1, null)],
        };
        var evt = new WebhookEventReceived("tracktile", "evt_1", "order.status.changed", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, JsonElement.Parse("{}"));

        var sales = ErpOrderMapping.ToSalesOrder(order, "ready", evt);

        Assert.Equal(("ord_1", "SO-1001", "cus_1", "EUR", "ready"), (sales.ExternalId, sales.OrderNumber, sales.CustomerId, sales.Currency, sales.Status));
        Assert.Equal([new ErpSalesOrderLine(1, "prod_1", 2, 9.5m), new ErpSalesOrderLine(2, "prod_2", 1, null)], sales.Lines);
        Assert.Equal("evt_1", sales.SourceEventId);
    }

    [Fact]
    public void MapStatus_ConfiguredAndUnconfigured_MapsOrPassesThrough()
    {
        var options = new ErpOrderOptions { StatusMap = { ["inProgress"] = "IN_PROCESS" } };

        Assert.Equal("IN_PROCESS", ErpOrderMapping.MapStatus("inProgress", options));
        Assert.Equal("ready", ErpOrderMapping.MapStatus("ready", options));
    }

    [Fact]
    public void Keys_SameOrderDifferentEvents_CreateKeySharedStatusKeysDistinct()
    {
        Assert.Equal(ErpOrderMapping.CreateKey("ord_1"), ErpOrderMapping.CreateKey("ord_1"));
        Assert.NotEqual(ErpOrderMapping.StatusKey("evt_1"), ErpOrderMapping.StatusKey("evt_2"));
    }
}
