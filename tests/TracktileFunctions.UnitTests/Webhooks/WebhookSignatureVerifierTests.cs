using System.Text;
using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.UnitTests.Webhooks;

public sealed class WebhookSignatureVerifierTests
{
    private const string Secret = "tt_secret_4f9a";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_705_314_600);
    private static readonly byte[] Body = Fixture.Event("order.status.changed");

    private readonly FakeTimeProvider _time = new(Now);

    private WebhookSignatureVerifier Verifier(params string[] secrets)
        => new(secrets.Length == 0 ? [Secret] : secrets, TimeSpan.FromSeconds(300), _time);

    [Fact]
    public void TryVerify_KnownAnswerVectorFromOpenSsl_IsValid()
    {
        // printf '%s' "1705314600.$(cat tests/Fixtures/events/order.status.changed.json)" | openssl dgst -sha256 -hmac tt_secret_4f9a
        const string header = "t=1705314600,v1=80631071280eb6c0c695e93f4d57eaf2d3feb37af81c617d2586651be187d8a5";

        Assert.Equal(WebhookSignatureFailure.None, Verifier().TryVerify(header, Body));
    }

    [Fact]
    public void Constructor_SecretConfiguredTwice_KeepsOneKeyPerDistinctSecret()
        => Assert.Equal(2, Verifier(Secret, "other", Secret, "other").SecretCount);

    [Fact]
    public void Sign_KnownAnswerVectorFromOpenSsl_ProducesSameHeader()
    {
        Assert.Equal(
            "t=1705314600,v1=80631071280eb6c0c695e93f4d57eaf2d3feb37af81c617d2586651be187d8a5",
            WebhookSignatureVerifier.Sign(Secret, Now, Body));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void TryVerify_MissingHeader_ReturnsMissingHeader(string? header)
        => Assert.Equal(WebhookSignatureFailure.MissingHeader, Verifier().TryVerify(header, Body));

    [Theory]
    [InlineData("garbage")]
    [InlineData("v1=abc")]
    [InlineData("t=,v1=00")]
    [InlineData("t=12.5,v1=00")]
    [InlineData("t=abc,v1=00")]
    [InlineData("t=1705314600,t=1705314600,v1=00")]
    [InlineData("=1705314600,v1=00")]
    [InlineData("t=99999999999999999999999,v1=00")]
    public void TryVerify_MalformedHeader_ReturnsMalformedHeader(string header)
        => Assert.Equal(WebhookSignatureFailure.MalformedHeader, Verifier().TryVerify(header, Body));

    [Fact]
    public void TryVerify_WrongSecret_ReturnsNoMatchingSignature()
    {
        var header = WebhookSignatureVerifier.Sign("another-secret", Now, Body);

        Assert.Equal(WebhookSignatureFailure.NoMatchingSignature, Verifier().TryVerify(header, Body));
    }

    [Fact]
    public void TryVerify_TamperedBody_ReturnsNoMatchingSignature()
    {
        var header = WebhookSignatureVerifier.Sign(Secret, Now, Body);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body).Replace("ready", "done", StringComparison.Ordinal));

        Assert.Equal(WebhookSignatureFailure.NoMatchingSignature, Verifier().TryVerify(header, tampered));
    }

    [Fact]
    public void TryVerify_OneByteAppended_ReturnsNoMatchingSignature()
    {
        var header = WebhookSignatureVerifier.Sign(Secret, Now, Body);

        Assert.Equal(WebhookSignatureFailure.NoMatchingSignature, Verifier().TryVerify(header, [.. Body, (byte)' ']));
    }

    [Fact]
    public void TryVerify_TimestampChangedAfterSigning_ReturnsNoMatchingSignature()
    {
        var signature = WebhookSignatureVerifier.Sign(Secret, Now, Body).Split(',')[1];

        Assert.Equal(WebhookSignatureFailure.NoMatchingSignature, Verifier().TryVerify($"t={Now.ToUnixTimeSeconds() + 1},{signature}", Body));
    }

    [Theory]
    [InlineData(301)]
    [InlineData(86_400)]
    public void TryVerify_TimestampOlderThanTolerance_ReturnsTimestampTooOld(int ageSeconds)
    {
        var header = WebhookSignatureVerifier.Sign(Secret, Now.AddSeconds(-ageSeconds), Body);

        Assert.Equal(WebhookSignatureFailure.TimestampTooOld, Verifier().TryVerify(header, Body));
    }

    [Fact]
    public void TryVerify_TimestampFurtherAheadThanTolerance_ReturnsTimestampTooNew()
    {
        var header = WebhookSignatureVerifier.Sign(Secret, Now.AddSeconds(301), Body);

        Assert.Equal(WebhookSignatureFailure.TimestampTooNew, Verifier().TryVerify(header, Body));
    }

    [Theory]
    [InlineData(-300)]
    [InlineData(300)]
    [InlineData(0)]
    public void TryVerify_TimestampAtToleranceEdge_IsValid(int skewSeconds)
    {
        var header = WebhookSignatureVerifier.Sign(Secret, Now.AddSeconds(skewSeconds), Body);

        Assert.Equal(WebhookSignatureFailure.None, Verifier().TryVerify(header, Body));
    }

    [Fact]
    public void TryVerify_ClockMovesPastTolerance_BecomesTooOld()
    {
        var verifier = Verifier();
        var header = WebhookSignatureVerifier.Sign(Secret, Now, Body);
        Assert.Equal(WebhookSignatureFailure.None, verifier.TryVerify(header, Body));

        _time.Advance(TimeSpan.FromSeconds(301));

        Assert.Equal(WebhookSignatureFailure.TimestampTooOld, verifier.TryVerify(header, Body));
    }

    [Fact]
    public void TryVerify_SeveralV1OneMatching_IsValid()
    {
        var good = WebhookSignatureVerifier.Sign(Secret, Now, Body).Split(',')[1];
        var header = $"t={Now.ToUnixTimeSeconds()},v1={new string('0', 64)},{good},v1=zz";

        Assert.Equal(WebhookSignatureFailure.None, Verifier().TryVerify(header, Body));
    }

    [Fact]
    public void TryVerify_PairsInAnyOrderWithSpaces_IsValid()
    {
        var parts = WebhookSignatureVerifier.Sign(Secret, Now, Body).Split(',');

        Assert.Equal(WebhookSignatureFailure.None, Verifier().TryVerify($" {parts[1]} , {parts[0]} ", Body));
    }

    [Fact]
    public void TryVerify_UpperCaseHex_IsValid()
    {
        var parts = WebhookSignatureVerifier.Sign(Secret, Now, Body).Split(',');

        Assert.Equal(WebhookSignatureFailure.None, Verifier().TryVerify($"{parts[0]},{parts[1].ToUpperInvariant().Replace("V1=", "v1=", StringComparison.Ordinal)}", Body));
    }

    [Fact]
    public void TryVerify_UnknownSchemesAlongside_AreIgnored()
    {
        var parts = WebhookSignatureVerifier.Sign(Secret, Now, Body).Split(',');

        Assert.Equal(WebhookSignatureFailure.None, Verifier().TryVerify($"v0=deadbeef,{parts[0]},v2=abc,{parts[1]}", Body));
    }

    [Fact]
    public void TryVerify_OnlyUnknownScheme_ReturnsNoMatchingSignature()
    {
        var signature = WebhookSignatureVerifier.Sign(Secret, Now, Body).Split(',')[1]["v1=".Length..];

        Assert.Equal(WebhookSignatureFailure.NoMatchingSignature, Verifier().TryVerify($"t={Now.ToUnixTimeSeconds()},v0={signature}", Body));
    }

    [Theory]
    [InlineData("old-secret")]
    [InlineData("new-secret")]
    public void TryVerify_EitherSecretDuringRotation_IsValid(string signingSecret)
    {
        var header = WebhookSignatureVerifier.Sign(signingSecret, Now, Body);

        Assert.Equal(WebhookSignatureFailure.None, Verifier("old-secret", "new-secret").TryVerify(header, Body));
    }

    [Fact]
    public void TryVerify_RetiredSecretAfterRotation_ReturnsNoMatchingSignature()
    {
        var header = WebhookSignatureVerifier.Sign("old-secret", Now, Body);

        Assert.Equal(WebhookSignatureFailure.NoMatchingSignature, Verifier("new-secret").TryVerify(header, Body));
    }

    [Fact]
    public void TryVerify_LargeBody_IsValidAndTamperDetected()
    {
        var body = new byte[5 * 1024 * 1024];
        new Random(42).NextBytes(body);
        var header = WebhookSignatureVerifier.Sign(Secret, Now, body);

        Assert.Equal(WebhookSignatureFailure.None, Verifier().TryVerify(header, body));
        body[^1] ^= 1;
        Assert.Equal(WebhookSignatureFailure.NoMatchingSignature, Verifier().TryVerify(header, body));
    }

    [Fact]
    public void TryVerify_RepeatedOnOneVerifier_EachCallStandsAlone()
    {
        // The verifier reuses its HMAC state between calls: a refused call must not leak into the next.
        var verifier = Verifier("old-secret", Secret);
        var header = WebhookSignatureVerifier.Sign(Secret, Now, Body);
        byte[] longer = [.. Body, (byte)' '];
        var longerHeader = WebhookSignatureVerifier.Sign("old-secret", Now, longer);

        Assert.Equal(WebhookSignatureFailure.None, verifier.TryVerify(header, Body));
        Assert.Equal(WebhookSignatureFailure.NoMatchingSignature, verifier.TryVerify(header, longer));
        Assert.Equal(WebhookSignatureFailure.None, verifier.TryVerify(longerHeader, longer));
        Assert.Equal(WebhookSignatureFailure.MalformedHeader, verifier.TryVerify("t=abc,v1=00", Body));
        Assert.Equal(WebhookSignatureFailure.None, verifier.TryVerify(header, Body));
    }

    [Fact]
    public void TryVerify_ConcurrentCallsOnOneVerifier_EachGetsItsOwnAnswer()
    {
        var verifier = Verifier();
        var header = WebhookSignatureVerifier.Sign(Secret, Now, Body);
        byte[] tampered = [.. Body, (byte)' '];
        var results = new WebhookSignatureFailure[2_000];

        Parallel.For(0, results.Length, i => results[i] = verifier.TryVerify(header, i % 2 == 0 ? Body : tampered));

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? WebhookSignatureFailure.None : WebhookSignatureFailure.NoMatchingSignature, results[i]);
        }
    }

    [Fact]
    public void TryVerify_ValidHeader_AllocatesNothing()
    {
        var verifier = Verifier("old-secret", Secret);
        var header = WebhookSignatureVerifier.Sign(Secret, Now, Body);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(WebhookSignatureFailure.None, verifier.TryVerify(header, Body)); // creates this thread's HMAC contexts, warms the JIT
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var failure = verifier.TryVerify(header, Body);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(WebhookSignatureFailure.None, failure);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Verify_BadSignature_ThrowsWithFixedReasonAndNoSecret()
    {
        var header = WebhookSignatureVerifier.Sign("wrong", Now, Body);

        var ex = Assert.Throws<WebhookSignatureException>(() => Verifier().Verify(header, Body));

        Assert.Equal(WebhookSignatureFailure.NoMatchingSignature, ex.Failure);
        Assert.Equal("no matching signature", ex.Message);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NoUsableSecret_Throws()
        => Assert.Throws<ArgumentException>(() => new WebhookSignatureVerifier(["", ""], TimeSpan.FromMinutes(5), _time));
}
