using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TracktileFunctions.Sync;

/// <summary>Which side keeps a field that both sides changed since the last sync.</summary>
public enum CustomerConflictWinner
{
    /// <summary>The ERP is the system of record for customer master data (the default).</summary>
    Erp,

    /// <summary>Tracktile is the system of record.</summary>
    Tracktile,
}

/// <summary>
/// The synced fields of one customer (name, email, phone, address), as one side holds them: each field's value as that
/// side wrote it, and its canonical form, which is what comparisons use. Canonical: strings trimmed with runs of white
/// space folded, empty strings and nulls the same as absent, e-mail addresses lower-case, phone numbers reduced to a
/// leading <c>+</c> and digits, objects with their members sorted and null members dropped. So the same customer with
/// keys in another order, an extra <c>"line2": null</c> or a differently formatted phone compares equal.
/// </summary>
public sealed class CustomerFields
{
    /// <summary>The synced fields, in a fixed order.</summary>
    public static readonly IReadOnlyList<string> Names = ["name", "email", "phone", "address"];

    private readonly Dictionary<string, JsonNode?> _values;
    private readonly Dictionary<string, string?> _canonical;

    private CustomerFields(Dictionary<string, JsonNode?> values)
    {
        _values = values;
        _canonical = Names.ToDictionary(n => n, n => Canonical(n, values.GetValueOrDefault(n)), StringComparer.Ordinal);
    }

    /// <summary>The synced fields of <paramref name="customer"/> (other fields are ignored).</summary>
    public static CustomerFields From(JsonElement customer)
        => new(Names.ToDictionary(
            n => n,
            n => customer.ValueKind == JsonValueKind.Object && customer.TryGetProperty(n, out var v) && v.ValueKind != JsonValueKind.Null
                ? JsonNode.Parse(v.GetRawText())
                : null,
            StringComparer.Ordinal));

    /// <summary>The fields stored by <see cref="ToStoredJson"/>, or null for none.</summary>
    public static CustomerFields? FromStored(string? json)
        => string.IsNullOrEmpty(json) ? null : From(JsonElement.Parse(json));

    /// <summary>The value of <paramref name="field"/> as the side wrote it (null when absent).</summary>
    public JsonNode? Value(string field) => _values.GetValueOrDefault(field)?.DeepClone();

    /// <summary>The canonical form of <paramref name="field"/> (null when absent or empty).</summary>
    public string? CanonicalOf(string field) => _canonical.GetValueOrDefault(field);

    /// <summary>True when every field is canonically equal to <paramref name="other"/>'s.</summary>
    public bool SameAs(CustomerFields other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Names.All(n => _canonical[n] == other._canonical[n]);
    }

    /// <summary>These fields with some taken from <paramref name="other"/>.</summary>
    public CustomerFields With(CustomerFields other, IEnumerable<string> fields)
    {
        ArgumentNullException.ThrowIfNull(other);
        var values = new Dictionary<string, JsonNode?>(Names.ToDictionary(n => n, Value), StringComparer.Ordinal);
        foreach (var field in fields)
        {
            values[field] = other.Value(field);
        }

        return new CustomerFields(values);
    }

    /// <summary>The fields as a JSON object (absent fields as null), for a request body or for sync state.</summary>
    public JsonObject ToJsonObject()
    {
        var body = new JsonObject();
        foreach (var name in Names)
        {
            body[name] = Value(name);
        }

        return body;
    }

    /// <summary>The fields as stored in sync state (the base of the next three-way merge).</summary>
    public string ToStoredJson() => ToJsonObject().ToJsonString();

    /// <summary>A hash of the canonical fields.</summary>
    public string Hash()
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', Names.Select(n => _canonical[n] ?? "\u0000")))));

    private static string? Canonical(string field, JsonNode? value)
    {
        var canonical = Canonical(value, field);
        return canonical?.ToJsonString();
    }

    private static JsonNode? Canonical(JsonNode? node, string field)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
            {
                var sorted = new JsonObject();
                foreach (var (key, child) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (Canonical(child, key) is { } c)
                    {
                        sorted[key] = c;
                    }
                }

                return sorted.Count == 0 ? null : sorted;
            }

            case JsonArray array:
                return new JsonArray([.. array.Select(item => Canonical(item, field))]);
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
            {
                var text = string.Join(' ', value.GetValue<string>().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                if (text.Length == 0)
                {
                    return null;
                }

                if (field == "email")
                {
                    text = text.ToLowerInvariant();
                }
                else if (field == "phone")
                {
                    var digits = new string([.. text.Where(char.IsAsciiDigit)]);
                    text = (text.StartsWith('+') ? "+" : "") + digits;
                }

                return JsonValue.Create(text);
            }

            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                // 1, 1.0 and 1e0 are one number; one too large for decimal is compared as written.
                var raw = value.ToJsonString();
                return JsonValue.Create(decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    ? (number / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture)
                    : raw);
            default:
                return node.DeepClone();
        }
    }
}

/// <summary>
/// The three-way merge of one customer's synced fields: each side's current fields against the base (what the app
/// last saw both sides agree on). A field changed on one side only takes that side's value; a field changed on both
/// sides to different values is a conflict, settled by <see cref="CustomerConflictWinner"/>. No clock is consulted:
/// the two systems' event times come from two clocks and cannot be compared.
/// </summary>
public static class CustomerMerge
{
    /// <summary>The merged fields and what each side must be told.</summary>
    /// <param name="Merged">What both sides hold once the writes are made (the next base).</param>
    /// <param name="ToTracktile">Fields to write to Tracktile (empty: Tracktile already holds the merge).</param>
    /// <param name="ToErp">Fields to write to the ERP (empty: the ERP already holds the merge).</param>
    /// <param name="Conflicts">Fields both sides changed differently, settled by the winner.</param>
    public sealed record Result(CustomerFields Merged, IReadOnlyList<string> ToTracktile, IReadOnlyList<string> ToErp, IReadOnlyList<string> Conflicts);

    /// <summary>Merges <paramref name="tracktile"/> and <paramref name="erp"/> against <paramref name="lastSynced"/>.</summary>
    /// <param name="lastSynced">The base; without one (the first sync), <paramref name="unchangedSide"/>'s fields are taken as the base.</param>
    /// <param name="tracktile">Tracktile's current fields.</param>
    /// <param name="erp">The ERP's current fields.</param>
    /// <param name="winner">Who keeps a field both sides changed.</param>
    /// <param name="unchangedSide">For a first sync: the side the event did not come from.</param>
    public static Result Merge(CustomerFields? lastSynced, CustomerFields tracktile, CustomerFields erp, CustomerConflictWinner winner, CustomerConflictWinner unchangedSide)
    {
        ArgumentNullException.ThrowIfNull(tracktile);
        ArgumentNullException.ThrowIfNull(erp);
        var baseline = lastSynced ?? (unchangedSide == CustomerConflictWinner.Tracktile ? tracktile : erp);
        List<string> fromTracktile = [], fromErp = [], conflicts = [];
        foreach (var field in CustomerFields.Names)
        {
            var t = tracktile.CanonicalOf(field);
            var e = erp.CanonicalOf(field);
            if (t == e)
            {
                continue;
            }

            var b = baseline.CanonicalOf(field);
            if (lastSynced is null && (t is null || e is null))
            {
                // A first sync never lets an empty value blank a present one.
                (t is null ? fromErp : fromTracktile).Add(field);
                continue;
            }

            var tracktileChanged = t != b;
            var erpChanged = e != b;
            if (tracktileChanged && erpChanged)
            {
                conflicts.Add(field);
                (winner == CustomerConflictWinner.Erp ? fromErp : fromTracktile).Add(field);
            }
            else if (tracktileChanged)
            {
                fromTracktile.Add(field);
            }
            else
            {
                fromErp.Add(field);
            }
        }

        // Start from the ERP's fields, take Tracktile's where Tracktile's value wins.
        var merged = erp.With(tracktile, fromTracktile);
        return new Result(merged, fromErp, fromTracktile, conflicts);
    }
}
