using System.Security.Cryptography;
using System.Text;

namespace TracktileFunctions.Webhooks;

/// <summary>
/// The signature Shopify, ShipHero and Intuit (QuickBooks) put on their webhooks: base64 of HMAC-SHA256 of the raw body,
/// keyed with a shared secret (UTF-8). Checked against every key in constant time, so rotation (two keys at once) works
/// and the time taken says nothing about which key, or how much of it, matched.
/// </summary>
public static class Base64HmacSignature
{
    private const int HashBytes = 32;

    /// <summary>The signature of <paramref name="body"/> under <paramref name="secret"/>.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
    }

    /// <summary>Whether <paramref name="signature"/> is the HMAC of <paramref name="body"/> under one of <paramref name="keys"/>.</summary>
    public static bool Matches(string? signature, ReadOnlySpan<byte> body, IEnumerable<byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Span<byte> given = stackalloc byte[HashBytes];
        if (signature is null || !Convert.TryFromBase64String(signature.Trim(), given, out var written) || written != HashBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HashBytes];
        var match = false;
        foreach (var key in keys)
        {
            HMACSHA256.HashData(key, body, expected);
            match |= CryptographicOperations.FixedTimeEquals(given, expected);
        }

        return match;
    }
}
