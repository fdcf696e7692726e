using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Benchmarks;

/// <summary>
/// <see cref="WebhookSignatureVerifier.TryVerify"/> against a verifier written the way typical samples do it:
/// body decoded to a string, concatenated with the timestamp, encoded back, hashed with a new HMACSHA256, and the
/// hex string compared.
/// </summary>
[MemoryDiagnoser]
public class SignatureVerificationBenchmarks
{
    private const string Secret = "whsec_benchmark_0123456789abcdef";
    private const long ToleranceSeconds = 300;

    private byte[] _key = null!;
    private byte[] _body = null!;
    private string _header = null!;
    private WebhookSignatureVerifier _verifier = null!;

    /// <summary>The size of the signed JSON body.</summary>
    [Params(1024, 64 * 1024, 1024 * 1024)]
    public int BodyBytes { get; set; }

    /// <summary>Signs a body with the current time and checks both implementations accept it.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _key = Encoding.UTF8.GetBytes(Secret);
        _body = BenchmarkData.CreateEvent(BodyBytes);
        _verifier = new WebhookSignatureVerifier([Secret], TimeSpan.FromSeconds(ToleranceSeconds), TimeProvider.System);
        _header = WebhookSignatureVerifier.Sign(Secret, DateTimeOffset.UtcNow, _body);

        if (!Naive())
        {
            throw new InvalidOperationException("The naive verifier refused a valid signature.");
        }

        var failure = Verifier();
        if (failure != WebhookSignatureFailure.None)
        {
            throw new InvalidOperationException($"WebhookSignatureVerifier refused a valid signature: {failure}.");
        }
    }

    /// <summary>The typical sample: strings all the way.</summary>
    [Benchmark(Baseline = true)]
    public bool Naive()
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

        var body = Encoding.UTF8.GetString(_body);
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

    /// <summary>The production verifier over the raw bytes.</summary>
    [Benchmark]
    public WebhookSignatureFailure Verifier() => _verifier.TryVerify(_header, _body);
}
