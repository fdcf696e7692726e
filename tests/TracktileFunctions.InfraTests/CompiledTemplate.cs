using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TracktileFunctions.InfraTests;

/// <summary>
/// infra/main.bicep compiled to an ARM template once per test run (<c>bicep build --stdout</c>), with helpers to find
/// resources and read ARM expressions.
/// </summary>
internal sealed partial class CompiledTemplate
{
    /// <summary>The template the tests check, relative to the repository root.</summary>
    public const string MainBicep = "infra/main.bicep";

    private static readonly Lazy<Task<(BicepRun Run, CompiledTemplate? Template)>> Build = new(BuildAsync);

    private CompiledTemplate(JsonObject root) => Root = root;

    /// <summary>The whole ARM template.</summary>
    public JsonObject Root { get; }

    /// <summary>The template's parameters.</summary>
    public JsonObject Parameters => Root["parameters"]?.AsObject() ?? [];

    /// <summary>The template's variables.</summary>
    public JsonObject Variables => Root["variables"]?.AsObject() ?? [];

    /// <summary>The template's outputs.</summary>
    public JsonObject Outputs => Root["outputs"]?.AsObject() ?? [];

    /// <summary>Every resource (the <c>resources</c> array, or the symbolic-name object of language version 2.0).</summary>
    public IReadOnlyList<JsonObject> Resources => Root["resources"] switch
    {
        JsonArray array => [.. array.OfType<JsonObject>()],
        JsonObject byName => [.. byName.Select(p => p.Value).OfType<JsonObject>()],
        _ => [],
    };

    /// <summary>The run of <c>bicep build</c> that produced the template.</summary>
    public static async Task<BicepRun> BuildRunAsync() => (await Build.Value).Run;

    /// <summary>The compiled template; fails the calling test when the build failed.</summary>
    public static async Task<CompiledTemplate> LoadAsync()
    {
        var (run, template) = await Build.Value;
        return template ?? throw new InvalidOperationException("infra/main.bicep does not compile. " + run.Describe());
    }

    /// <summary>Resources of <paramref name="type"/> (e.g. <c>Microsoft.Web/sites</c>).</summary>
    public IReadOnlyList<JsonObject> OfType(string type) =>
        [.. Resources.Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase))];

    /// <summary>The one resource of <paramref name="type"/>.</summary>
    public JsonObject Single(string type)
    {
        var found = OfType(type);
        Assert.True(found.Count == 1, $"Expected exactly one {type} in {MainBicep}, found {found.Count}.");
        return found[0];
    }

    /// <summary>The properties of the site's <c>config/appsettings</c> resource, as compiled (an object or an expression).</summary>
    public JsonNode AppSettingsProperties()
    {
        var configs = OfType("Microsoft.Web/sites/config")
            .Where(c => ((string?)c["name"] ?? "").Contains("'appsettings'", StringComparison.Ordinal))
            .ToList();
        Assert.True(configs.Count == 1, $"Expected one Microsoft.Web/sites/config 'appsettings' resource in {MainBicep}, found {configs.Count}.");
        return configs[0]["properties"] ?? throw new InvalidOperationException("The appsettings resource has no properties.");
    }

    /// <summary>
    /// The app settings the template itself sets, name to value (an ARM expression <c>[...]</c> or a literal). The
    /// properties are either an object, or <c>union(extra, createObject('name', value, ...))</c> when extra settings
    /// come from a parameter: then the <c>createObject</c> arguments are read pairwise. Settings the template sets only
    /// under a condition (<c>union(extra, if(cond, createObject(), createObject(...)), createObject(...))</c>) are
    /// included too; <see cref="ConditionalAppSettings"/> says which they are and under what condition.
    /// </summary>
    public JsonObject AppSettings()
    {
        var properties = AppSettingsProperties();
        if (properties is JsonObject literal)
        {
            return literal;
        }

        var expression = Expression((string?)properties ?? "");
        var settings = new JsonObject();
        foreach (var part in ArmExpression.Arguments(expression, "union"))
        {
            if (part.StartsWith("createObject(", StringComparison.Ordinal))
            {
                AddPairs(part, settings);
            }
            else if (part.StartsWith("if(", StringComparison.Ordinal))
            {
                foreach (var branch in ArmExpression.Arguments(part, "if").Skip(1).Where(b => b.StartsWith("createObject(", StringComparison.Ordinal)))
                {
                    AddPairs(branch, settings);
                }
            }
        }

        Assert.True(settings.Count > 0, $"The app settings are neither an object nor union(..., createObject(...)): {expression}");
        return settings;
    }

    /// <summary>
    /// The groups of app settings the template sets only under a condition: each <c>if(condition, createObject(...),
    /// createObject(...))</c> argument of the settings' <c>union</c>, with the settings of either branch.
    /// </summary>
    public IReadOnlyList<(string Condition, JsonObject WhenTrue, JsonObject WhenFalse)> ConditionalAppSettings()
    {
        if (AppSettingsProperties() is not JsonValue value)
        {
            return [];
        }

        var groups = new List<(string, JsonObject, JsonObject)>();
        foreach (var part in ArmExpression.Arguments(Expression((string)value!), "union").Where(a => a.StartsWith("if(", StringComparison.Ordinal)))
        {
            var branches = ArmExpression.Arguments(part, "if");
            Assert.True(branches.Count == 3, $"if() takes a condition and two values: {part}");
            var (whenTrue, whenFalse) = (new JsonObject(), new JsonObject());
            AddPairs(branches[1], whenTrue);
            AddPairs(branches[2], whenFalse);
            groups.Add((branches[0], whenTrue, whenFalse));
        }

        return groups;
    }

    /// <summary>
    /// The app settings the template sets whatever the parameters: the literal object, or the settings of every
    /// <c>createObject(...)</c> argument of the settings' <c>union</c> (not those inside an <c>if(...)</c>).
    /// </summary>
    public JsonObject UnconditionalAppSettings()
    {
        var properties = AppSettingsProperties();
        if (properties is JsonObject literal)
        {
            return literal;
        }

        var settings = new JsonObject();
        foreach (var part in ArmExpression.Arguments(Expression((string?)properties ?? ""), "union").Where(a => a.StartsWith("createObject(", StringComparison.Ordinal)))
        {
            AddPairs(part, settings);
        }

        return settings;
    }

    private static void AddPairs(string createObject, JsonObject settings)
    {
        var pairs = ArmExpression.Arguments(createObject, "createObject");
        Assert.True(pairs.Count % 2 == 0, "createObject takes name/value pairs.");
        for (var i = 0; i < pairs.Count; i += 2)
        {
            var name = ArmExpression.StringLiteral(pairs[i]) ?? throw new InvalidOperationException($"App setting name {pairs[i]} is not a literal.");
            settings[name] = ArmExpression.StringLiteral(pairs[i + 1]) ?? $"[{pairs[i + 1]}]";
        }
    }

    /// <summary>A parameter's declaration.</summary>
    public JsonObject Parameter(string name) =>
        Parameters[name]?.AsObject() ?? throw new InvalidOperationException($"{MainBicep} declares no parameter '{name}'.");

    /// <summary>The parameter names an ARM expression reads (<c>parameters('name')</c>).</summary>
    public static IReadOnlyList<string> ParametersReadBy(string expression) =>
        [.. ParameterReference().Matches(expression).Select(m => m.Groups[1].Value).Distinct()];

    /// <summary>
    /// <paramref name="expression"/> with every <c>variables('name')</c> replaced by the variable's own expression (or
    /// quoted value), repeatedly, so a check can see what a value is built from.
    /// </summary>
    public string InlineVariables(string expression)
    {
        var text = expression;
        for (var depth = 0; depth < 10 && VariableReference().IsMatch(text); depth++)
        {
            text = VariableReference().Replace(text, m => Variables[m.Groups[1].Value] switch
            {
                JsonValue v when v.TryGetValue(out string? s) && s.StartsWith('[') && s.EndsWith(']') => s[1..^1],
                JsonValue v when v.TryGetValue(out string? s) => $"'{s}'",
                JsonNode other => other.ToJsonString(),
                null => m.Value,
            });
        }

        return text;
    }

    /// <summary>The ARM expression inside <c>[...]</c>, or the literal itself.</summary>
    public static string Expression(string value) =>
        value.StartsWith('[') && value.EndsWith(']') && !value.StartsWith("[[", StringComparison.Ordinal) ? value[1..^1] : value;

    private static async Task<(BicepRun, CompiledTemplate?)> BuildAsync()
    {
        var run = await BicepCli.RunAsync("build", MainBicep, "--stdout");
        if (run.ExitCode != 0 || string.IsNullOrWhiteSpace(run.StandardOutput))
        {
            return (run, null);
        }

        var root = JsonNode.Parse(run.StandardOutput, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false })?.AsObject();
        return (run, root is null ? null : new CompiledTemplate(root));
    }

    [GeneratedRegex(@"parameters\('([^']+)'\)")]
    private static partial Regex ParameterReference();

    [GeneratedRegex(@"variables\('([^']+)'\)")]
    private static partial Regex VariableReference();
}
