using System.Text.Json;
using System.Text.Json.Serialization;

namespace TracktileFunctions.Tracktile;

/// <summary>An inventory entity (a lot such as <c>BATCH-001</c>), as events carry it and as the API returns it.</summary>
public sealed record TracktileInventoryEntity
{
    /// <summary>The entity id.</summary>
    public string Id { get; init; } = "";

    /// <summary>The lot code.</summary>
    public string? Name { get; init; }

    /// <summary>The product.</summary>
    public string? ProductId { get; init; }

    /// <summary>The quantity, when known.</summary>
    public decimal? Quantity { get; init; }

    /// <summary>The unit, when known.</summary>
    public string? Unit { get; init; }

    /// <summary>Free-form attributes.</summary>
    public JsonElement? Attributes { get; init; }

    /// <summary>Fields not named above.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}
