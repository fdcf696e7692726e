using System.Text.Json;
using System.Text.Json.Nodes;
using TracktileFunctions.BusinessCentral;
using TracktileFunctions.Erp;
using TracktileFunctions.Processing;

namespace TracktileFunctions.UnitTests.BusinessCentral;

public sealed class BusinessCentralMappingTests
{
    private static ErpProduct Product(string json) => ErpProductMapping.ToErpProduct(JsonElement.Parse(json))!;

    [Fact]
    public void ItemNumber_SkuProperty_IsUpperCasedSku()
        => Assert.Equal("FLOUR-25", BusinessCentralMapping.ItemNumber(Product("""{"id":"prod_1","sku":"flour-25"}"""), "sku"));

    [Fact]
    public void ItemNumber_IdProperty_IsTheProductId()
        => Assert.Equal("PROD_1", BusinessCentralMapping.ItemNumber(Product("""{"id":"prod_1"}"""), "id"));

    [Fact]
    public void ItemNumber_MissingProperty_IsPermanentNamingTheSetting()
    {
        var ex = Assert.Throws<PermanentProcessingException>(() => BusinessCentralMapping.ItemNumber(Product("""{"id":"prod_1"}"""), "sku"));
        Assert.Contains("BusinessCentral:Items:NumberProperty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ItemNumber_LongerThanCode20_IsPermanent()
    {
        var ex = Assert.Throws<PermanentProcessingException>(() => BusinessCentralMapping.ItemNumber(Product("""{"id":"p","sku":"ABCDEFGHIJKLMNOPQRSTU"}"""), "sku"));
        Assert.Contains("20 characters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ItemFields_InactiveProductWithMappedUnit_BlockedWithUnitCode()
    {
        var fields = BusinessCentralMapping.ItemFields(
            Product("""{"id":"p","name":"Flour","unit":"kg","active":false}"""),
            new BusinessCentralItemOptions { UnitsOfMeasure = { ["kg"] = "KG" } });

        Assert.Equal("""{"displayName":"Flour","blocked":true,"baseUnitOfMeasureCode":"KG"}""", fields.ToJsonString());
    }

    [Fact]
    public void ItemFields_UnmappedUnit_IsNotSent()
        => Assert.False(BusinessCentralMapping.ItemFields(Product("""{"id":"p","unit":"pallet"}"""), new BusinessCentralItemOptions()).ContainsKey("baseUnitOfMeasureCode"));

    [Fact]
    public void Changed_SameValues_IsEmpty()
    {
        var wanted = new JsonObject { ["displayName"] = "Flour", ["blocked"] = false };
        Assert.Empty(BusinessCentralMapping.Changed(wanted, JsonElement.Parse("""{"displayName":"Flour","blocked":false,"number":"X"}""")));
    }

    [Fact]
    public void Changed_OneDifferentValue_IsOnlyThatField()
    {
        var wanted = new JsonObject { ["displayName"] = "Flour 25", ["blocked"] = false };
        Assert.Equal("""{"displayName":"Flour 25"}""", BusinessCentralMapping.Changed(wanted, JsonElement.Parse("""{"displayName":"Flour","blocked":false}""")).ToJsonString());
    }

    [Fact]
    public void ToSyncedCustomer_BusinessCentralCustomer_IsTheSyncedShapeWithoutEmptyFields()
    {
        var synced = BusinessCentralMapping.ToSyncedCustomer(JsonElement.Parse(
            """{"id":"x","number":"C1","displayName":"Acme","email":"a@acme.test","phoneNumber":"","addressLine1":"1 Main St","addressLine2":"","city":"Springfield","postalCode":"12345"}"""));

        Assert.Equal("""{"name":"Acme","email":"a@acme.test","phone":null,"address":{"line1":"1 Main St","city":"Springfield","postalCode":"12345"}}""", synced.GetRawText());
    }

    [Fact]
    public void FromSyncedCustomer_RoundTrip_GivesTheSameSyncedFields()
    {
        var bc = JsonElement.Parse("""{"displayName":"Acme","email":"a@acme.test","phoneNumber":"+1 555","addressLine1":"1 Main St","addressLine2":"","city":"X","state":"","country":"US","postalCode":"1"}""");
        var fields = BusinessCentralMapping.FromSyncedCustomer(BusinessCentralMapping.ToSyncedCustomer(bc));

        Assert.Empty(BusinessCentralMapping.Changed(fields, bc));
    }

    [Fact]
    public void FromSyncedCustomer_AbsentFields_AreWrittenEmpty()
    {
        var fields = BusinessCentralMapping.FromSyncedCustomer(JsonElement.Parse("""{"name":"Acme"}"""));
        Assert.Equal("", (string?)fields["email"]);
        Assert.Equal("", (string?)fields["city"]);
    }

    [Fact]
    public void CreatedCustomerNumber_SameId_SameCode20Number()
    {
        var first = BusinessCentralMapping.CreatedCustomerNumber("TT", "cus_1");
        Assert.Equal(first, BusinessCentralMapping.CreatedCustomerNumber("TT", "cus_1"));
        Assert.NotEqual(first, BusinessCentralMapping.CreatedCustomerNumber("TT", "cus_2"));
        Assert.Equal(20, first.Length);
        Assert.StartsWith("TT", first, StringComparison.Ordinal);
    }

    [Fact]
    public void DocumentNumber_Key_IsCode20AndStable()
    {
        Assert.Equal(20, BusinessCentralMapping.DocumentNumber("tracktile-inventory-evt_1").Length);
        Assert.Equal(BusinessCentralMapping.DocumentNumber("k"), BusinessCentralMapping.DocumentNumber("k"));
    }

    [Theory]
    [InlineData("2024-02-01", "2024-02-01")]
    [InlineData("2024-02-01T10:00:00Z", "2024-02-01")]
    [InlineData("soon", null)]
    [InlineData(null, null)]
    public void Date_TracktileDate_IsDatePart(string? value, string? expected)
        => Assert.Equal(expected, BusinessCentralMapping.Date(value));
}
