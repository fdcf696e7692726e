using System.Text;
using System.Text.Json;

namespace TracktileFunctions.Processing;

/// <summary>
/// The short start of a poisoned message's payload that the failure list shows: enough to recognise the event, never
/// the whole payload (and never more than <see cref="MaxChars"/> characters, control characters replaced).
/// </summary>
public static class PoisonPreview
{
    /// <summary>The longest preview.</summary>
    public const int MaxChars = 160;

    /// <summary>The preview of a queue message's text: its payload when it is an event record, else its own start.</summary>
    public static string OfMessage(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            using var document = JsonDocument.Parse(message);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (document.RootElement.TryGetProperty("payload", out var payload))
                {
                    return Shorten(payload.GetRawText());
                }

                if (document.RootElement.TryGetProperty("payloadBlob", out var blob) && blob.ValueKind == JsonValueKind.String)
                {
                    return Shorten("(payload stored as blob " + blob.GetString() + ")");
                }
            }
        }
        catch (JsonException)
        {
            // not JSON: its own start below
        }

        return Shorten(message);
    }

    /// <summary>The preview of a payload's UTF-8 bytes.</summary>
    public static string OfPayload(ReadOnlySpan<byte> payload)
        => Shorten(Encoding.UTF8.GetString(payload[..Math.Min(payload.Length, MaxChars * 4)]));

    private static string Shorten(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxChars + 1));
        foreach (var c in text)
        {
            if (builder.Length == MaxChars)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }
}
