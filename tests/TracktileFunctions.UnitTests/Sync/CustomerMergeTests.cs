using System.Text.Json;
using TracktileFunctions.Sync;

namespace TracktileFunctions.UnitTests.Sync;

public sealed class CustomerMergeTests
{
    private static CustomerFields Fields(string json) => CustomerFields.From(JsonElement.Parse(json));

    private static readonly CustomerFields Base = Fields("""{"name":"Acme","email":"ap@acme.test","phone":"+1 555 0100","address":{"city":"Springfield"}}""");

    [Fact]
    public void SameAs_KeysReorderedNullsAddedPhoneAndCaseReformatted_Equal()
    {
        var other = Fields("""{"address":{"line2":null,"city":" Springfield "},"phone":"+1 (555) 01-00","email":"AP@Acme.test","name":"Acme ","extra":1}""");

        Assert.True(Base.SameAs(other));
        Assert.Equal(Base.Hash(), other.Hash());
    }

    [Fact]
    public void SameAs_RealChange_NotEqual()
        => Assert.False(Base.SameAs(Fields("""{"name":"Acme Ltd","email":"ap@acme.test","phone":"+1 555 0100","address":{"city":"Springfield"}}""")));

    [Fact]
    public void Merge_EachSideChangedAnotherField_EachGetsTheOthersChange()
    {
        var tracktile = Fields("""{"name":"Acme Intl","email":"ap@acme.test","phone":"+1 555 0100","address":{"city":"Springfield"}}""");
        var erp = Fields("""{"name":"Acme","email":"ap@acme.test","phone":"+1 555 0199","address":{"city":"Springfield"}}""");

        var result = CustomerMerge.Merge(Base, tracktile, erp, CustomerConflictWinner.Erp, CustomerConflictWinner.Tracktile);

        Assert.Equal(["phone"], result.ToTracktile);
        Assert.Equal(["name"], result.ToErp);
        Assert.Empty(result.Conflicts);
        Assert.Equal(("Acme Intl", "+1 555 0199"), ((string?)result.Merged.Value("name"), (string?)result.Merged.Value("phone")));
    }

    [Theory]
    [InlineData(CustomerConflictWinner.Erp, "Acme (ERP)")]
    [InlineData(CustomerConflictWinner.Tracktile, "Acme (TT)")]
    public void Merge_BothChangedOneField_WinnerKeepsIt(CustomerConflictWinner winner, string kept)
    {
        var tracktile = Fields("""{"name":"Acme (TT)","email":"ap@acme.test","phone":"+1 555 0100","address":{"city":"Springfield"}}""");
        var erp = Fields("""{"name":"Acme (ERP)","email":"ap@acme.test","phone":"+1 555 0100","address":{"city":"Springfield"}}""");

        var result = CustomerMerge.Merge(Base, tracktile, erp, winner, CustomerConflictWinner.Tracktile);

        Assert.Equal(["name"], result.Conflicts);
        Assert.Equal(kept, (string?)result.Merged.Value("name"));
    }

    [Fact]
    public void Merge_NoBaseYet_TheSideTheEventCameFromIsTheChange()
    {
        var tracktile = Fields("""{"name":"Acme"}""");
        var erp = Fields("""{"name":"Acme Foods","email":"ap@acme.test"}""");

        var result = CustomerMerge.Merge(null, tracktile, erp, CustomerConflictWinner.Tracktile, unchangedSide: CustomerConflictWinner.Tracktile);

        Assert.Equal(["name", "email"], result.ToTracktile);
        Assert.Empty(result.ToErp);
    }

    [Fact]
    public void Merge_OnlyCaseOfEmailDiffers_OnlyThePhoneWithoutPlusIsAChange()
    {
        var result = CustomerMerge.Merge(Base, Base, Fields("""{"name":"Acme","email":"AP@acme.test","phone":"15550100","address":{"city":"Springfield"}}"""),
            CustomerConflictWinner.Erp, CustomerConflictWinner.Tracktile);

        // "+1 555 0100" and "15550100" differ (the leading + is kept): only the case of the e-mail is folded away here.
        Assert.Equal(["phone"], result.ToTracktile.Concat(result.ToErp));
    }

    [Fact]
    public void Merge_FirstSyncFromASideMissingFields_NeverBlanksTheOtherSide()
    {
        var tracktile = Fields("""{"name":"Acme Intl"}""");
        var erp = Fields("""{"name":"Acme","phone":"+1 555 0100","address":{"city":"Springfield"}}""");

        var result = CustomerMerge.Merge(null, tracktile, erp, CustomerConflictWinner.Erp, unchangedSide: CustomerConflictWinner.Erp);

        Assert.Equal(["name"], result.ToErp);
        Assert.Equal(["phone", "address"], result.ToTracktile);
        Assert.Equal("+1 555 0100", (string?)result.Merged.Value("phone"));
    }

    [Fact]
    public void SameAs_NumbersWrittenDifferently_Equal()
        => Assert.True(Fields("""{"address":{"zone":1.0}}""").SameAs(Fields("""{"address":{"zone":1}}""")));
}
