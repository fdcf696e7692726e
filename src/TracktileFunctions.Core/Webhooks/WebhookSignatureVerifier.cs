using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TracktileFunctions.Webhooks;

/// <summary>
/// Verifies <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c> signature headers (Tracktile's scheme, the same shape
/// as Stripe's) over the raw request bytes. Any configured secret and any <c>v1</c> entry may match, so secrets can
/// be rotated and one receiver can serve several webhook registrations.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "The per-thread HMAC contexts live as long as the verifier (one per receiver or secret snapshot) and are "
    + "finalized with it; IDisposable would change the public API and oblige every owner to dispose it.")]
public sealed class WebhookSignatureVerifier
{
    /// <summary>The only signature scheme this verifier understands; other schemes in a header are ignored.</summary>
    public const string Scheme = "v1";

    private const int SignatureBytes = 32; // SHA-256
    private const int MaxPrefixBytes = 21; // a long's digits, a sign and the '.'

    private readonly byte[][] _keys;
    private readonly long _toleranceSeconds;
    private readonly TimeProvider _timeProvider;

    // One keyed HMAC per secret and per thread, reset by each GetHashAndReset and reused: creating one per call
    // allocated 224 B (the managed objects around the native context) and repeated the key setup. Not disposed
    // (the class is not IDisposable): when the verifier or a thread goes away, the contexts are finalized.
    private readonly ThreadLocal<IncrementalHash[]> _hmacs;

    /// <param name="secrets">Every secret currently accepted (UTF-8 bytes of each string are the HMAC key).</param>
    /// <param name="tolerance">How far the signed timestamp may be from now, in either direction.</param>
    /// <param name="timeProvider">The clock.</param>
    public WebhookSignatureVerifier(IEnumerable<string> secrets, TimeSpan tolerance, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(tolerance, TimeSpan.Zero);

        // A secret configured twice is tried once: an unsigned request costs one HMAC per distinct secret, no more.
        _keys = secrets.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).Select(Encoding.UTF8.GetBytes).ToArray();
        if (_keys.Length == 0)
        {
            throw new ArgumentException("At least one non-empty secret is required.", nameof(secrets));
        }

        _toleranceSeconds = (long)tolerance.TotalSeconds;
        _timeProvider = timeProvider;
        _hmacs = new ThreadLocal<IncrementalHash[]>(CreateHmacs);
    }

    /// <summary>How many distinct secrets are tried (each costs one HMAC per request).</summary>
    internal int SecretCount => _keys.Length;

    /// <summary>Checks <paramref name="header"/> against <paramref name="body"/>.</summary>
    /// <returns><see cref="WebhookSignatureFailure.None"/> when valid, otherwise why it is not.</returns>
    public WebhookSignatureFailure TryVerify(string? header, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return WebhookSignatureFailure.MissingHeader;
        }

        if (!TryParseTimestamp(header, out var timestamp, out var timestampText))
        {
            return WebhookSignatureFailure.MalformedHeader;
        }

        Span<byte> expected = stackalloc byte[SignatureBytes];
        var matched = false;
        foreach (var hmac in _hmacs.Value!)
        {
            ComputeSignature(hmac, timestampText, body, expected);
            if (AnySignatureEquals(header, expected))
            {
                matched = true;
                break;
            }
        }

        if (!matched)
        {
            return WebhookSignatureFailure.NoMatchingSignature;
        }

        var now = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        if (timestamp < now - _toleranceSeconds)
        {
            return WebhookSignatureFailure.TimestampTooOld;
        }

        return timestamp > now + _toleranceSeconds ? WebhookSignatureFailure.TimestampTooNew : WebhookSignatureFailure.None;
    }

    /// <summary>Checks <paramref name="header"/> against <paramref name="body"/>.</summary>
    /// <exception cref="WebhookSignatureException">The signature is refused.</exception>
    public void Verify(string? header, ReadOnlySpan<byte> body)
    {
        var failure = TryVerify(header, body);
        if (failure != WebhookSignatureFailure.None)
        {
            throw new WebhookSignatureException(failure);
        }
    }

    /// <summary>Builds the header value a sender would send: <c>t=&lt;timestamp&gt;,v1=&lt;lower-case hex&gt;</c>.</summary>
    public static string Sign(string secret, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
        => Sign(secret, timestamp.ToUnixTimeSeconds(), body);

    /// <inheritdoc cref="Sign(string, DateTimeOffset, ReadOnlySpan{byte})"/>
    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        Span<byte> signature = stackalloc byte[SignatureBytes];
        using (var hmac = CreateHmac(Encoding.UTF8.GetBytes(secret)))
        {
            ComputeSignature(hmac, t, body, signature);
        }

        return $"t={t},{Scheme}={Convert.ToHexStringLower(signature)}";
    }

    private static IncrementalHash CreateHmac(byte[] key) => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);

    private IncrementalHash[] CreateHmacs() => Array.ConvertAll(_keys, CreateHmac);

    /// <summary>HMAC of <c>&lt;timestamp&gt;.&lt;body&gt;</c>, streamed (the body is not copied); leaves <paramref name="hmac"/> reset.</summary>
    private static void ComputeSignature(IncrementalHash hmac, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        Span<byte> prefix = stackalloc byte[MaxPrefixBytes];
        var written = Encoding.ASCII.GetBytes(timestamp, prefix);
        prefix[written++] = (byte)'.';

        hmac.AppendData(prefix[..written]);
        hmac.AppendData(body);
        hmac.GetHashAndReset(destination);
    }

    /// <summary>Finds the single integer <c>t</c> and checks every pair has the <c>key=value</c> form.</summary>
    private static bool TryParseTimestamp(ReadOnlySpan<char> header, out long timestamp, out ReadOnlySpan<char> text)
    {
        timestamp = 0;
        text = default;
        var found = false;
        foreach (var range in header.Split(','))
        {
            var pair = header[range].Trim();
            if (pair.IsEmpty)
            {
                continue;
            }

            var eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                return false;
            }

            if (!pair[..eq].Trim().SequenceEqual("t"))
            {
                continue;
            }

            var value = pair[(eq + 1)..].Trim();
            if (found || value.IsEmpty || value.Length > MaxPrefixBytes - 1
                || !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out timestamp))
            {
                return false;
            }

            text = value;
            found = true;
        }

        return found;
    }

    /// <summary>Compares every well-formed <c>v1</c> entry with <paramref name="expected"/> in constant time.</summary>
    private static bool AnySignatureEquals(ReadOnlySpan<char> header, ReadOnlySpan<byte> expected)
    {
        Span<byte> candidate = stackalloc byte[SignatureBytes];
        var matched = false;
        foreach (var range in header.Split(','))
        {
            var pair = header[range].Trim();
            var eq = pair.IndexOf('=');
            if (eq <= 0 || !pair[..eq].Trim().SequenceEqual(Scheme))
            {
                continue;
            }

            var hex = pair[(eq + 1)..].Trim();
            if (hex.Length != SignatureBytes * 2
                || Convert.FromHexString(hex, candidate, out _, out var written) != OperationStatus.Done
                || written != SignatureBytes)
            {
                continue;
            }

            // No early exit: every entry is compared, so timing says nothing about which one matched.
            matched |= CryptographicOperations.FixedTimeEquals(candidate, expected);
        }

        return matched;
    }
}
