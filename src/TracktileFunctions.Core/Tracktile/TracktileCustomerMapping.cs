using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TracktileFunctions.Tracktile;

/// <summary>
/// ERP customer (the <c>data</c> of a <c>customer.updated</c> webhook) <-> the body of Tracktile's
/// <c>PUT /customers/{id}</c>, and back for customers changed in Tracktile. Tracktile does not document that body; these are the fields its guide shows. This is the
/// one place to edit for another shape.
/// </summary>
public static class TracktileCustomerMapping
{
    /// <summary>The fields synced to Tracktile, in a fixed order (so equal values give equal bytes and hashes).</summary>
    public static JsonElement ToTracktile(JsonElement erpCustomer) => Synced(erpCustomer, idProperty: "id");

    /// <summary>
    /// The synced fields of a customer as Tracktile holds it, in the same shape as <see cref="ToTracktile"/>: equal
    /// hashes mean Tracktile holds what was last synced (our own write coming back).
    /// </summary>
    public static JsonElement SyncedFields(JsonElement tracktileCustomer) => Synced(tracktileCustomer, idProperty: "externalId");

    /// <summary>The ERP customer (the body of <c>PUT customers/{id}</c>) for a Tracktile customer.</summary>
    public static JsonElement ToErp(JsonElement tracktileCustomer, string tracktileId)
    {
        var body = new JsonObject
        {
            ["id"] = Copy(tracktileCustomer, "externalId"),
            ["tracktileId"] = tracktileId,
            ["name"] = Copy(tracktileCustomer, "name"),
            ["email"] = Copy(tracktileCustomer, "email"),
            ["phone"] = Copy(tracktileCustomer, "phone"),
            ["address"] = Copy(tracktileCustomer, "address"),
        };
        return JsonSerializer.SerializeToElement(body);
    }

    private static JsonElement Synced(JsonElement customer, string idProperty)
    {
        var body = new JsonObject
        {
            ["name"] = Copy(customer, "name"),
            ["email"] = Copy(customer, "email"),
            ["phone"] = Copy(customer, "phone"),
            ["address"] = Copy(customer, "address"),
            ["externalId"] = Copy(customer, idProperty),
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
