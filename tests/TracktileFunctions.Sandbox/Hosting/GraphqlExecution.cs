using System.Globalization;
using System.Text.Json.Nodes;
using GraphQLParser;
using GraphQLParser.AST;

namespace TracktileFunctions.Sandbox.Hosting;

// The GraphQL execution the fakes share (Shopify, ShipHero): objects with resolvers, arguments with variables
// substituted, and projection through selection sets with aliases, fragments and @include/@skip.

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

/// <summary>What differs between the fakes' GraphQL APIs: which types are objects (not interfaces) and how times are written.</summary>
/// <param name="ConcreteTypes">The object types the fake resolves; a type condition naming any other type is an interface or union.</param>
/// <param name="FormatTime">Writes a <see cref="DateTimeOffset"/> a resolver returns.</param>
internal sealed record GqlDialect(IReadOnlySet<string> ConcreteTypes, Func<DateTimeOffset, string> FormatTime);

/// <summary>
/// Executes a parsed document (the fake validates it first, e.g. <c>ShopifySchema</c>): picks the operation, resolves its root
/// fields through the given root object, and projects the results through the selection sets (aliases, fragments,
/// inline fragments, variables, <c>@include</c>/<c>@skip</c>), counting the actual cost as it goes.
/// </summary>
internal sealed class GqlExecutor
{
    private readonly GqlDialect _dialect;
    private readonly GraphQLDocument _document;
    private readonly JsonObject _variables;
    private readonly Dictionary<string, GraphQLFragmentDefinition> _fragments = new(StringComparer.Ordinal);

    private GqlExecutor(GraphQLDocument document, GraphQLOperationDefinition operation, JsonObject? variables, GqlDialect dialect)
    {
        _document = document;
        _dialect = dialect;
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
    public static GqlExecutor Create(string query, JsonObject? variables, string? operationName, GqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        var document = Parser.Parse(query);
        var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
        var operation = operationName is null
            ? operations.Count == 1 ? operations[0] : throw new GqlException("An operation name is required", "OPERATION_NAME_REQUIRED")
            : operations.Find(o => o.Name?.StringValue == operationName)
              ?? throw new GqlException($"No operation named \"{operationName}\"", "OPERATION_NOT_FOUND");
        return new GqlExecutor(document, operation, variables, dialect);
    }

    /// <summary>The root fields selected (after fragments and directives), by response key, in order.</summary>
    public IReadOnlyList<(string Key, GraphQLField Field)> RootFields(string rootType)
        => [.. Collect(rootType, [Operation.SelectionSet]).Select(p => (p.Key, p.Value[0]))];

    /// <summary>
    /// The fields selected under <paramref name="field"/> (fragments of every type condition included), by response key:
    /// for estimating a cost before resolving.
    /// </summary>
    public IReadOnlyList<(string Key, GraphQLField Field)> SelectedFields(GraphQLField field)
        => field.SelectionSet is null ? [] : [.. Collect(string.Empty, [field.SelectionSet]).Select(p => (p.Key, p.Value[0]))];

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
                return JsonValue.Create(_dialect.FormatTime(t));
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

    private bool Applies(GraphQLTypeCondition? condition, string typeName)
    {
        var type = condition?.Type.Name.StringValue;
        return type is null || typeName.Length == 0 || type == typeName || !_dialect.ConcreteTypes.Contains(type);
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
