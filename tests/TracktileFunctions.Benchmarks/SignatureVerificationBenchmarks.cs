using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Benchmarks;

/// <summary>
/// <see cref="WebhookSignatureVerifier.TryVerify"/> against the zero-allocation HMAC floor (the least work any correct
/// verifier must do), against the verifiers of Stripe.net and StandardWebhooks as a user calls them (body decoded to a
/// string first, since both take one), and against a verifier written the way typical samples do it.
/// </summary>
[MemoryDiagnoser]
public class SignatureVerificationBenchmarks
{
    // Tracktile's and Stripe's scheme: the UTF-8 bytes of this string are the HMAC key.
    private const string Secret = "whsec_benchmark_0123456789abcdef";

    // StandardWebhooks' tolerance is fixed at 5 minutes; the others are given the same.
    private const long ToleranceSeconds = 300;

    private const string MessageId = "msg_2Z1benchmark0000000001";

    private byte[] _key = null!;
    private byte[] _body = null!;
    private byte[] _tampered = null!;
    private string _header = null!;
    private byte[] _signedPrefix = null!;
    private byte[] _expected = null!;
    private WebhookSignatureVerifier _verifier = null!;
    private StandardWebhook _standardWebhook = null!;
    private HeaderDictionary _standardHeaders = null!;

    /// <summary>The size of the signed JSON body.</summary>
    [Params(1024, 32 * 1024, 1024 * 1024)]
    public int BodyBytes { get; set; }

    /// <summary>
    /// Signs a body with the current time for every scheme and checks every verifier accepts it and refuses the same
    /// body with one byte changed, so a broken benchmark reports no numbers.
    /// </summary>
    [GlobalSetup]
    public void Setup()
    {
        _key = Encoding.UTF8.GetBytes(Secret);
        _body = BenchmarkData.CreateEvent(BodyBytes);
        _tampered = [.. _body];
        _tampered[^3] ^= 1; // inside the final note string: still valid JSON, still ASCII
        var now = DateTimeOffset.UtcNow;

        // One header serves the floor, the app, Stripe.net and the naive verifier: the schemes are the same.
        _verifier = new WebhookSignatureVerifier([Secret], TimeSpan.FromSeconds(ToleranceSeconds), TimeProvider.System);
        _header = WebhookSignatureVerifier.Sign(Secret, now, _body);
        var t = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        _signedPrefix = Encoding.ASCII.GetBytes(t + ".");
        _expected = Convert.FromHexString(_header[(_header.IndexOf("v1=", StringComparison.Ordinal) + 3)..]);

        // StandardWebhooks: a whsec_ base64 key (the same key bytes) and its own signing API.
        _standardWebhook = new StandardWebhook("whsec_" + Convert.ToBase64String(_key));
        _standardHeaders = new HeaderDictionary
        {
            ["webhook-id"] = MessageId,
            ["webhook-timestamp"] = t,
            ["webhook-signature"] = _standardWebhook.Sign(MessageId, now, Encoding.UTF8.GetString(_body)),
        };

        Check(nameof(HmacFloor), VerifyFloor(_body), VerifyFloor(_tampered));
        Check(nameof(AppVerifier), VerifyApp(_body), VerifyApp(_tampered));
        Check(nameof(StripeNet), VerifyStripe(_body), VerifyStripe(_tampered));
        Check(nameof(StandardWebhooks), VerifyStandard(_body), VerifyStandard(_tampered));
        Check(nameof(Naive), VerifyNaive(_body), VerifyNaive(_tampered));
    }

    /// <summary>
    /// The floor: <c>t.</c> and the body copied into a pooled buffer, one <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>
    /// into a stack buffer, and <see cref="CryptographicOperations.FixedTimeEquals"/> against the signature decoded in
    /// setup. No header parsing, no clock: nothing allocated.
    /// </summary>
    [Benchmark(Baseline = true)]
    public bool HmacFloor() => VerifyFloor(_body);

    /// <summary>The production verifier over the raw bytes.</summary>
    [Benchmark]
    public bool AppVerifier() => VerifyApp(_body);

    /// <summary>Stripe.net's <see cref="Stripe.EventUtility.ValidateSignature(string, string, string, long)"/> (verifies, does not parse).</summary>
    [Benchmark]
    public bool StripeNet() => VerifyStripe(_body);

    /// <summary>StandardWebhooks' <see cref="StandardWebhook.Verify"/> over its own headers.</summary>
    [Benchmark]
    public bool StandardWebhooks() => VerifyStandard(_body);

    /// <summary>The typical sample: strings all the way.</summary>
    [Benchmark]
    public bool Naive() => VerifyNaive(_body);

    private static void Check(string verifier, bool acceptsValid, bool acceptsTampered)
    {
        if (!acceptsValid || acceptsTampered)
        {
            throw new InvalidOperationException(
                $"{verifier} {(acceptsValid ? "accepted a tampered body" : "refused a valid signature")}.");
        }
    }

    private bool VerifyFloor(byte[] body)
    {
        var length = _signedPrefix.Length + body.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        _signedPrefix.CopyTo(buffer, 0);
        body.CopyTo(buffer, _signedPrefix.Length);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, buffer.AsSpan(0, length), mac);
        ArrayPool<byte>.Shared.Return(buffer);
        return CryptographicOperations.FixedTimeEquals(mac, _expected);
    }

    private bool VerifyApp(byte[] body) => _verifier.TryVerify(_header, body) == WebhookSignatureFailure.None;

    private bool VerifyStripe(byte[] body)
    {
        try
        {
            Stripe.EventUtility.ValidateSignature(Encoding.UTF8.GetString(body), _header, Secret, ToleranceSeconds);
            return true;
        }
        catch (Stripe.StripeException)
        {
            return false;
        }
    }

    private bool VerifyStandard(byte[] body)
    {
        try
        {
            _standardWebhook.Verify(Encoding.UTF8.GetString(body), _standardHeaders);
            return true;
        }
        catch (WebhookVerificationException)
        {
            return false;
        }
    }

    private bool VerifyNaive(byte[] rawBody)
    {
        string? timestamp = null;
        string? signature = null;
        foreach (var part in _header.Split(','))
        {
            var pair = part.Split('=', 2);
            if (pair.Length != 2)
            {
                return false;
            }

            if (pair[0] == "t")
            {
                timestamp = pair[1];
            }
            else if (pair[0] == "v1")
            {
                signature = pair[1];
            }
        }

        if (timestamp is null || signature is null)
        {
            return false;
        }

        var body = Encoding.UTF8.GetString(rawBody);
        var signedPayload = $"{timestamp}.{body}";
        using var hmac = new HMACSHA256(_key);
        var expected = Convert.ToHexString(hmac.ComputeHash(Encoding.UTF8.GetBytes(signedPayload))).ToLowerInvariant();
        if (!string.Equals(expected, signature, StringComparison.Ordinal))
        {
            return false;
        }

        var age = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - long.Parse(timestamp, CultureInfo.InvariantCulture);
        return Math.Abs(age) <= ToleranceSeconds;
    }
}
