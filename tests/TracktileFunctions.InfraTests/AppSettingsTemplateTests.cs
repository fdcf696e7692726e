using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TracktileFunctions.InfraTests;

/// <summary>
/// The app settings follow the app: every key of local.settings.sample.json is there (read at test time), in the form
/// Flex Consumption accepts, and every secret is a Key Vault reference.
/// </summary>
public partial class AppSettingsTemplateTests
{
    /// <summary>App settings Flex Consumption replaces with functionAppConfig (or that need shared keys, which are off).</summary>
    public static TheoryData<string> SettingsFlexDoesNotTake => new()
    {
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_WORKER_RUNTIME_VERSION",
        "FUNCTIONS_EXTENSION_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE",
        "WEBSITE_CONTENTSHARE",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_NODE_DEFAULT_VERSION",
        "AzureWebJobsStorage",
    };

    /// <summary>Map-valued sections whose entries are keyed by the deployment's own data, not by the app.</summary>
    private static readonly string[] DeploymentDataSections =
    [
        "Erp__Inventory__Locations__",
        "Erp__Inventory__Movements__",
        "Erp__Orders__StatusMap__",
    ];

    [Fact]
    public async Task AppSettings_Template_ContainEveryLocalSettingsSampleKey()
    {
        var template = await CompiledTemplate.LoadAsync();
        var settings = template.AppSettings();
        var runtime = template.Single("Microsoft.Web/sites")["properties"]?["functionAppConfig"]?["runtime"];
        var sample = JsonNode.Parse(Repo.Read("local.settings.sample.json"))?["Values"]?.AsObject();
        Assert.True(sample is { Count: > 0 }, "local.settings.sample.json has no Values.");

        var missing = new List<string>();
        foreach (var (key, value) in sample)
        {
            switch (key)
            {
                case "AzureWebJobsStorage":
                    // Locally a connection string (Azurite); in Azure the identity-based form.
                    if (!settings.ContainsKey("AzureWebJobsStorage__accountName"))
                    {
                        missing.Add("AzureWebJobsStorage__accountName (for AzureWebJobsStorage)");
                    }

                    break;
                case "FUNCTIONS_WORKER_RUNTIME":
                    // Flex Consumption rejects the setting: functionAppConfig.runtime.name carries it.
                    Assert.Equal((string?)value, (string?)runtime?["name"]);
                    break;
                case var entry when DeploymentDataSections.Any(section => entry.StartsWith(section, StringComparison.Ordinal)):
                    // An entry of a map whose keys are the deployment's own data (Tracktile node ids, statuses): the
                    // sample's entries fit the sandbox only, so Azure takes them from additionalAppSettings.
                    if (!HasAdditionalAppSettings(template))
                    {
                        missing.Add($"{key} (no additionalAppSettings parameter to supply it)");
                    }

                    break;
                default:
                    if (!settings.ContainsKey(key))
                    {
                        missing.Add(key);
                    }

                    break;
            }
        }

        Assert.True(missing.Count == 0, "App settings missing from infra/main.bicep: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(SettingsFlexDoesNotTake))]
    public async Task AppSettings_FlexConsumption_OmitSetting(string name)
    {
        var template = await CompiledTemplate.LoadAsync();

        Assert.False(template.AppSettings().ContainsKey(name), $"{name} must not be an app setting on Flex Consumption.");
        Assert.Null(template.Single("Microsoft.Web/sites")["properties"]?["siteConfig"]?["appSettings"]);
    }

    [Fact]
    public async Task AppSettings_Storage_IsIdentityBasedWithTheAppIdentity()
    {
        var template = await CompiledTemplate.LoadAsync();
        var settings = template.AppSettings();
        var identity = FunctionAppTemplateTests.AppIdentity(template.Single("Microsoft.Web/sites"));
        var storageName = CompiledTemplate.Expression((string)template.Single("Microsoft.Storage/storageAccounts")["name"]!);

        Assert.Contains(storageName, (string?)settings["AzureWebJobsStorage__accountName"] ?? "", StringComparison.Ordinal);
        Assert.Equal("managedidentity", (string?)settings["AzureWebJobsStorage__credential"]);
        var clientId = (string?)settings["AzureWebJobsStorage__clientId"] ?? "";
        Assert.Contains($"reference({identity}", clientId, StringComparison.Ordinal);
        Assert.EndsWith(".clientId]", clientId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretSettings_Template_AreKeyVaultReferencesToTheTemplatesVault()
    {
        var template = await CompiledTemplate.LoadAsync();
        var settings = template.AppSettings();
        var vaultName = template.InlineVariables(CompiledTemplate.Expression((string)template.Single("Microsoft.KeyVault/vaults")["name"]!));
        var secrets = settings.Where(s => IsSecretName(s.Key)).ToList();

        foreach (var required in new[] { "Tracktile__Api__Token", "Tracktile__Webhook__Secrets__0", "Erp__Webhook__Secrets__0" })
        {
            Assert.Contains(secrets, s => s.Key == required);
        }

        Assert.All(secrets, s =>
        {
            var value = (string?)s.Value ?? "";
            Assert.True(value.Contains("@Microsoft.KeyVault(SecretUri=", StringComparison.Ordinal), $"{s.Key} is not a Key Vault reference: {value}");
            Assert.True(template.InlineVariables(value).Contains(vaultName, StringComparison.Ordinal), $"{s.Key} does not point at the template's vault: {value}");

            // A parameter can only steer which reference is used (a count, an enumerated mode), never carry a value.
            foreach (var parameter in CompiledTemplate.ParametersReadBy(value))
            {
                var declaration = template.Parameter(parameter);
                var type = (string?)declaration["type"];
                Assert.True(type is "int" or "bool" || declaration["allowedValues"] is not null,
                    $"{s.Key} reads parameter '{parameter}' ({type}), which could carry a secret in plain text.");
            }
        });
    }

    [Fact]
    public async Task ErpAuthSettings_Template_CoverEveryAuthenticationMode()
    {
        var template = await CompiledTemplate.LoadAsync();
        var settings = template.AppSettings();

        foreach (var key in new[] { "Erp__BaseUrl", "Erp__Auth__Mode", "Erp__Auth__ApiKeyHeader", "Erp__Auth__ApiKey", "Erp__Auth__Token", "Erp__Auth__Username", "Erp__Auth__Password", "Erp__Auth__TokenUrl", "Erp__Auth__ClientId", "Erp__Auth__ClientSecret", "Erp__Auth__Scope" })
        {
            Assert.True(settings.ContainsKey(key), $"{key} is not an app setting.");
        }

        var modes = template.Parameter(CompiledTemplate.ParametersReadBy((string)settings["Erp__Auth__Mode"]!).Single())["allowedValues"]!.AsArray()
            .Select(m => (string?)m).ToList();
        Assert.Equal(new[] { "None", "ApiKey", "Bearer", "Basic", "OAuth2ClientCredentials" }, modes);
    }

    [Fact]
    public async Task AdditionalAppSettings_Template_CannotReplaceTheTemplatesOwnSettings()
    {
        var template = await CompiledTemplate.LoadAsync();
        var properties = template.AppSettingsProperties();

        // Either no extension point at all, or union(extra..., createObject(<the template's settings>)): union's last
        // argument wins, so an extra setting can never replace a Key Vault reference or the storage identity.
        if (properties is JsonValue)
        {
            var arguments = ArmExpression.Arguments(CompiledTemplate.Expression((string)properties!), "union");
            Assert.StartsWith("createObject(", arguments[^1], StringComparison.Ordinal);
            Assert.All(arguments.Take(arguments.Count - 1), a => Assert.DoesNotContain("createObject(", a, StringComparison.Ordinal));
            foreach (var parameter in arguments.Take(arguments.Count - 1).SelectMany(CompiledTemplate.ParametersReadBy))
            {
                Assert.Equal("object", (string?)template.Parameter(parameter)["type"]);
                Assert.Equal("{}", template.Parameter(parameter)["defaultValue"]?.ToJsonString());
            }
        }
    }

    [Theory]
    [InlineData("Tracktile__Api__BaseUrl", "https://api.tracktile.io/")]
    [InlineData("Erp__Auth__Mode", "None")]
    [InlineData("Erp__Provider", "Rest")]
    [InlineData("BusinessCentral__Auth__Mode", "ClientSecret")]
    [InlineData("BusinessCentral__Environment", "production")]
    [InlineData("ProductSync__Schedule", "0 0 * * * *")]
    public async Task ParameterBackedSetting_Template_DefaultsTo(string key, string expected)
    {
        var template = await CompiledTemplate.LoadAsync();

        Assert.Equal(expected, FunctionAppTemplateTests.DefaultOf(template, (string?)template.AppSettings()[key]));
    }

    [Fact]
    public async Task ErpProvider_Template_OffersEveryProviderOfTheApp()
    {
        var template = await CompiledTemplate.LoadAsync();
        var parameter = Assert.Single(CompiledTemplate.ParametersReadBy((string?)template.AppSettings()["Erp__Provider"] ?? ""));

        // The names of TracktileFunctions.Erp.ErpProvider: an allowed value the app does not know stops it at start.
        var providers = template.Parameter(parameter)["allowedValues"]!.AsArray().Select(p => (string?)p).ToList();
        Assert.Equal(new[] { "Rest", "BusinessCentral" }, providers);
    }

    [Theory]
    [InlineData("BusinessCentral__Auth__ClientSecret", "BusinessCentral--Auth--ClientSecret")]
    [InlineData("BusinessCentral__Auth__AccessKey", "BusinessCentral--Auth--AccessKey")]
    [InlineData("BusinessCentral__Webhook__ClientStates__0", "BusinessCentral--Webhook--ClientStates--0")]
    [InlineData("BusinessCentral__Webhook__ClientStates__1", "BusinessCentral--Webhook--ClientStates--")]
    [InlineData("Erp__Webhook__Secrets__0", "Erp--Webhook--Secrets--0")]
    [InlineData("Erp__Auth__ClientSecret", "Erp--Auth--ClientSecret")]
    public async Task ProviderSecrets_Template_AreReferencedOnlyForTheirProvider(string key, string secretName)
    {
        var template = await CompiledTemplate.LoadAsync();
        var value = (string?)template.AppSettings()[key] ?? "";
        var provider = key.StartsWith("BusinessCentral__", StringComparison.Ordinal) ? "BusinessCentral" : "Rest";

        // A reference to a secret that does not exist keeps its literal text as the value: the other provider's
        // secrets must not be referenced at all.
        Assert.Contains(secretName, value, StringComparison.Ordinal);
        Assert.Contains($"equals(parameters('erpProvider'), '{provider}')", value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BusinessCentralNotificationUrl_Template_IsTheAppsOwnWebhook()
    {
        var template = await CompiledTemplate.LoadAsync();
        var value = (string?)template.AppSettings()["BusinessCentral__Webhook__NotificationUrl"] ?? "";

        Assert.Contains("'https://{0}/api/webhooks/businesscentral'", value, StringComparison.Ordinal);
        Assert.Contains(".defaultHostName", value, StringComparison.Ordinal);
        Assert.Contains("equals(parameters('erpProvider'), 'BusinessCentral')", value, StringComparison.Ordinal);
        Assert.Contains("parameters('businessCentralWebhookClientStateCount')", value, StringComparison.Ordinal); // no URL without a clientState: the app refuses that pair at start
    }

    [Fact]
    public async Task ErpBaseUrl_Template_IsARequiredParameter()
    {
        var template = await CompiledTemplate.LoadAsync();
        var parameters = CompiledTemplate.ParametersReadBy((string?)template.AppSettings()["Erp__BaseUrl"] ?? "");

        var name = Assert.Single(parameters);
        Assert.Null(template.Parameter(name)["defaultValue"]);
    }

    [Fact]
    public async Task WebhookSecretSlots_Template_FollowTheCountParameter()
    {
        var template = await CompiledTemplate.LoadAsync();
        var settings = template.AppSettings();
        var slots = settings.Select(s => WebhookSlot().Match(s.Key)).Where(m => m.Success && m.Groups[1].Value == "Tracktile").ToList();
        var maximum = (int?)template.Parameter("tracktileWebhookSecretCount")["maxValue"];

        // Slot 0 always; every other slot up to the parameter's maximum names its own secret or falls back to slot 0.
        Assert.Equal(maximum, slots.Count);
        foreach (var slot in slots.Select(m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).Where(i => i > 0))
        {
            var value = (string?)settings[$"Tracktile__Webhook__Secrets__{slot}"] ?? "";
            Assert.Contains($"greater(parameters('tracktileWebhookSecretCount'), {slot}), {slot}, 0)", value, StringComparison.Ordinal);
        }
    }

    /// <summary>Whether the settings are union(parameters('x'), createObject(...)) with x an object parameter.</summary>
    private static bool HasAdditionalAppSettings(CompiledTemplate template) =>
        template.AppSettingsProperties() is JsonValue value &&
        ArmExpression.Arguments(CompiledTemplate.Expression((string)value!), "union") is { Count: > 1 } arguments &&
        CompiledTemplate.ParametersReadBy(arguments[0]) is [var parameter] &&
        (string?)template.Parameter(parameter)["type"] == "object";

    private static bool IsSecretName(string key) =>
        WebhookSlot().IsMatch(key) || ClientStateSlot().IsMatch(key)
        || key.Split("__")[^1] is "Token" or "Password" or "ApiKey" or "ClientSecret" or "Secret" or "Key" or "AccessKey";

    [GeneratedRegex(@"^(\w+?)__Webhook__Secrets__(\d+)$")]
    private static partial Regex WebhookSlot();

    /// <summary>Business Central's webhook shared secrets (<c>clientState</c>).</summary>
    [GeneratedRegex(@"^\w+?__Webhook__ClientStates__\d+$")]
    private static partial Regex ClientStateSlot();
}
