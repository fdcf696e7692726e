using System.Text.Json;
using TracktileFunctions.Accounting;
using TracktileFunctions.QuickBooks;

namespace TracktileFunctions.UnitTests.QuickBooks;

public sealed class QuickBooksMappingTests
{
    private static readonly LedgerInvoice Invoice = new("ord_1", "SO-1001", "cus_1", new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 31), "USD",
        [new LedgerInvoiceLine("prod_jam", 3, 4.5m), new LedgerInvoiceLine("prod_honey", 1.5m, 3.333m)], ["LOT-J1", "LOT-J2"]);

    [Fact]
    public void InvoiceBody_Order_SalesItemLinesWithAmountsQuickBooksAccepts()
    {
        var body = QuickBooksMapping.InvoiceBody(Invoice, "58", ["11", "12"]);

        Assert.Equal("58", body["CustomerRef"]!["value"]!.GetValue<string>());
        Assert.Equal(("SO-1001", "2026-12-01", "2026-12-31"), (body["DocNumber"]!.GetValue<string>(), body["TxnDate"]!.GetValue<string>(), body["DueDate"]!.GetValue<string>()));
        var lines = body["Line"]!.AsArray();
        Assert.Equal([13.5m, 5m], lines.Select(l => l!["Amount"]!.GetValue<decimal>()));
        Assert.Equal(["11", "12"], lines.Select(l => l!["SalesItemLineDetail"]!["ItemRef"]!["value"]!.GetValue<string>()));
        Assert.All(lines, l => Assert.Equal("SalesItemLineDetail", l!["DetailType"]!.GetValue<string>()));
        Assert.Equal("Tracktile order ord_1 (SO-1001). Lots: LOT-J1, LOT-J2", body["PrivateNote"]!.GetValue<string>());
    }

    [Fact]
    public void InvoiceBody_NoDueDate_LeftToTheCustomersTerms()
        => Assert.False(QuickBooksMapping.InvoiceBody(Invoice with { DueDate = null }, "58", ["11", "12"]).ContainsKey("DueDate"));

    [Fact]
    public void IsFor_NoteOfAnotherOrderWithTheSamePrefix_False()
    {
        var note = JsonSerializer.SerializeToElement(new { PrivateNote = QuickBooksMapping.PrivateNote(Invoice with { OrderId = "ord_10" }) });

        Assert.False(QuickBooksMapping.IsFor(note, "ord_1"));
        Assert.True(QuickBooksMapping.IsFor(note, "ord_10"));
    }

    [Fact]
    public void PrivateNote_ThousandsOfLots_CutToQuickBooksLength()
    {
        var lots = Enumerable.Range(0, 1000).Select(i => $"LOT-{i:D6}").ToList();

        var note = QuickBooksMapping.PrivateNote(Invoice with { LotCodes = lots });

        Assert.Equal(QuickBooksMapping.PrivateNoteLength, note.Length);
        Assert.StartsWith("Tracktile order ord_1 ", note, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestId_SameWrite_SameIdAndOtherWrite_OtherId()
    {
        var id = QuickBooksMapping.RequestId("upd", "key", "58", "3");

        Assert.Equal(id, QuickBooksMapping.RequestId("upd", "key", "58", "3"));
        Assert.NotEqual(id, QuickBooksMapping.RequestId("upd", "key", "58", "4"));
        Assert.NotEqual(id, QuickBooksMapping.RequestId("upd", "key5", "8", "3"));
        Assert.Equal(36, id.Length);
    }

    [Fact]
    public void SyncedCustomer_RoundTrip_SameFields()
    {
        var quickbooks = JsonSerializer.SerializeToElement(new
        {
            Id = "58", SyncToken = "2", DisplayName = "Bistro Ltd",
            PrimaryEmailAddr = new { Address = "ada@bistro.test" }, PrimaryPhone = new { FreeFormNumber = "555-0100" },
            BillAddr = new { Line1 = "1 Main St", City = "Springfield", CountrySubDivisionCode = "IL", PostalCode = "62701", Country = "US" },
        });

        var synced = QuickBooksMapping.ToSyncedCustomer(quickbooks);
        var back = QuickBooksMapping.FromSyncedCustomer(synced);

        Assert.Equal("Bistro Ltd", synced.GetProperty("name").GetString());
        Assert.Equal("IL", synced.GetProperty("address").GetProperty("state").GetString());
        Assert.Equal("""{"DisplayName":"Bistro Ltd","PrimaryEmailAddr":{"Address":"ada@bistro.test"},"PrimaryPhone":{"FreeFormNumber":"555-0100"},"BillAddr":{"Line1":"1 Main St","City":"Springfield","CountrySubDivisionCode":"IL","PostalCode":"62701","Country":"US"}}""",
            back.ToJsonString());
    }

    [Fact]
    public void FromSyncedCustomer_ClearAbsentForAnUpdate_EmptyEmailAndPhoneSent()
    {
        var synced = JsonSerializer.SerializeToElement(new { name = "Bistro Ltd", email = (string?)null });

        Assert.Equal("""{"DisplayName":"Bistro Ltd"}""", QuickBooksMapping.FromSyncedCustomer(synced).ToJsonString());
        Assert.Equal("""{"DisplayName":"Bistro Ltd","PrimaryEmailAddr":{"Address":""},"PrimaryPhone":{"FreeFormNumber":""}}""",
            QuickBooksMapping.FromSyncedCustomer(synced, clearAbsent: true).ToJsonString());
    }

    [Fact]
    public void ProjectCustomer_LongPhoneAndStringAddress_AsQuickBooksKeepsThem()
    {
        var synced = JsonSerializer.SerializeToElement(new { name = "Bistro Ltd", phone = "+1 555 0100 extension 12345", address = "1 Main St" });

        var projected = QuickBooksMapping.ProjectCustomer(synced);

        Assert.Equal("+1 555 0100 extension", projected.GetProperty("phone").GetString());
        Assert.Equal("1 Main St", projected.GetProperty("address").GetProperty("line1").GetString());
    }

    [Fact]
    public void Quote_ValueWithQuoteAndBackslash_Escaped()
        => Assert.Equal(@"'O\'Brien \\ Sons'", QuickBooksClient.Quote(@"O'Brien \ Sons"));

    [Theory]
    [InlineData("""{"Fault":{"Error":[{"Message":"Stale Object Error","Detail":"Stale Object Error : You and root were working on this at the same time.","code":"5010","element":""}],"type":"ValidationFault"},"time":"2026-12-01T10:00:00-08:00"}""", "5010", "ValidationFault")]
    [InlineData("""{"warnings":null,"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","detail":"Token expired","code":"3200","element":null}],"type":"AUTHENTICATION"},"time":"2026-12-01T10:00:00-08:00"}""", "3200", "AUTHENTICATION")]
    public void Fault_IntuitsShapes_CodeAndType(string json, string code, string type)
    {
        var fault = QuickBooksClient.Fault(JsonDocument.Parse(json).RootElement);

        Assert.NotNull(fault);
        Assert.Equal((code, type), (fault.Value.Code, fault.Value.Type));
        Assert.Contains(code == "5010" ? "Stale Object Error" : "AuthenticationFailed", fault.Value.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Fault_SuccessAnswer_Null()
        => Assert.Null(QuickBooksClient.Fault(JsonDocument.Parse("""{"Customer":{"Id":"1"},"time":"x"}""").RootElement));

    [Fact]
    public void ItemBody_LongSkuAndName_NamedByTheSkuCutToQuickBooksLengths()
    {
        var sku = new string('S', 120);

        var body = QuickBooksMapping.ItemBody(sku, new string('d', 5000), QuickBooksItemType.Service, "79");

        Assert.Equal((100, sku, 4000), (body["Name"]!.GetValue<string>().Length, body["Sku"]!.GetValue<string>(), body["Description"]!.GetValue<string>().Length));
        Assert.Equal(("Service", "79"), (body["Type"]!.GetValue<string>(), body["IncomeAccountRef"]!["value"]!.GetValue<string>()));
    }

    [Fact]
    public void ItemBody_NoDescription_TheInvoicePathsBodyAsBefore()
        => Assert.Equal("""{"Name":"JAM-250","Sku":"JAM-250","Type":"NonInventory","IncomeAccountRef":{"value":"79"}}""",
            QuickBooksMapping.ItemBody("JAM-250", null, QuickBooksItemType.NonInventory, "79").ToJsonString());

    [Theory]
    [InlineData("""{"Id":"5","Description":"Jam","Active":true}""", "Jam", true, "")]
    [InlineData("""{"Id":"5","Description":"Jam"}""", "Jam", null, "")]
    [InlineData("""{"Id":"5","Description":"Jam","Active":true}""", null, false, "Active")]
    [InlineData("""{"Id":"5","Active":false}""", "Jam", true, "Description,Active")]
    [InlineData("""{"Id":"5","Description":"jam"}""", "Jam", true, "Description")]
    public void ItemChanges_ItemAndProduct_OnlyWhatDiffers(string item, string? description, bool? active, string changed)
    {
        var changes = QuickBooksMapping.ItemChanges(JsonDocument.Parse(item).RootElement, description, active);

        Assert.Equal(changed, string.Join(",", changes.Select(c => c.Key)));
        if (changes["Active"] is { } a)
        {
            Assert.Equal(active, a.GetValue<bool>());
        }
    }

    [Fact]
    public void ItemQueries_SkuWithQuote_EscapedAndByIdIncludesInactive()
    {
        Assert.Equal(@"select * from Item where Sku = 'JAM\'S'", QuickBooksMapping.ItemQuery(QuickBooksItemMatch.Sku, "JAM'S"));
        Assert.Equal("select * from Item where Name = 'JAM'", QuickBooksMapping.ItemQuery(QuickBooksItemMatch.Name, "JAM"));
        Assert.Equal("select * from Item where Id = '17' and Active IN (true, false)", QuickBooksMapping.ItemByIdQuery("17"));
    }
}
