using System.Security.Cryptography;
using System.Text;

namespace TracktileFunctions.Storage;

/// <summary>
/// Makes any id safe as a table PartitionKey or RowKey, which refuse <c>/ \ # ?</c> and control characters and hold at
/// most 1 KiB. Short ids are escaped reversibly; an id whose escaped form would be longer than
/// <see cref="MaxKeyChars"/> (a long id, or a non-ASCII one that escaping multiplies) becomes a prefix of it and a
/// SHA-256 of the whole id, so every id gets a key of bounded length and distinct ids keep distinct keys.
/// </summary>
public static class TableKeys
{
    /// <summary>The longest key produced (well under the service's 1 KiB).</summary>
    public const int MaxKeyChars = 256;

    private const int HashChars = 64;

    /// <summary>The key for <paramref name="id"/>.</summary>
    public static string Escape(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var escaped = Uri.EscapeDataString(id);
        if (escaped.Length <= MaxKeyChars)
        {
            return escaped;
        }

        // Cut before a '%' sequence, never inside one, so the prefix stays readable.
        var prefix = escaped.AsSpan(0, MaxKeyChars - HashChars - 1);
        var cut = prefix.LastIndexOf('%');
        if (cut >= 0 && cut > prefix.Length - 3)
        {
            prefix = prefix[..cut];
        }

        return $"{prefix}~{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))}";
    }
}
