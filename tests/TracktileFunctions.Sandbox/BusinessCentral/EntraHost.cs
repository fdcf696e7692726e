using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using TracktileFunctions.Sandbox.Hosting;
using TracktileFunctions.Sandbox.Recording;

namespace TracktileFunctions.Sandbox.BusinessCentral;

/// <summary>
/// The HTTPS listener of the fake Entra endpoint: its own small app on 127.0.0.1 (a free port unless
/// <see cref="SandboxOptions.EntraPort"/>), with an in-memory self-signed certificate for 127.0.0.1 and localhost.
/// MSAL and Azure.Identity need an HTTPS authority whose first path segment is the tenant, so it serves at the root.
/// Its requests are recorded (secrets and assertions redacted) and may be faulted like the others.
/// </summary>
internal static class EntraHost
{
    public static WebApplication Build(SandboxOptions options, SandboxState state, X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SandboxServer).Assembly.GetName().Name,
        });
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.EntraPort, listen => listen.UseHttps(certificate)));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(state);

        var app = builder.Build();
        app.UseMiddleware<RecordingMiddleware>(new RecordingMiddleware.BodyFilter(EntraRedaction.Redact));
        app.UseMiddleware<FaultMiddleware>();
        EntraEndpoints.Map(app);
        return app;
    }

    /// <summary>The listener's root, e.g. <c>https://127.0.0.1:50124/</c>.</summary>
    public static Uri AddressOf(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new Uri(address.TrimEnd('/') + "/");
    }

    /// <summary>A self-signed server certificate for <c>127.0.0.1</c>, <c>::1</c> and <c>localhost</c>, valid for a year.</summary>
    public static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost, O=TracktileFunctions Sandbox", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}

/// <summary>Token requests are recorded with <c>client_secret</c> and <c>client_assertion</c> replaced by <c>***</c>: no credential is kept.</summary>
internal static class EntraRedaction
{
    private static readonly string[] Redacted = ["client_secret", "client_assertion"];

    /// <summary>The form body with the credentials' values replaced by <c>***</c>.</summary>
    public static string Redact(string body)
        => string.Join('&', body.Split('&').Select(pair =>
        {
            var name = Uri.UnescapeDataString(pair.Split('=', 2)[0].Replace('+', ' '));
            return Redacted.Contains(name, StringComparer.OrdinalIgnoreCase) ? name + "=***" : pair;
        }));
}
