using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GraphQLParser;
using GraphQLParser.AST;

namespace TracktileFunctions.Sandbox.Shopify;

/// <summary>A resolved GraphQL object: its type name and a resolver per field (a snapshot: resolvers read no live state).</summary>
internal sealed class GqlObject(string typeName, int cost = 1)
{
    private readonly Dictionary<string, Func<GqlArgs, object?>> _fields = new(StringComparer.Ordinal);

    public string TypeName { get; } = typeName;

    /// <summary>What projecting this object adds to the actual query cost (Shopify: 1 per object, 2 per connection).</summary>
    public int Cost { get; } = cost;

    public Func<GqlArgs, object?> this[string field]
    {
        set => _fields[field] = value;
    }

    public GqlObject Set(string field, object? value)
    {
        _fields[field] = _ => value;
        return this;
    }

    public object? Resolve(string field, GqlArgs args)
        => field == "__typename" ? TypeName
            : _fields.TryGetValue(field, out var resolve) ? resolve(args)
            : throw new GqlException($"sandbox: field {TypeName}.{field} not implemented", "SANDBOX_NOT_IMPLEMENTED");
}

/// <summary>A GraphQL error a resolver raises; answered as a top-level error.</summary>
internal sealed class GqlException(string message, string code) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>A field's arguments, with variables substituted (JSON values; enums as strings).</summary>
internal sealed class GqlArgs(Dictionary<string, JsonNode?> values)
{
    public static GqlArgs Empty { get; } = new([]);

    public IReadOnlyDictionary<string, JsonNode?> Values => values;

    public bool Has(string name) => values.ContainsKey(name);

    public JsonNode? this[string name] => values.GetValueOrDefault(name);

    public string? String(string name) => values.GetValueOrDefault(name) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public int? Int(string name) => values.GetValueOrDefault(name) is JsonValue v && v.TryGetValue<long>(out var n) ? (int)Math.Clamp(n, int.MinValue, int.MaxValue)
        : values.GetValueOrDefault(name) is JsonValue d && d.TryGetValue<double>(out var f) ? (int)f : null;

    public bool? Bool(string name) => values.GetValueOrDefault(name) is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    public IReadOnlyList<string>? Strings(string name) => values.GetValueOrDefault(name) switch
    {
        JsonArray a => [.. a.Select(n => n?.GetValue<string>() ?? string.Empty)],
        JsonValue v when v.TryGetValue<string>(out var one) => [one], // GraphQL input coercion of a single item to a list
        _ => null,
    };

    /// <summary>The arguments as canonical JSON (keys sorted), to compare two requests' parameters.</summary>
    public string Fingerprint()
    {
        var canonical = new JsonObject();
        foreach (var (key, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            canonical[key] = Canonical(value);
        }

        return canonical.ToJsonString();
    }

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Canonical)]),
        null => null,
        _ => node.DeepClone(),
    };
}

/// <summary>
/// Executes a document that <see cref="ShopifySchema"/> has already validated: picks the operation, resolves its root
/// fields through the given root object, and projects the results through the selection sets (aliases, fragments,
/// inline fragments, variables, <c>@include</c>/<c>@skip</c>), counting the actual cost as it goes.
/// </summary>
internal sealed class GqlExecutor
{
    /// <summary>The object types the fake resolves; a type condition naming any other type is an interface or union.</summary>
    private static readonly HashSet<string> ConcreteTypes = new(StringComparer.Ordinal)
    {
        "ProductVariant", "InventoryItem", "InventoryLevel", "Location", "Order", "LineItem", "Customer", "Shop",
        "WebhookSubscription", "InventoryAdjustmentGroup", "InventoryChange", "InventoryQuantity", "MoneyBag", "MoneyV2",
        "PageInfo", "WebhookHttpEndpoint", "ApiVersion", "Product", "MailingAddress",
    };

    private readonly GraphQLDocument _document;
    private readonly JsonObject _variables;
    private readonly Dictionary<string, GraphQLFragmentDefinition> _fragments = new(StringComparer.Ordinal);

    private GqlExecutor(GraphQLDocument document, GraphQLOperationDefinition operation, JsonObject? variables)
    {
        _document = document;
        Operation = operation;
        _variables = new JsonObject();
        foreach (var definition in operation.Variables?.Items ?? [])
        {
            var name = definition.Variable.Name.StringValue;
            if (variables is not null && variables.TryGetPropertyValue(name, out var given))
            {
                _variables[name] = given?.DeepClone();
            }
            else if (definition.DefaultValue is { } defaultValue)
            {
                _variables[name] = Value(defaultValue);
            }
        }

        foreach (var fragment in document.Definitions.OfType<GraphQLFragmentDefinition>())
        {
            _fragments[fragment.FragmentName.Name.StringValue] = fragment;
        }
    }

    public GraphQLOperationDefinition Operation { get; }

    public bool IsMutation => Operation.Operation == OperationType.Mutation;

    /// <summary>The actual cost so far.</summary>
    public int ActualCost { get; private set; }

    /// <summary>Parses <paramref name="query"/> and picks the operation (by name when several).</summary>
    public static GqlExecutor Create(string query, JsonObject? variables, string? operationName)
    {
        var document = Parser.Parse(query);
        var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
        var operation = operationName is null
            ? operations.Count == 1 ? operations[0] : throw new GqlException("An operation name is required", "OPERATION_NAME_REQUIRED")
            : operations.Find(o => o.Name?.StringValue == operationName)
              ?? throw new GqlException($"No operation named \"{operationName}\"", "OPERATION_NOT_FOUND");
        return new GqlExecutor(document, operation, variables);
    }

    /// <summary>The root fields selected (after fragments and directives), by response key, in order.</summary>
    public IReadOnlyList<(string Key, GraphQLField Field)> RootFields(string rootType)
        => [.. Collect(rootType, [Operation.SelectionSet]).Select(p => (p.Key, p.Value[0]))];

    public GqlArgs Arguments(GraphQLField field)
    {
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var argument in field.Arguments?.Items ?? [])
        {
            if (argument.Value is GraphQLVariable variable && !_variables.ContainsKey(variable.Name.StringValue))
            {
                continue; // an unset variable leaves the argument unset
            }

            values[argument.Name.StringValue] = Value(argument.Value);
        }

        return new GqlArgs(values);
    }

    /// <summary>The arguments of a directive on the field (e.g. <c>@idempotent(key:)</c>), or null when absent.</summary>
    public GqlArgs? Directive(GraphQLField field, string name)
    {
        var directive = field.Directives?.Items.Find(d => d.Name.StringValue == name);
        if (directive is null)
        {
            return null;
        }

        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var argument in directive.Arguments?.Items ?? [])
        {
            values[argument.Name.StringValue] = Value(argument.Value);
        }

        return new GqlArgs(values);
    }

    /// <summary>Projects a resolved value through the selection sets of the fields merged under one response key.</summary>
    public JsonNode? Project(object? value, IReadOnlyList<GraphQLField> fields)
    {
        switch (value)
        {
            case null:
                return null;
            case GqlObject obj:
                ActualCost += obj.Cost;
                var result = new JsonObject();
                foreach (var (key, merged) in Collect(obj.TypeName, [.. fields.Select(f => f.SelectionSet).OfType<GraphQLSelectionSet>()]))
                {
                    var first = merged[0];
                    result[key] = Project(obj.Resolve(first.Name.StringValue, Arguments(first)), merged);
                }

                return result;
            case JsonNode node:
                return node.DeepClone();
            case string s:
                return JsonValue.Create(s);
            case bool b:
                return JsonValue.Create(b);
            case int i:
                return JsonValue.Create(i);
            case long l:
                return JsonValue.Create(l);
            case double d:
                return JsonValue.Create(d);
            case decimal m:
                return JsonValue.Create(m);
            case DateTimeOffset t:
                return JsonValue.Create(ShopifyFormat.GraphqlTime(t));
            case System.Collections.IEnumerable items:
                var array = new JsonArray();
                foreach (var item in items)
                {
                    array.Add(Project(item, fields));
                }

                return array;
            default:
                throw new InvalidOperationException($"Cannot project a {value.GetType().Name}.");
        }
    }

    private List<KeyValuePair<string, List<GraphQLField>>> Collect(string typeName, IEnumerable<GraphQLSelectionSet> sets)
    {
        var fields = new List<KeyValuePair<string, List<GraphQLField>>>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        foreach (var set in sets)
        {
            CollectInto(typeName, set, fields, visited);
        }

        return fields;
    }

    private void CollectInto(string typeName, GraphQLSelectionSet set, List<KeyValuePair<string, List<GraphQLField>>> fields, HashSet<string> visited)
    {
        foreach (var selection in set.Selections)
        {
            switch (selection)
            {
                case GraphQLField field when Included(field.Directives):
                    var key = (field.Alias?.Name ?? field.Name).StringValue;
                    var index = fields.FindIndex(p => p.Key == key);
                    if (index < 0)
                    {
                        fields.Add(KeyValuePair.Create(key, new List<GraphQLField> { field }));
                    }
                    else
                    {
                        fields[index].Value.Add(field);
                    }

                    break;
                case GraphQLInlineFragment inline when Included(inline.Directives) && Applies(inline.TypeCondition, typeName):
                    CollectInto(typeName, inline.SelectionSet, fields, visited);
                    break;
                case GraphQLFragmentSpread spread when Included(spread.Directives):
                    var name = spread.FragmentName.Name.StringValue;
                    if (visited.Add(name) && _fragments.TryGetValue(name, out var fragment) && Applies(fragment.TypeCondition, typeName))
                    {
                        CollectInto(typeName, fragment.SelectionSet, fields, visited);
                    }

                    break;
            }
        }
    }

    private static bool Applies(GraphQLTypeCondition? condition, string typeName)
    {
        var type = condition?.Type.Name.StringValue;
        return type is null || type == typeName || !ConcreteTypes.Contains(type);
    }

    private bool Included(GraphQLDirectives? directives)
    {
        foreach (var directive in directives?.Items ?? [])
        {
            var name = directive.Name.StringValue;
            if (name is not ("include" or "skip"))
            {
                continue;
            }

            var condition = directive.Arguments?.Items.Find(a => a.Name.StringValue == "if") is { } argument
                            && Value(argument.Value) is JsonValue v && v.TryGetValue<bool>(out var b) && b;
            if ((name == "include" && !condition) || (name == "skip" && condition))
            {
                return false;
            }
        }

        return true;
    }

    private JsonNode? Value(GraphQLValue value) => value switch
    {
        GraphQLVariable variable => _variables[variable.Name.StringValue]?.DeepClone(),
        GraphQLNullValue => null,
        GraphQLBooleanValue b => JsonValue.Create(b.BoolValue),
        GraphQLIntValue i => long.TryParse(i.Value.Span, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? JsonValue.Create(n) : JsonValue.Create(double.Parse(i.Value.Span, CultureInfo.InvariantCulture)),
        GraphQLFloatValue f => JsonValue.Create(decimal.Parse(f.Value.Span, NumberStyles.Float, CultureInfo.InvariantCulture)),
        GraphQLStringValue s => JsonValue.Create(s.Value.ToString()),
        GraphQLEnumValue e => JsonValue.Create(e.Name.StringValue),
        GraphQLListValue list => new JsonArray([.. (list.Values ?? []).Select(Value)]),
        GraphQLObjectValue obj => new JsonObject((obj.Fields ?? []).Select(f => KeyValuePair.Create(f.Name.StringValue, Value(f.Value)))),
        _ => throw new InvalidOperationException($"Unknown GraphQL value {value.Kind}."),
    };

    /// <summary>For the linter: the document is kept so the executor owns what it parsed.</summary>
    public override string ToString() => $"{Operation.Operation} {Operation.Name?.StringValue} ({_document.Definitions.Count} definitions)";
}

/// <summary>Relay connections over a sorted list, with opaque cursors, as Shopify pages them.</summary>
internal static class GqlConnection
{
    /// <summary>
    /// A <paramref name="typeName"/> over <paramref name="items"/> (already filtered and sorted): <c>first</c>/<c>after</c> or
    /// <c>last</c>/<c>before</c>, with <c>nodes</c>, <c>edges { cursor node }</c> and <c>pageInfo</c>.
    /// </summary>
    public static GqlObject Create<T>(string typeName, IReadOnlyList<T> items, Func<T, string> key, Func<T, GqlObject> node, GqlArgs args)
    {
        var first = args.Int("first");
        var last = args.Int("last");
        if (first is null && last is null)
        {
            throw new GqlException("you must provide one of first or last", "BAD_REQUEST");
        }

        if (first > 250 || last > 250)
        {
            throw new GqlException("The maximum page size is 250.", "BAD_REQUEST");
        }

        var start = 0;
        var end = items.Count;
        if (args.String("after") is { } after)
        {
            var at = IndexOf(items, key, after);
            start = at + 1;
        }

        if (args.String("before") is { } before)
        {
            end = Math.Max(start, IndexOf(items, key, before));
        }

        var window = items.Skip(start).Take(end - start).ToList();
        var hasNext = end < items.Count;
        var hasPrevious = start > 0;
        if (first is { } f && window.Count > f)
        {
            window = window[..f];
            hasNext = true;
        }

        if (last is { } l && window.Count > l)
        {
            window = window[^l..];
            hasPrevious = true;
        }

        var edges = window.Select(item => new GqlObject(typeName.Replace("Connection", "Edge", StringComparison.Ordinal), 0)
            .Set("cursor", Encode(key(item)))
            .Set("node", node(item))).ToList();
        var pageInfo = new GqlObject("PageInfo", 0)
            .Set("hasNextPage", hasNext)
            .Set("hasPreviousPage", hasPrevious)
            .Set("startCursor", window.Count == 0 ? null : Encode(key(window[0])))
            .Set("endCursor", window.Count == 0 ? null : Encode(key(window[^1])));
        return new GqlObject(typeName, 2)
            .Set("nodes", window.Select(node).ToList())
            .Set("edges", edges)
            .Set("pageInfo", pageInfo);
    }

    private static int IndexOf<T>(IReadOnlyList<T> items, Func<T, string> key, string cursor)
    {
        string decoded;
        try
        {
            decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
        }
        catch (FormatException)
        {
            throw new GqlException($"Invalid cursor for current pagination sort.", "BAD_REQUEST");
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (key(items[i]) == decoded)
            {
                return i;
            }
        }

        // The item is gone: place the cursor by its sort key, as a real cursor (a sort-key snapshot) would.
        var position = 0;
        while (position < items.Count && string.CompareOrdinal(key(items[position]), decoded) < 0)
        {
            position++;
        }

        return position - 1;
    }

    private static string Encode(string key) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key));
}

/// <summary>How Shopify writes times and money.</summary>
internal static class ShopifyFormat
{
    /// <summary>GraphQL <c>DateTime</c>: UTC, seconds, <c>Z</c> (<c>2026-01-15T10:30:00Z</c>).</summary>
    public static string GraphqlTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>REST (webhook payload) times: the shop's offset, <c>2026-01-15T05:30:00-05:00</c>.</summary>
    public static string RestTime(DateTimeOffset time, TimeSpan offset) => time.ToOffset(offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>Money as Shopify writes a decimal: a string with two decimals (<c>"9.50"</c>).</summary>
    public static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A sort key that orders as the value does: fixed-width numbers.</summary>
    public static string SortKey(long value) => value.ToString("D20", CultureInfo.InvariantCulture);

    public static string SortKey(DateTimeOffset value) => value.UtcTicks.ToString("D20", CultureInfo.InvariantCulture);

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}
