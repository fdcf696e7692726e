using System.Text.Json;

namespace TracktileFunctions.Erp;

/// <summary>
/// Tracktile product -> ERP product. Tracktile does not document its product fields; these are the names its
/// samples use (<c>id</c>, <c>sku</c>, <c>name</c>, <c>unit</c>, <c>active</c>, <c>modifiedAt</c>, <c>attributes</c>).
/// Edit here to fit yours.
/// </summary>
public static class ErpProductMapping
{
    /// <summary>The ERP product for <paramref name="product"/>, or null when it has no id.</summary>
    public static ErpProduct? ToErpProduct(JsonElement product, string idProperty = "id", string modifiedAtProperty = "modifiedAt")
    {
        if (product.ValueKind != JsonValueKind.Object
            || !product.TryGetProperty(idProperty, out var id)
            || id.ValueKind is not (JsonValueKind.String or JsonValueKind.Number)
            || id.ToString() is not { Length: > 0 } externalId)
        {
            return null;
        }

        return new ErpProduct(
            externalId,
            String(product, "sku"),
            String(product, "name"),
            String(product, "unit"),
            product.TryGetProperty("active", out var active) && active.ValueKind is JsonValueKind.True or JsonValueKind.False ? active.GetBoolean() : null,
            product.TryGetProperty(modifiedAtProperty, out var m) && m.TryGetDateTimeOffset(out var modifiedAt) ? modifiedAt : null,
            product.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object ? attributes.Clone() : null)
        {
            Source = product.Clone(),
        };
    }

    /// <summary>The idempotency key of one product version's upsert (the hand-off's event id: product id and version).</summary>
    public static string UpsertKey(string productEventId) => $"tracktile-product-{productEventId}";

    private static string? String(JsonElement product, string name)
        => product.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
