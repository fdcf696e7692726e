using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using TracktileFunctions.BusinessCentral;

namespace TracktileFunctions.UnitTests.BusinessCentral;

public sealed class BusinessCentralCredentialTests
{
    [Fact]
    public async Task HeaderAsync_Basic_IsUserAndAccessKey()
    {
        var credential = new BusinessCentralCredential(Options.Create(new BusinessCentralOptions
        {
            Auth = { Mode = BusinessCentralAuthMode.Basic, Username = "BCUSER", AccessKey = "key-1" },
        }));

        var header = await credential.HeaderAsync(CancellationToken.None);

        Assert.Equal(new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("BCUSER:key-1"))), header);
    }

    [Theory]
    [InlineData(BusinessCentralAuthMode.ClientSecret, "ClientSecretCredential")]
    [InlineData(BusinessCentralAuthMode.ManagedIdentity, "ManagedIdentityCredential")]
    public void Description_EntraModes_UseAzureIdentity(BusinessCentralAuthMode mode, string credential)
        => Assert.Equal(credential, new BusinessCentralCredential(Options.Create(new BusinessCentralOptions
        {
            TenantId = "00000000-0000-0000-0000-000000000001",
            Auth = { Mode = mode, ClientId = "00000000-0000-0000-0000-000000000002", ClientSecret = "s" },
        })).Description);
}
