using System.Globalization;
using System.Text.Json;

namespace TracktileFunctions.Messaging;

/// <summary>The fields every event carries, read from the top level of its JSON body without building a DOM.</summary>
/// <param name="Id">The event id.</param>
/// <param name="Kind">The event kind.</param>
/// <param name="Time">The event time, when present.</param>
public readonly record struct EventEnvelope(string Id, string Kind, DateTimeOffset? Time)
{
    /// <summary>Longest id or kind accepted; longer ones are refused as malformed.</summary>
    public const int MaxFieldLength = 256;

    /// <summary>
    /// The deepest JSON accepted (System.Text.Json's default, which every reader of a payload uses): a body nested
    /// deeper is refused with 400 here, rather than acknowledged and then unreadable for ever in a consumer.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Reads the envelope. The whole body is validated as JSON on the way (nested values are skipped, not parsed).
    /// </summary>
    /// <returns>Null when valid, otherwise a short fixed reason fit for a 400 answer.</returns>
    public static string? TryParse(
        ReadOnlySpan<byte> json, string idProperty, string kindProperty, string timeProperty, out EventEnvelope envelope)
    {
        envelope = default;
        if (json.IsEmpty)
        {
            return "body is empty";
        }

        string? id = null, kind = null, time = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "body is not a JSON object";
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(idProperty))
                {
                    id = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals(kindProperty))
                {
                    kind = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals(timeProperty))
                {
                    time = ReadString(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.Read())
            {
                return "body is not a single JSON object";
            }
        }
        catch (JsonException)
        {
            return IsJsonAtAnyDepth(json) ? $"body is nested deeper than {MaxDepth} levels" : "body is not valid JSON";
        }

        if (string.IsNullOrWhiteSpace(id) || id.Length > MaxFieldLength)
        {
            return $"missing or invalid '{idProperty}'";
        }

        if (string.IsNullOrWhiteSpace(kind) || kind.Length > MaxFieldLength)
        {
            return $"missing or invalid '{kindProperty}'";
        }

        DateTimeOffset? parsedTime = null;
        if (time is not null)
        {
            if (!DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            {
                return $"invalid '{timeProperty}'";
            }

            parsedTime = t;
        }

        envelope = new EventEnvelope(id, kind, parsedTime);
        return null;
    }

    /// <summary>Only on a refusal: tells "too deep" from "not JSON", so the sender gets the right reason.</summary>
    private static bool IsJsonAtAnyDepth(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 100_000 });
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }
}
