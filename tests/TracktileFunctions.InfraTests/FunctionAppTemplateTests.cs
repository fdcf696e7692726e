using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TracktileFunctions.InfraTests;

/// <summary>The Function App: Linux, Flex Consumption, .NET isolated, HTTPS only, TLS 1.2, no FTP.</summary>
public class FunctionAppTemplateTests
{
    [Fact]
    public async Task Plan_Template_IsLinuxFlexConsumptionFc1()
    {
        var plan = (await CompiledTemplate.LoadAsync()).Single("Microsoft.Web/serverfarms");

        Assert.Equal("FC1", (string?)plan["sku"]?["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]?["tier"]);
        Assert.True((bool?)plan["properties"]?["reserved"] == true, "A Linux plan has properties.reserved = true.");
    }

    [Fact]
    public async Task Site_Template_IsLinuxFunctionAppOnTheFlexPlan()
    {
        var template = await CompiledTemplate.LoadAsync();
        var site = template.Single("Microsoft.Web/sites");
        var plan = template.Single("Microsoft.Web/serverfarms");

        var kind = ((string?)site["kind"] ?? "").Split(',');
        Assert.Contains("functionapp", kind);
        Assert.Contains("linux", kind);
        var planName = CompiledTemplate.Expression((string)plan["name"]!);
        Assert.Contains(planName, (string?)site["properties"]?["serverFarmId"] ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Site_Template_IsHttpsOnlyWithMinimumTls12()
    {
        var site = (await CompiledTemplate.LoadAsync()).Single("Microsoft.Web/sites");

        Assert.True((bool?)site["properties"]?["httpsOnly"] == true, "httpsOnly must be true.");
        Assert.Equal("1.2", (string?)site["properties"]?["siteConfig"]?["minTlsVersion"]);
    }

    [Fact]
    public async Task Site_Template_HealthCheckPathIsTheAnonymousHealthRoute()
    {
        var site = (await CompiledTemplate.LoadAsync()).Single("Microsoft.Web/sites");

        // The route of HealthFunction (FunctionMetadataTests proves it is anonymous and GET).
        Assert.Equal("/api/health", (string?)site["properties"]?["siteConfig"]?["healthCheckPath"]);
    }

    [Fact]
    public async Task Site_Template_AllowsNoFtpOrBasicPublishing()
    {
        var template = await CompiledTemplate.LoadAsync();
        var site = template.Single("Microsoft.Web/sites");

        // Flex Consumption has no FTP endpoint (ftpsState is deprecated there); if set at all it must be Disabled.
        var ftpsState = (string?)site["properties"]?["siteConfig"]?["ftpsState"];
        Assert.True(ftpsState is null or "Disabled", $"ftpsState is {ftpsState}.");
        var policies = template.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");
        foreach (var kind in new[] { "ftp", "scm" })
        {
            var policy = policies.SingleOrDefault(p => ((string?)p["name"] ?? "").Contains($"'{kind}'", StringComparison.Ordinal));
            Assert.True(policy is not null, $"No basicPublishingCredentialsPolicies '{kind}' resource.");
            Assert.True((bool?)policy["properties"]?["allow"] == false, $"Basic '{kind}' publishing credentials must be disallowed.");
        }
    }

    [Fact]
    public async Task Runtime_Template_IsDotnetIsolatedOfTheAppsTargetFramework()
    {
        var template = await CompiledTemplate.LoadAsync();
        var runtime = template.Single("Microsoft.Web/sites")["properties"]?["functionAppConfig"]?["runtime"];

        Assert.Equal("dotnet-isolated", (string?)runtime?["name"]);
        var version = DefaultOf(template, (string?)runtime?["version"]);
        var targetFramework = Regex.Match(Repo.Read("Directory.Build.props"), @"<TargetFramework>net(\d+\.\d+)</TargetFramework>").Groups[1].Value;
        Assert.Equal(targetFramework, version);
    }

    [Fact]
    public async Task Deployment_Template_UsesBlobContainerWithTheAppIdentity()
    {
        var template = await CompiledTemplate.LoadAsync();
        var site = template.Single("Microsoft.Web/sites");
        var storage = site["properties"]?["functionAppConfig"]?["deployment"]?["storage"];

        Assert.Equal("blobContainer", (string?)storage?["type"]);
        Assert.Equal("UserAssignedIdentity", (string?)storage?["authentication"]?["type"]);
        Assert.Equal(AppIdentity(site), CompiledTemplate.Expression((string?)storage?["authentication"]?["userAssignedIdentityResourceId"] ?? ""));
        var containers = template.OfType("Microsoft.Storage/storageAccounts/blobServices/containers")
            .Select(c => Regex.Match(template.InlineVariables((string)c["name"]!), @"'([a-z0-9-]{3,63})'\)?\]?$").Groups[1].Value)
            .ToList();
        var target = template.InlineVariables((string?)storage?["value"] ?? "");
        Assert.True(containers.Any(c => c.Length > 0 && target.Contains($"'{c}'", StringComparison.Ordinal)),
            $"The deployment target {target} is not one of the template's blob containers ({string.Join(", ", containers)}).");
    }

    [Fact]
    public async Task Scale_Template_SetsMemoryAndInstanceLimits()
    {
        var template = await CompiledTemplate.LoadAsync();
        var scale = template.Single("Microsoft.Web/sites")["properties"]?["functionAppConfig"]?["scaleAndConcurrency"];

        Assert.Contains(DefaultOf(template, (string?)scale?["instanceMemoryMB"]), new[] { "512", "2048", "4096" });
        Assert.InRange(int.Parse(DefaultOf(template, (string?)scale?["maximumInstanceCount"]), System.Globalization.CultureInfo.InvariantCulture), 1, 1000);
    }

    /// <summary>The user-assigned identity the site runs as (the ARM expression of its resource id).</summary>
    internal static string AppIdentity(JsonObject site)
    {
        var identities = site["identity"]?["userAssignedIdentities"]?.AsObject();
        Assert.True(identities is { Count: 1 }, "The site must run as exactly one user-assigned identity.");

        // A key written '${identity.id}' compiles to format('{0}', resourceId(...)): the resource id is the argument.
        var key = CompiledTemplate.Expression(identities.Single().Key);
        var interpolated = Regex.Match(key, @"^format\('\{0\}', (.+)\)$");
        return interpolated.Success ? interpolated.Groups[1].Value : key;
    }

    /// <summary>The default of the parameter that <paramref name="value"/> (<c>[parameters('x')]</c>) reads, or the literal.</summary>
    internal static string DefaultOf(CompiledTemplate template, string? value)
    {
        Assert.NotNull(value);
        var names = CompiledTemplate.ParametersReadBy(value);
        if (names.Count == 0)
        {
            return value;
        }

        Assert.Equal($"[parameters('{names[0]}')]", value);
        var defaultValue = template.Parameter(names[0])["defaultValue"];
        Assert.True(defaultValue is not null, $"Parameter '{names[0]}' has no default.");
        return defaultValue is JsonValue v && v.TryGetValue(out string? s) ? s : defaultValue.ToJsonString();
    }
}
