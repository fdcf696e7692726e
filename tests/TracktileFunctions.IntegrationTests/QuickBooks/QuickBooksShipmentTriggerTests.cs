using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.QuickBooks;

/// <summary>Invoices made when a shipment is delivered (<c>QuickBooks:Invoices:Trigger</c> = <c>ShipmentStatus</c>).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class QuickBooksShipmentTriggerTests(AzuriteFixture azurite, ITestOutputHelper output) : QuickBooksTestBase(azurite, output)
{
    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings => [new("QuickBooks:Invoices:Trigger", "ShipmentStatus")];

    [Fact]
    public async Task ShipmentDelivered_ShipmentTrigger_InvoiceCarriesTheShippedLots()
    {
        await ConnectAsync();
        await IndexProductsAsync();
        await StartFunctionAsync("QuickBooksInvoicesFunction");

        await PostTracktileAsync(ShipmentDelivered("evt_delivered"));
        await DrainedAsync(QueueNames.QuickBooksInvoices);

        var invoice = Assert.Single(State.QuickBooksInvoices);
        Assert.Equal("Tracktile order ord_1 (SO-1). Lots: LOT-H1, LOT-J1, LOT-J2", invoice["PrivateNote"]!.GetValue<string>());
    }

    [Fact]
    public async Task OrderCompleted_ShipmentTrigger_NoInvoiceUntilDelivered()
    {
        await ConnectAsync();
        await IndexProductsAsync();
        await StartFunctionAsync("QuickBooksInvoicesFunction");

        await PostTracktileAsync(Completed("evt_completed"));
        await DrainedAsync(QueueNames.QuickBooksInvoices);

        Assert.Empty(State.QuickBooksInvoices);
    }

    private static string ShipmentDelivered(string id)
        => $$"""{"id":"{{id}}","kind":"shipment.status.changed","time":"2026-12-01T10:30:00Z","transactionId":"t","shipmentId":"shp_1","shipmentShortId":"SHP-001","previousShipmentStatus":"in_transit","currentShipmentStatus":"delivered"}""";
}
