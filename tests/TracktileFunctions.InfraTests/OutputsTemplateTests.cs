namespace TracktileFunctions.InfraTests;

/// <summary>The deployment tells the operator where the app is and which URLs to register.</summary>
public class OutputsTemplateTests
{
    [Theory]
    [InlineData("/api/webhooks/tracktile")]
    [InlineData("/api/webhooks/erp")]
    [InlineData("/api/webhooks/businesscentral")]
    [InlineData("/api/webhooks/shopify")]
    [InlineData("/api/webhooks/shiphero")]
    [InlineData("/api/webhooks/quickbooks")]
    [InlineData("/api/connect/quickbooks/callback")]
    public async Task Outputs_Template_IncludeWebhookUrl(string path)
    {
        var outputs = (await CompiledTemplate.LoadAsync()).Outputs;

        Assert.Contains(outputs, o =>
            (string?)o.Value?["type"] == "string" &&
            ((string?)o.Value?["value"] ?? "") is var value &&
            value.Contains($"'https://{{0}}{path}'", StringComparison.Ordinal) &&
            value.Contains(".defaultHostName", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Outputs_Template_IncludeFunctionAppNameAndHostname()
    {
        var template = await CompiledTemplate.LoadAsync();
        var siteName = (string)template.Single("Microsoft.Web/sites")["name"]!;
        var values = template.Outputs.Select(o => (string?)o.Value?["value"] ?? "").ToList();

        Assert.Contains(siteName, values);
        Assert.Contains(values, v => v.EndsWith(".defaultHostName]", StringComparison.Ordinal));
    }
}
