namespace TracktileFunctions.InfraTests;

/// <summary>The storage account: no anonymous blobs, no shared keys, TLS 1.2, HTTPS only.</summary>
public class StorageTemplateTests
{
    [Fact]
    public async Task StorageAccount_Template_DisablesPublicBlobAccessAndSharedKeys()
    {
        var properties = (await CompiledTemplate.LoadAsync()).Single("Microsoft.Storage/storageAccounts")["properties"];

        Assert.True((bool?)properties?["allowBlobPublicAccess"] == false, "allowBlobPublicAccess must be false.");
        Assert.True((bool?)properties?["allowSharedKeyAccess"] == false, "allowSharedKeyAccess must be false.");
    }

    [Fact]
    public async Task StorageAccount_Template_RequiresTls12AndHttps()
    {
        var properties = (await CompiledTemplate.LoadAsync()).Single("Microsoft.Storage/storageAccounts")["properties"];

        Assert.Equal("TLS1_2", (string?)properties?["minimumTlsVersion"]);
        Assert.True((bool?)properties?["supportsHttpsTrafficOnly"] == true, "supportsHttpsTrafficOnly must be true.");
    }

    [Fact]
    public async Task ManagementPolicy_Template_NeverExpiresPayloadsAPoisonMessageMayNeed()
    {
        // Poison messages never expire, so neither may the claim-checked payloads they refer to: the app deletes each
        // payload itself once its event is done.
        var template = await CompiledTemplate.LoadAsync();

        Assert.Empty(template.OfType("Microsoft.Storage/storageAccounts/managementPolicies"));
    }

    [Fact]
    public async Task BlobContainers_Template_AreNotPublic()
    {
        var containers = (await CompiledTemplate.LoadAsync()).OfType("Microsoft.Storage/storageAccounts/blobServices/containers");

        Assert.NotEmpty(containers);
        Assert.All(containers, c => Assert.Equal("None", (string?)c["properties"]?["publicAccess"] ?? "None"));
    }

    [Fact]
    public async Task KeyVault_Template_UsesRbacAuthorization()
    {
        var properties = (await CompiledTemplate.LoadAsync()).Single("Microsoft.KeyVault/vaults")["properties"];

        Assert.True((bool?)properties?["enableRbacAuthorization"] == true, "The vault must use Azure RBAC, not access policies.");
        Assert.Null(properties?["accessPolicies"]);
    }

    [Fact]
    public async Task ApplicationInsights_Template_AcceptsEntraIdTelemetryOnly()
    {
        var template = await CompiledTemplate.LoadAsync();
        var appInsights = template.Single("Microsoft.Insights/components");
        var settings = template.AppSettings();

        Assert.True((bool?)appInsights["properties"]?["DisableLocalAuth"] == true, "App Insights local (key) auth must be off.");
        Assert.NotNull(appInsights["properties"]?["WorkspaceResourceId"]);
        Assert.Contains("Authorization=AAD", (string?)settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] ?? "", StringComparison.Ordinal);
        Assert.Contains("ConnectionString", (string?)settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] ?? "", StringComparison.Ordinal);
    }
}
