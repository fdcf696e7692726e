using System.ComponentModel.DataAnnotations;
using TracktileFunctions.BusinessCentral;

namespace TracktileFunctions.UnitTests.BusinessCentral;

public sealed class BusinessCentralOptionsTests
{
    private static List<string> Errors(BusinessCentralOptions options)
        => [.. options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!)];

    [Fact]
    public void Validate_NotTheErp_NothingRequired()
        => Assert.Empty(Errors(new BusinessCentralOptions()));

    [Fact]
    public void Validate_EnabledWithoutCompanyOrTenantOrSecret_NamesEachSetting()
    {
        var errors = Errors(new BusinessCentralOptions { Enabled = true, Auth = { ClientId = "app" } });

        Assert.Contains(errors, e => e.Contains("BusinessCentral:CompanyId or BusinessCentral:CompanyName", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("BusinessCentral:TenantId", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("BusinessCentral:Auth:ClientId and ClientSecret", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BasicOnPremises_NeedsNoTenant()
        => Assert.Empty(Errors(new BusinessCentralOptions
        {
            Enabled = true, BaseUrl = "https://bc.example.com:7048/BC", TenantId = null, CompanyName = "CRONUS",
            Auth = { Mode = BusinessCentralAuthMode.Basic, Username = "u", AccessKey = "k" },
        }));

    [Fact]
    public void Validate_CustomShipmentActionWithoutPath_NamesTheSetting()
    {
        var errors = Errors(new BusinessCentralOptions
        {
            Enabled = true, TenantId = "t", CompanyName = "C", Auth = { ClientId = "a", ClientSecret = "s" },
            Shipments = { Action = BusinessCentralShipmentAction.Custom },
        });

        Assert.Contains(errors, e => e.Contains("BusinessCentral:Shipments:CustomActionPath", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_CompanyIdNotAGuid_Refused()
        => Assert.Contains(Errors(new BusinessCentralOptions { Enabled = true, TenantId = "t", CompanyId = "CRONUS", Auth = { ClientId = "a", ClientSecret = "s" } }),
            e => e.Contains("GUID", StringComparison.Ordinal));
}
