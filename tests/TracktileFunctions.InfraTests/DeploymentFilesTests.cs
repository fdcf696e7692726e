using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TracktileFunctions.InfraTests;

/// <summary>azd's parameters file, azure.yaml and the GitHub workflow agree with the template and the app.</summary>
public partial class DeploymentFilesTests
{
    [Fact]
    public async Task ParametersFile_AzdPlaceholders_NameEnvironmentAndLocation()
    {
        _ = await CompiledTemplate.LoadAsync();
        var parameters = ParametersFile();

        Assert.Equal("${AZURE_ENV_NAME}", TextOf(parameters["environmentName"]?["value"]));
        Assert.Equal("${AZURE_LOCATION}", TextOf(parameters["location"]?["value"]));
    }

    [Fact]
    public async Task ParametersFile_Parameters_AreDeclaredAndCoverEveryRequiredOne()
    {
        var template = await CompiledTemplate.LoadAsync();
        var parameters = ParametersFile();

        Assert.All(parameters, p => Assert.True(template.Parameters.ContainsKey(p.Key), $"main.parameters.json sets '{p.Key}', which main.bicep does not declare."));
        var required = template.Parameters.Where(p => p.Value?["defaultValue"] is null).Select(p => p.Key);
        Assert.All(required, name => Assert.True(parameters.ContainsKey(name), $"Required parameter '{name}' is not in main.parameters.json."));
    }

    [Fact]
    public async Task ParametersFile_PlaceholderDefaults_MatchTemplateDefaultsAndAllowedValues()
    {
        var template = await CompiledTemplate.LoadAsync();

        foreach (var (name, entry) in ParametersFile())
        {
            var match = PlaceholderWithDefault().Match(TextOf(entry?["value"]));
            if (!match.Success)
            {
                continue;
            }

            var fallback = match.Groups[1].Value;
            var declaration = template.Parameter(name);
            if (declaration["defaultValue"] is JsonNode defaultValue)
            {
                var expected = defaultValue is JsonValue v && v.TryGetValue(out string? s) ? s : defaultValue.ToJsonString();
                Assert.True(expected == fallback, $"'{name}' defaults to '{expected}' in main.bicep but '{fallback}' in main.parameters.json.");
            }

            if (declaration["allowedValues"] is JsonArray allowed)
            {
                Assert.Contains(fallback, allowed.Select(a => a?.ToJsonString().Trim('"')));
            }
        }
    }

    [Fact]
    public void AzureYaml_ApiService_IsTheFunctionsProjectOnFunctionHost()
    {
        var yaml = Repo.Read("azure.yaml");

        Assert.Matches(new Regex(@"(?m)^services:\s*\n\s+api:\s*$"), yaml);
        Assert.Matches(new Regex(@"(?m)^\s+language:\s*dotnet\s*$"), yaml);
        Assert.Matches(new Regex(@"(?m)^\s+host:\s*function\s*$"), yaml);
        Assert.Matches(new Regex(@"(?m)^\s+path:\s*infra\s*$"), yaml);
        var project = Regex.Match(yaml, @"(?m)^\s+project:\s*(\S+)\s*$").Groups[1].Value;
        var csproj = Path.Combine(Repo.PathOf(project.Split('/', StringSplitOptions.RemoveEmptyEntries)), "TracktileFunctions.csproj");
        Assert.True(File.Exists(csproj), $"azure.yaml's api project '{project}' has no TracktileFunctions.csproj.");
        Assert.Contains("<AzureFunctionsVersion>v4</AzureFunctionsVersion>", File.ReadAllText(csproj), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AzureYaml_ApiService_MatchesTheSiteTag()
    {
        var site = (await CompiledTemplate.LoadAsync()).Single("Microsoft.Web/sites");

        // azd finds the service's host by this tag.
        Assert.Contains("'azd-service-name', 'api'", (string?)site["tags"] ?? site["tags"]?.ToJsonString() ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void Workflow_Deploy_TestsThenProvisionsWithOpenIdConnect()
    {
        var workflow = Repo.Read(".github", "workflows", "deploy.yml");

        Assert.Matches(new Regex(@"(?m)^\s+id-token:\s*write"), workflow);
        Assert.Matches(new Regex(@"(?ms)^on:.*push:.*branches:\s*\[\s*main\s*\]"), workflow);
        Assert.Contains("uses: azure/login@", workflow, StringComparison.Ordinal);
        foreach (var input in new[] { "client-id: ${{ vars.AZURE_CLIENT_ID }}", "tenant-id: ${{ vars.AZURE_TENANT_ID }}", "subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}" })
        {
            Assert.Contains(input, workflow, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("publish-profile", workflow, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("creds:", workflow, StringComparison.Ordinal);
        var test = workflow.IndexOf("bash tests/test.sh", StringComparison.Ordinal);
        var provision = workflow.IndexOf("azd provision", StringComparison.Ordinal);
        var deploy = workflow.IndexOf("azd deploy", StringComparison.Ordinal);
        Assert.True(test >= 0 && test < provision && provision < deploy, "The workflow must run the tests, then azd provision, then azd deploy.");
        Assert.Contains("dotnet-version: \"10.0.x\"", workflow, StringComparison.Ordinal);
        Assert.Contains("node-version: \"20\"", workflow, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workflow_Deploy_PassesEveryParameterVariable()
    {
        // A parameter whose variable CI does not pass falls back to its default on every push, undoing a setting.
        _ = await CompiledTemplate.LoadAsync();
        var workflow = Repo.Read(".github", "workflows", "deploy.yml");
        var variables = ParametersFile()
            .Select(p => Placeholder().Match(TextOf(p.Value?["value"])).Groups[1].Value)
            .Where(v => v.Length > 0);

        Assert.All(variables, v => Assert.Contains($"{v}: ${{{{ vars.{v} }}}}", workflow, StringComparison.Ordinal));
    }

    private static string TextOf(JsonNode? value) => value is JsonValue v && v.TryGetValue(out string? s) ? s : "";

    private static JsonObject ParametersFile() =>
        JsonNode.Parse(Repo.Read("infra", "main.parameters.json"))?["parameters"]?.AsObject()
        ?? throw new InvalidOperationException("infra/main.parameters.json has no parameters.");

    [GeneratedRegex(@"^\$\{[A-Z0-9_]+=(.*)\}$")]
    private static partial Regex PlaceholderWithDefault();

    [GeneratedRegex(@"^\$\{([A-Z0-9_]+)(=.*)?\}$")]
    private static partial Regex Placeholder();
}
