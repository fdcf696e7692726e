using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TracktileFunctions.Tracktile;

/// <summary>
/// ERP customer (the <c>data</c> of a <c>customer.updated</c> webhook) -> the body of Tracktile's
/// <c>PUT /customers/{id}</c>. Tracktile does not document that body; these are the fields its guide shows. This is the
/// one place to edit for another shape.
/// </summary>
public static class TracktileCustomerMapping
{
    /// <summary>The fields synced to Tracktile, in a fixed order (so equal values give equal bytes and hashes).</summary>
    public static JsonElement ToTracktile(JsonElement erpCustomer)
    {
        var body = new JsonObject
        {
            ["name"] = Copy(erpCustomer, "name"),
            ["email"] = Copy(erpCustomer, "email"),
            ["phone"] = Copy(erpCustomer, "phone"),
            ["address"] = Copy(erpCustomer, "address"),
            ["externalId"] = Copy(erpCustomer, "id"),
        };
        return JsonSerializer.SerializeToElement(body);
    }

    /// <summary>A hash of the synced fields: what was last written, to recognise an echo or a no-op.</summary>
    public static string Hash(JsonElement tracktileBody)
        => Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(tracktileBody)));

    private static JsonNode? Copy(JsonElement source, string name)
        => source.ValueKind == JsonValueKind.Object && source.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? JsonNode.Parse(value.GetRawText())
            : null;
}
