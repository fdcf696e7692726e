using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.BusinessCentral;

/// <summary>Entra client credentials with a certificate (a signed client assertion), through Azure.Identity.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BusinessCentralCertificateAuthTests(AzuriteFixture azurite, ITestOutputHelper output) : BusinessCentralTestBase(azurite, output)
{
    private readonly string _certificatePath = WriteCertificate();

    private static string WriteCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=tracktile-functions-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(Path.GetTempPath(), $"bc-it-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, "it-pass"));
        return path;
    }

    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings =>
    [
        new("BusinessCentral:Auth:Mode", "ClientCertificate"),
        new("BusinessCentral:Auth:ClientSecret", null),
        new("BusinessCentral:Auth:CertificatePath", _certificatePath),
        new("BusinessCentral:Auth:CertificatePassword", "it-pass"),
    ];

    protected override Task DisposeMoreAsync()
    {
        File.Delete(_certificatePath);
        return base.DisposeMoreAsync();
    }

    [Fact]
    public async Task OrderEvent_CertificateSignIn_TokenByClientAssertionThenSalesOrderCreated()
    {
        await CreateOrderInBusinessCentralAsync(new DateTimeOffset(2024, 1, 15, 10, 0, 0, TimeSpan.Zero));

        Assert.Single(State.BcSalesOrders);
        var token = Assert.Single(State.Calls, c => c.Path.EndsWith("/oauth2/v2.0/token", StringComparison.Ordinal));
        Assert.Contains("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer", token.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("client_secret", token.Body, StringComparison.Ordinal);
        Assert.Contains("client_assertion=***", token.Body, StringComparison.Ordinal); // recorded redacted
    }
}
