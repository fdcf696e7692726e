using System.Text.Json;
using System.Text.Json.Serialization;

namespace TracktileFunctions.Tracktile;

/// <summary>
/// An order as Tracktile's API returns it. The fields are those of the documented <c>POST /orders</c>; anything else
/// Tracktile sends is kept in <see cref="Extra"/> so a mapping can use it without a code change here.
/// </summary>
public sealed record TracktileOrder
{
    /// <summary>The order id (<c>orderId</c> in events).</summary>
    public string Id { get; init; } = "";

    /// <summary>The human order number.</summary>
    public string? ShortId { get; init; }

    /// <summary>The customer.</summary>
    public string? CustomerId { get; init; }

    /// <summary>When it is due (date or date-time, as Tracktile sends it).</summary>
    public string? DueDate { get; init; }

    /// <summary>ISO 4217 currency.</summary>
    public string? Currency { get; init; }

    /// <summary>The current status.</summary>
    public string? Status { get; init; }

    /// <summary>The lines.</summary>
    public IReadOnlyList<TracktileOrderItem> OrderItems { get; init; } = [];

    /// <summary>Fields not named above.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>The order's current status, read from <paramref name="property"/> (<c>status</c> unless configured otherwise).</summary>
    public string? CurrentStatus(string property)
        => string.Equals(property, "status", StringComparison.OrdinalIgnoreCase) ? Status
            : Extra is not null && Extra.TryGetValue(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>One order line.</summary>
public sealed record TracktileOrderItem(string ProductId, decimal Quantity, decimal? Price);
