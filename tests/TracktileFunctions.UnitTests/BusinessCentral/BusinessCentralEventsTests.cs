using System.Text.Json.Nodes;
using TracktileFunctions.BusinessCentral;

namespace TracktileFunctions.UnitTests.BusinessCentral;

public sealed class BusinessCentralEventsTests
{
    private const string Company = "11111111-2222-3333-4444-555555555555";
    private const string Customer = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

    [Fact]
    public void Parse_EntityResource_GivesSetAndId()
        => Assert.Equal(("customers", Customer), BusinessCentralEvents.Parse($"/api/v2.0/companies({Company})/customers({Customer})"));

    [Fact]
    public void Parse_CollectionResource_GivesSetOnly()
        => Assert.Equal(("customers", (string?)null), BusinessCentralEvents.Parse($"/api/v2.0/companies({Company})/customers?$filter=lastModifiedDateTime%20gt%202024-01-01T00:00:00Z"));

    [Fact]
    public void Filter_CollectionResource_IsUnescapedFilter()
        => Assert.Equal("lastModifiedDateTime gt 2024-01-01T00:00:00Z",
            BusinessCentralEvents.Filter($"/api/v2.0/companies({Company})/customers?$filter=lastModifiedDateTime%20gt%202024-01-01T00:00:00Z"));

    [Fact]
    public void Envelope_NotificationAndReconciliationOfOneChange_HaveTheSameId()
    {
        var notification = new JsonObject
        {
            ["subscriptionId"] = "sub1",
            ["resource"] = $"/api/v2.0/companies({Company})/customers({Customer})",
            ["changeType"] = "updated",
            ["lastModifiedDateTime"] = "2024-01-15T10:30:00.12Z",
        };
        var reconciled = BusinessCentralEvents.Entry("customers", Customer, "2024-01-15T10:30:00.1200000Z");

        var a = BusinessCentralEvents.Envelope(notification);
        var b = BusinessCentralEvents.Envelope(reconciled);

        Assert.Equal(a.Id, b.Id);
        Assert.Equal("businesscentral.customers.updated", a.Kind);
        Assert.Equal(new DateTimeOffset(2024, 1, 15, 10, 30, 0, 120, TimeSpan.Zero), a.Time);
    }

    [Fact]
    public void Envelope_LaterChangeOfSameCustomer_HasAnotherId()
    {
        var first = BusinessCentralEvents.Entry("customers", Customer, "2024-01-15T10:30:00Z");
        var second = BusinessCentralEvents.Entry("customers", Customer, "2024-01-15T10:31:00Z");
        Assert.NotEqual(BusinessCentralEvents.Envelope(first).Id, BusinessCentralEvents.Envelope(second).Id);
    }
}
