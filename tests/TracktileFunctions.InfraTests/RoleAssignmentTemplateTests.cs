using System.Text.Json.Nodes;

namespace TracktileFunctions.InfraTests;

/// <summary>The app's identity holds exactly the data roles it needs, on the right resources, unconditionally.</summary>
public class RoleAssignmentTemplateTests
{
    public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    public const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    public const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    public const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

    [Theory]
    [InlineData(StorageBlobDataOwner, "Microsoft.Storage/storageAccounts")]
    [InlineData(StorageQueueDataContributor, "Microsoft.Storage/storageAccounts")]
    [InlineData(StorageTableDataContributor, "Microsoft.Storage/storageAccounts")]
    [InlineData(KeyVaultSecretsUser, "Microsoft.KeyVault/vaults")]
    [InlineData(KeyVaultSecretsOfficer, "Microsoft.KeyVault/vaults")] // the app always writes secrets: its Tracktile registrations'
    [InlineData(MonitoringMetricsPublisher, "Microsoft.Insights/components")]
    public async Task RoleAssignment_AppIdentity_IsGrantedOnResource(string roleDefinitionGuid, string scopeType)
    {
        var template = await CompiledTemplate.LoadAsync();
        var identity = FunctionAppTemplateTests.AppIdentity(template.Single("Microsoft.Web/sites"));
        var scopeResource = CompiledTemplate.Expression((string)template.Single(scopeType)["name"]!);

        var matches = template.OfType("Microsoft.Authorization/roleAssignments")
            .Where(r => Role(r).Contains(roleDefinitionGuid, StringComparison.OrdinalIgnoreCase))
            .Where(r => Principal(r).Contains($"reference({identity}", StringComparison.Ordinal) && Principal(r).EndsWith(".principalId]", StringComparison.Ordinal))
            .ToList();

        Assert.True(matches.Count == 1, $"Expected one assignment of role {roleDefinitionGuid} to the app identity, found {matches.Count}.");
        var assignment = matches[0];
        Assert.Null(assignment["condition"]);
        var scope = (string?)assignment["scope"] ?? "";
        Assert.Contains(scopeType, scope, StringComparison.Ordinal);
        Assert.Contains(scopeResource, scope, StringComparison.Ordinal);
        Assert.Equal("ServicePrincipal", (string?)assignment["properties"]?["principalType"]);
    }

    [Fact]
    public async Task SecretsOfficer_AppIdentity_IsGrantedOnTheVaultWhateverIsConnected()
    {
        // The app always writes secrets of its own to the vault: each Tracktile webhook registration's secret, revealed
        // once when it registers or rotates it (POST /api/setup/tracktile); with ShipHero its tokens and webhook secrets,
        // with QuickBooks the connection's OAuth tokens. So the role is not tied to a connector's parameter.
        var template = await CompiledTemplate.LoadAsync();
        var identity = FunctionAppTemplateTests.AppIdentity(template.Single("Microsoft.Web/sites"));

        var assignment = Assert.Single(template.OfType("Microsoft.Authorization/roleAssignments"), r =>
            Role(r).Contains(KeyVaultSecretsOfficer, StringComparison.OrdinalIgnoreCase) && Principal(r).Contains($"reference({identity}", StringComparison.Ordinal));
        Assert.Null(assignment["condition"]);
        Assert.DoesNotContain("parameters(", Principal(assignment), StringComparison.Ordinal);
        Assert.DoesNotContain("parameters(", (string?)assignment["scope"] ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyVaultReferences_Site_ResolveWithTheAppIdentity()
    {
        var site = (await CompiledTemplate.LoadAsync()).Single("Microsoft.Web/sites");

        Assert.Equal(FunctionAppTemplateTests.AppIdentity(site), CompiledTemplate.Expression((string?)site["properties"]?["keyVaultReferenceIdentity"] ?? ""));
    }

    [Fact]
    public async Task RoleAssignments_AppIdentity_HoldNoStorageAccountContributorOrOwner()
    {
        // Control-plane roles would let the app read the account keys; the data roles above are all it needs.
        var template = await CompiledTemplate.LoadAsync();
        var forbidden = new[]
        {
            "17d1049b-9a84-46fb-8f53-869881c3d3ab", // Storage Account Contributor
            "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
            "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
        };

        Assert.DoesNotContain(template.OfType("Microsoft.Authorization/roleAssignments"), r => forbidden.Any(f => Role(r).Contains(f, StringComparison.OrdinalIgnoreCase)));
    }

    private static string Role(JsonObject assignment) => (string?)assignment["properties"]?["roleDefinitionId"] ?? "";

    private static string Principal(JsonObject assignment) => (string?)assignment["properties"]?["principalId"] ?? "";
}
