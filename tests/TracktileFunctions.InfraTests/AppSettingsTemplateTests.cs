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

        // Either no extension point at all, or union(extra, [if(cond, createObject(...), createObject(...)), ...]
        // createObject(<the template's settings>)): a later argument of union wins, so an extra setting can never
        // replace a Key Vault reference, the storage identity, or a setting the template sets only under a condition.
        if (properties is JsonValue)
        {
            var arguments = ArmExpression.Arguments(CompiledTemplate.Expression((string)properties!), "union");
            Assert.StartsWith("createObject(", arguments[^1], StringComparison.Ordinal);
            var conditional = arguments.Take(arguments.Count - 1).Where(a => a.StartsWith("if(", StringComparison.Ordinal)).ToList();
            var extra = arguments.Take(arguments.Count - 1).Except(conditional).ToList();
            Assert.True(extra.Count <= 1 && (extra.Count == 0 || arguments[0] == extra[0]), "The extension point must be union's first argument: " + string.Join(", ", extra));
            Assert.All(extra, a => Assert.DoesNotContain("createObject(", a, StringComparison.Ordinal));
            foreach (var parameter in extra.SelectMany(CompiledTemplate.ParametersReadBy))
            {
                Assert.Equal("object", (string?)template.Parameter(parameter)["type"]);
                Assert.Equal("{}", template.Parameter(parameter)["defaultValue"]?.ToJsonString());
            }

            // A conditional group is the template's own settings: both branches are createObject(...), it reads no
            // object parameter, and none of its settings is also set unconditionally (which would silently win).
            foreach (var parameter in conditional.SelectMany(CompiledTemplate.ParametersReadBy))
            {
                Assert.NotEqual("object", (string?)template.Parameter(parameter)["type"]);
            }

            Assert.All(conditional, c => Assert.All(ArmExpression.Arguments(c, "if").Skip(1), b => Assert.StartsWith("createObject(", b, StringComparison.Ordinal)));
            var last = ArmExpression.Arguments(arguments[^1], "createObject").Where((_, i) => i % 2 == 0).Select(ArmExpression.StringLiteral).ToHashSet();
            foreach (var group in template.ConditionalAppSettings())
            {
                foreach (var (name, _) in group.WhenTrue.Concat(group.WhenFalse))
                {
                    Assert.False(last.Contains(name), $"{name} is set both under a condition and unconditionally.");
                }
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
    public async Task ShopifySettings_Template_AreSetOnlyWhenAShopIsGiven()
    {
        var template = await CompiledTemplate.LoadAsync();
        var shopify = template.AppSettings().Select(s => s.Key).Where(k => k.StartsWith("Shopify__", StringComparison.Ordinal)).ToList();

        // Without a shop the app must see no Shopify setting at all: then Shopify is off and no Shopify secret need exist.
        var group = Assert.Single(template.ConditionalAppSettings(), g => g.WhenFalse.Any(s => s.Key.StartsWith("Shopify__", StringComparison.Ordinal)));
        Assert.Equal("empty(parameters('shopifyShopDomain'))", group.Condition);
        Assert.Empty(group.WhenTrue);
        Assert.Equal(shopify.Order(StringComparer.Ordinal), group.WhenFalse.Select(s => s.Key).Order(StringComparer.Ordinal));
        foreach (var key in new[] { "Shopify__Shops__0__Domain", "Shopify__ApiVersion", "Shopify__ClientId", "Shopify__ClientSecrets__0", "Shopify__ClientSecrets__1", "Shopify__Shops__0__AccessToken", "Shopify__WebhookUrl" })
        {
            Assert.Contains(key, shopify);
        }
    }

    [Theory]
    [InlineData("Shopify__ClientSecrets__0", "Shopify--ClientSecrets--0")]
    [InlineData("Shopify__ClientSecrets__1", "Shopify--ClientSecrets--")]
    [InlineData("Shopify__Shops__0__AccessToken", "Shopify--Shops--0--AccessToken")]
    public async Task ShopifySecrets_Template_AreKeyVaultReferences(string key, string secretName)
    {
        var template = await CompiledTemplate.LoadAsync();
        var value = (string?)template.AppSettings()[key] ?? "";

        Assert.Contains($"@Microsoft.KeyVault(SecretUri={{0}}{secretName}", value, StringComparison.Ordinal);
        if (key.EndsWith("AccessToken", StringComparison.Ordinal))
        {
            // Only with a store token: the client credentials grant needs none, so the secret need not exist.
            Assert.Contains("equals(parameters('shopifyAuthMode'), 'AccessToken')", value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ShopifyWebhookUrl_Template_IsTheAppsOwnWebhook()
    {
        var template = await CompiledTemplate.LoadAsync();
        var value = (string?)template.AppSettings()["Shopify__WebhookUrl"] ?? "";

        Assert.Contains("'https://{0}/api/webhooks/shopify'", value, StringComparison.Ordinal);
        Assert.Contains(".defaultHostName", value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShopifyApiVersion_Template_DefaultsToTheAppsPinnedVersion()
    {
        var template = await CompiledTemplate.LoadAsync();
        var pinned = Regex.Match(Repo.Read("src", "TracktileFunctions.Core", "Shopify", "ShopifyOptions.cs"), @"DefaultApiVersion = ""(\d{4}-\d{2})""").Groups[1].Value;

        Assert.NotEqual("", pinned);
        Assert.Equal(pinned, FunctionAppTemplateTests.DefaultOf(template, (string?)template.AppSettings()["Shopify__ApiVersion"]));
    }

    [Fact]
    public async Task ShipHeroSettings_Template_AreSetOnlyWhenAnApiUserIsGiven()
    {
        var template = await CompiledTemplate.LoadAsync();
        var shiphero = template.AppSettings().Select(s => s.Key).Where(k => k.StartsWith("ShipHero__", StringComparison.Ordinal)).ToList();

        // Without a user the app must see no ShipHero setting at all: then ShipHero is off and no ShipHero secret need exist.
        // The secret store's vault is not in this group (SecretStore_Template_IsAlwaysTheVault): the app always writes secrets.
        var group = Assert.Single(template.ConditionalAppSettings(), g => g.WhenFalse.Any(s => s.Key.StartsWith("ShipHero__", StringComparison.Ordinal)));
        Assert.Equal("empty(parameters('shipHeroUsername'))", group.Condition);
        Assert.Empty(group.WhenTrue);
        Assert.Equal(shiphero.Order(StringComparer.Ordinal), group.WhenFalse.Select(s => s.Key).Order(StringComparer.Ordinal));
        foreach (var key in new[] { "ShipHero__Username", "ShipHero__Password", "ShipHero__RefreshToken", "ShipHero__ShopName", "ShipHero__WebhookUrl" })
        {
            Assert.Contains(key, shiphero);
        }
    }

    [Fact]
    public async Task QuickBooksSettings_Template_AreSetOnlyWhenAClientIdIsGiven()
    {
        var template = await CompiledTemplate.LoadAsync();
        var quickbooks = template.AppSettings().Select(s => s.Key).Where(k => k.StartsWith("QuickBooks__", StringComparison.Ordinal)).ToList();

        // Without the Intuit app's client id the app must see no QuickBooks setting at all: then QuickBooks is off (its
        // webhook and connect pages answer 404) and no QuickBooks secret need exist in the vault.
        var group = Assert.Single(template.ConditionalAppSettings(), g => g.WhenFalse.Any(s => s.Key.StartsWith("QuickBooks__", StringComparison.Ordinal)));
        Assert.Equal("empty(parameters('quickBooksClientId'))", group.Condition);
        Assert.Empty(group.WhenTrue);
        Assert.Equal(quickbooks.Order(StringComparer.Ordinal), group.WhenFalse.Select(s => s.Key).Order(StringComparer.Ordinal));
        foreach (var key in new[]
                 {
                     "QuickBooks__ClientId", "QuickBooks__ClientSecret", "QuickBooks__RedirectUri", "QuickBooks__BaseUrl", "QuickBooks__WebhookVerifierTokens__0",
                     "QuickBooks__WebhookVerifierTokens__1", "QuickBooks__Items__IncomeAccountId", "QuickBooks__Items__CreateMissing",
                 })
        {
            Assert.Contains(key, quickbooks);
        }

        Assert.Equal("[parameters('quickBooksClientId')]", (string?)group.WhenFalse["QuickBooks__ClientId"]);
        Assert.Equal("", FunctionAppTemplateTests.DefaultOf(template, (string?)group.WhenFalse["QuickBooks__ClientId"]));
    }

    [Theory]
    [InlineData("QuickBooks__ClientSecret", "QuickBooks--ClientSecret/)")]
    [InlineData("QuickBooks__WebhookVerifierTokens__0", "QuickBooks--WebhookVerifierTokens--0/)")]
    [InlineData("QuickBooks__WebhookVerifierTokens__1", "QuickBooks--WebhookVerifierTokens--{1}/)")]
    public async Task QuickBooksSecrets_Template_AreKeyVaultReferences(string key, string secretName)
    {
        var template = await CompiledTemplate.LoadAsync();
        var value = (string?)template.AppSettings()[key] ?? "";

        // Checked by SecretSettings_Template_AreKeyVaultReferencesToTheTemplatesVault too (the template's vault, no value from a parameter).
        Assert.True(IsSecretName(key), $"{key} is not recognised as a secret by these tests.");
        Assert.Contains($"@Microsoft.KeyVault(SecretUri={{0}}{secretName}", value, StringComparison.Ordinal);
        if (key.Contains("__WebhookVerifierTokens__", StringComparison.Ordinal))
        {
            // No verifier token (count 0): both slots empty, the webhook is off; a count of 1 makes slot 1 repeat slot 0.
            Assert.Contains("greater(parameters('quickBooksWebhookVerifierTokenCount'), 0)", value, StringComparison.Ordinal);
            Assert.Equal(0, (int?)template.Parameter("quickBooksWebhookVerifierTokenCount")["minValue"]);
            Assert.Equal(2, (int?)template.Parameter("quickBooksWebhookVerifierTokenCount")["maxValue"]);
            if (key.EndsWith("__1", StringComparison.Ordinal))
            {
                Assert.Contains("if(greater(parameters('quickBooksWebhookVerifierTokenCount'), 1), 1, 0)", value, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task QuickBooksRedirectUri_Template_IsTheAppsOwnCallback()
    {
        var template = await CompiledTemplate.LoadAsync();
        var value = (string?)template.AppSettings()["QuickBooks__RedirectUri"] ?? "";
        var route = Regex.Match(Repo.Read("src", "TracktileFunctions", "Functions", "QuickBooksCallbackFunction.cs"), @"Route = ""([^""]+)""").Groups[1].Value;

        // Intuit redirects only to a registered URI that matches exactly: the callback function's route on this app's host.
        Assert.Equal("connect/quickbooks/callback", route);
        Assert.Contains($"'https://{{0}}/api/{route}'", value, StringComparison.Ordinal);
        Assert.Contains(".defaultHostName", value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuickBooksBaseUrl_Template_FollowsTheEnvironmentAndDefaultsToTheAppsDefault()
    {
        var template = await CompiledTemplate.LoadAsync();
        var value = CompiledTemplate.Expression((string?)template.AppSettings()["QuickBooks__BaseUrl"] ?? "");
        var appDefault = Regex.Match(Repo.Read("src", "TracktileFunctions.Core", "QuickBooks", "QuickBooksOptions.cs"), @"string BaseUrl \{ get; set; \} = ""([^""]+)""").Groups[1].Value;

        Assert.NotEqual("", appDefault);
        Assert.Equal(new[] { "Production", "Sandbox" }, template.Parameter("quickBooksEnvironment")["allowedValues"]!.AsArray().Select(v => (string?)v));
        Assert.Equal("Production", (string?)template.Parameter("quickBooksEnvironment")["defaultValue"]);
        var branches = ArmExpression.Arguments(value, "if");
        Assert.Equal("equals(parameters('quickBooksEnvironment'), 'Sandbox')", branches[0]);
        Assert.Equal("https://sandbox-quickbooks.api.intuit.com/", ArmExpression.StringLiteral(branches[1]));
        Assert.Equal(appDefault, ArmExpression.StringLiteral(branches[2]));
    }

    [Fact]
    public async Task QuickBooksItems_Template_AreCreatedOnlyWithAnIncomeAccount()
    {
        var template = await CompiledTemplate.LoadAsync();
        var settings = template.AppSettings();

        // The app refuses to start with Items:CreateMissing on and no Items:IncomeAccountId (its default is on): without
        // an account the template turns creation off, so a client id alone never stops the app.
        Assert.Equal("[parameters('quickBooksIncomeAccountId')]", (string?)settings["QuickBooks__Items__IncomeAccountId"]);
        Assert.Equal("", (string?)template.Parameter("quickBooksIncomeAccountId")["defaultValue"]);
        Assert.Equal("[if(empty(parameters('quickBooksIncomeAccountId')), 'false', 'true')]", (string?)settings["QuickBooks__Items__CreateMissing"]);
        Assert.Contains("Items.CreateMissing && Items.IncomeAccountId is null", Repo.Read("src", "TracktileFunctions.Core", "QuickBooks", "QuickBooksOptions.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretStore_Template_IsAlwaysTheVault()
    {
        var template = await CompiledTemplate.LoadAsync();

        // The app always keeps secrets of its own in the secret store (each Tracktile registration's secret, revealed once
        // when POST /api/setup/tracktile makes or rotates it; ShipHero's tokens and QuickBooks' connection with those), so
        // the store is the vault whatever is connected, never the plain-text storage table: both settings are set
        // unconditionally, under no connector's condition.
        var unconditional = template.UnconditionalAppSettings();
        foreach (var key in new[] { "Secrets__KeyVaultUri", "AZURE_CLIENT_ID" })
        {
            Assert.True(unconditional.ContainsKey(key), $"{key} is not set unconditionally.");
            Assert.DoesNotContain(template.ConditionalAppSettings(), g => g.WhenTrue.ContainsKey(key) || g.WhenFalse.ContainsKey(key));
            Assert.Empty(CompiledTemplate.ParametersReadBy((string?)unconditional[key] ?? ""));
        }

        Assert.DoesNotContain("appWritesSecrets", template.Variables.Select(v => v.Key));
    }

    [Theory]
    [InlineData("ShipHero__Password", "ShipHero--Password", "Password")]
    [InlineData("ShipHero__RefreshToken", "ShipHero--RefreshToken", "RefreshToken")]
    public async Task ShipHeroSecrets_Template_AreKeyVaultReferencesOnlyForTheirAuthMode(string key, string secretName, string mode)
    {
        var template = await CompiledTemplate.LoadAsync();
        var value = (string?)template.AppSettings()[key] ?? "";

        // A reference to a secret that does not exist keeps its literal text as the value: only the mode's one is referenced.
        Assert.Contains($"@Microsoft.KeyVault(SecretUri={{0}}{secretName}/)", value, StringComparison.Ordinal);
        Assert.Contains($"equals(parameters('shipHeroAuthMode'), '{mode}')", value, StringComparison.Ordinal);
        Assert.Contains(mode, template.Parameter("shipHeroAuthMode")["allowedValues"]!.AsArray().Select(m => (string?)m));
    }

    [Fact]
    public async Task ShipHeroWebhookUrl_Template_IsTheAppsOwnWebhook()
    {
        var template = await CompiledTemplate.LoadAsync();
        var value = (string?)template.AppSettings()["ShipHero__WebhookUrl"] ?? "";

        Assert.Contains("'https://{0}/api/webhooks/shiphero'", value, StringComparison.Ordinal);
        Assert.Contains(".defaultHostName", value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShipHeroShopName_Template_DefaultsToTheAppsDefault()
    {
        var template = await CompiledTemplate.LoadAsync();
        var appDefault = Regex.Match(Repo.Read("src", "TracktileFunctions.Core", "ShipHero", "ShipHeroOptions.cs"), @"string ShopName \{ get; set; \} = ""([^""]+)""").Groups[1].Value;

        Assert.NotEqual("", appDefault);
        Assert.Equal(appDefault, FunctionAppTemplateTests.DefaultOf(template, (string?)template.AppSettings()["ShipHero__ShopName"]));
    }

    [Fact]
    public async Task SecretStore_Template_IsTheTemplatesVaultReachedWithTheAppIdentity()
    {
        var template = await CompiledTemplate.LoadAsync();
        var settings = template.AppSettings();
        var vault = CompiledTemplate.Expression((string)template.Single("Microsoft.KeyVault/vaults")["name"]!);
        var identity = FunctionAppTemplateTests.AppIdentity(template.Single("Microsoft.Web/sites"));

        // The app writes its Tracktile registrations' secrets (and ShipHero's tokens and webhook secrets, QuickBooks'
        // connection) there (Secrets:KeyVaultUri), with the app's own identity.
        var uri = (string?)settings["Secrets__KeyVaultUri"] ?? "";
        Assert.Contains($"reference(resourceId('Microsoft.KeyVault/vaults', {vault})", uri, StringComparison.Ordinal);
        Assert.EndsWith(".vaultUri]", uri, StringComparison.Ordinal);
        var clientId = (string?)settings["AZURE_CLIENT_ID"] ?? "";
        Assert.Contains($"reference({identity}", clientId, StringComparison.Ordinal);
        Assert.EndsWith(".clientId]", clientId, StringComparison.Ordinal);
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

        // Every slot up to the parameter's maximum; with a count, every slot but 0 names its own secret or falls back to slot 0
        // (TracktileWebhookSecretSlots_Count_FirstNAreReferencesTheOthersRepeatSlot0 evaluates them).
        Assert.Equal(maximum, slots.Count);
        foreach (var slot in slots.Select(m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).Where(i => i > 0))
        {
            var value = (string?)settings[$"Tracktile__Webhook__Secrets__{slot}"] ?? "";
            Assert.Contains($"greater(parameters('tracktileWebhookSecretCount'), {slot}), {slot}, 0)", value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TracktileHooksWebhookUrl_Template_IsTheAppsOwnTracktileWebhookOnItsHost()
    {
        var template = await CompiledTemplate.LoadAsync();
        var value = (string?)template.UnconditionalAppSettings()["Tracktile__Hooks__WebhookUrl"] ?? "";
        var route = Regex.Match(Repo.Read("src", "TracktileFunctions", "Functions", "TracktileWebhookFunction.cs"), @"Route = ""([^""]+)""").Groups[1].Value;
        var options = Repo.Read("src", "TracktileFunctions.Core", "Tracktile", "TracktileHooksOptions.cs");

        // What POST /api/setup/tracktile registers with Tracktile: the receiving function's route on this app's host,
        // always set (the registrations are the app's, not a connector's), and the URL the deployment reports.
        Assert.Equal("webhooks/tracktile", route);
        Assert.Contains("SectionName = \"Tracktile:Hooks\"", options, StringComparison.Ordinal);
        Assert.Contains("public string? WebhookUrl { get; set; }", options, StringComparison.Ordinal);
        Assert.Contains($"'https://{{0}}/api/{route}'", value, StringComparison.Ordinal);
        Assert.EndsWith(".defaultHostName)]", value, StringComparison.Ordinal);
        Assert.Empty(CompiledTemplate.ParametersReadBy(value));
        Assert.Equal((string?)template.Outputs["TRACKTILE_WEBHOOK_URL"]?["value"], value);
    }

    [Fact]
    public async Task TracktileWebhookSecretCount_Template_DefaultsToNoneSoEverySlotIsEmpty()
    {
        var template = await CompiledTemplate.LoadAsync();
        var parameter = template.Parameter("tracktileWebhookSecretCount");
        var slots = template.AppSettings().Where(s => WebhookSlot().Match(s.Key) is { Success: true } m && m.Groups[1].Value == "Tracktile").ToList();

        // The manual Key Vault slots are a fallback: by default none is referenced, and the app drops an empty slot (an
        // empty app setting is an unset one), so it accepts only the secrets it stored itself.
        Assert.Equal(0, (int?)parameter["minValue"]);
        Assert.Equal(0, (int?)parameter["defaultValue"]);
        Assert.NotEmpty(slots);
        Assert.All(slots, s => Assert.Equal("", ArmExpression.Evaluate(CompiledTemplate.Expression((string?)s.Value ?? ""), new Dictionary<string, object> { ["tracktileWebhookSecretCount"] = 0 })));
        Assert.Contains("o.Secrets = [.. o.Secrets.Where(secret => !string.IsNullOrEmpty(secret))];",
            Repo.Read("src", "TracktileFunctions.Core", "Webhooks", "WebhookServiceCollectionExtensions.cs"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(9)]
    [InlineData(10)]
    public async Task TracktileWebhookSecretSlots_Count_FirstNAreReferencesTheOthersRepeatSlot0(int count)
    {
        var template = await CompiledTemplate.LoadAsync();
        var settings = template.AppSettings();
        var maximum = (int?)template.Parameter("tracktileWebhookSecretCount")["maxValue"] ?? 0;

        // With N secrets kept by hand, slots 0 .. N-1 are references to their own secret and the others repeat slot 0
        // (a setting that must not be empty, nor name a secret that does not exist); with none, every slot is empty.
        Assert.Equal(10, maximum);
        for (var slot = 0; slot < maximum; slot++)
        {
            var key = $"Tracktile__Webhook__Secrets__{slot}";
            Assert.True(settings.ContainsKey(key), $"{key} is not an app setting.");
            var value = ArmExpression.Evaluate(CompiledTemplate.Expression((string?)settings[key] ?? ""), new Dictionary<string, object> { ["tracktileWebhookSecretCount"] = count });
            if (count == 0)
            {
                Assert.Equal("", value);
                continue;
            }

            var text = Assert.IsType<string>(value);
            Assert.StartsWith("@Microsoft.KeyVault(SecretUri=<variables('keyVaultSecretUriPrefix')>", text, StringComparison.Ordinal);
            Assert.EndsWith($"Tracktile--Webhook--Secrets--{(slot < count ? slot : 0)}/)", text, StringComparison.Ordinal);
        }
    }

    /// <summary>Whether the settings are union(parameters('x'), createObject(...)) with x an object parameter.</summary>
    private static bool HasAdditionalAppSettings(CompiledTemplate template) =>
        template.AppSettingsProperties() is JsonValue value &&
        ArmExpression.Arguments(CompiledTemplate.Expression((string)value!), "union") is { Count: > 1 } arguments &&
        CompiledTemplate.ParametersReadBy(arguments[0]) is [var parameter] &&
        (string?)template.Parameter(parameter)["type"] == "object";

    private static bool IsSecretName(string key) =>
        WebhookSlot().IsMatch(key) || ClientStateSlot().IsMatch(key) || ClientSecretSlot().IsMatch(key)
        || VerifierTokenSlot().IsMatch(key)
        || key.Split("__")[^1] is "Token" or "Password" or "ApiKey" or "ClientSecret" or "Secret" or "Key" or "AccessKey" or "AccessToken" or "RefreshToken";

    [GeneratedRegex(@"^(\w+?)__Webhook__Secrets__(\d+)$")]
    private static partial Regex WebhookSlot();

    /// <summary>Business Central's webhook shared secrets (<c>clientState</c>).</summary>
    [GeneratedRegex(@"^\w+?__Webhook__ClientStates__\d+$")]
    private static partial Regex ClientStateSlot();

    /// <summary>A list of client secrets (Shopify's app secrets: one signs the token grant, all verify webhooks).</summary>
    [GeneratedRegex(@"^\w+?__ClientSecrets__\d+$")]
    private static partial Regex ClientSecretSlot();

    /// <summary>A list of webhook verifier tokens (QuickBooks': the HMAC keys of Intuit's webhooks, several while rotating).</summary>
    [GeneratedRegex(@"^\w+?__WebhookVerifierTokens__\d+$")]
    private static partial Regex VerifierTokenSlot();
}
