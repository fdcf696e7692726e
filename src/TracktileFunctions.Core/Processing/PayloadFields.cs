using System.Text.Json;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.Processing;

/// <summary>Reads fields of an event's payload; a missing required field is a permanent failure naming the field.</summary>
public static class PayloadFields
{
    /// <summary>The non-empty string at <paramref name="name"/>.</summary>
    /// <exception cref="PermanentProcessingException">It is missing, empty or not a string.</exception>
    public static string RequiredString(this WebhookEventReceived evt, string name)
        => evt.OptionalString(name) ?? throw new PermanentProcessingException($"{evt.Kind} event has no '{name}'");

    /// <summary>The string at <paramref name="name"/>, or null when missing, empty or not a string.</summary>
    public static string? OptionalString(this WebhookEventReceived evt, string name)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return evt.Payload.ValueKind == JsonValueKind.Object
            && evt.Payload.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.String
            && value.GetString() is { Length: > 0 } text
                ? text
                : null;
    }

    /// <summary>When the event happened: its own time, or when it was received if it carries none.</summary>
    public static DateTimeOffset EffectiveTime(this WebhookEventReceived evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return evt.EventTime ?? evt.ReceivedAt;
    }
}
