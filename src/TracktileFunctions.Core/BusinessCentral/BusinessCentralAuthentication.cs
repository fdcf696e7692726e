using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.Options;

namespace TracktileFunctions.BusinessCentral;

/// <summary>
/// Signs every Business Central request in: an Entra ID token for <see cref="BusinessCentralOptions.Scope"/> from
/// Azure.Identity (client secret, certificate or managed identity; the credential caches and renews it), or Basic with
/// a web service access key on-premises. Tokens never reach a log or an exception.
/// </summary>
public sealed class BusinessCentralAuthenticationHandler(BusinessCentralCredential credential) : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Authorization = await credential.HeaderAsync(cancellationToken).ConfigureAwait(false);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The credential Business Central calls use, built once from <c>BusinessCentral:Auth</c>.</summary>
public sealed class BusinessCentralCredential
{
    /// <summary>The service key under which a test or a proxy may register the <see cref="HttpPipelineTransport"/> Entra calls use.</summary>
    public const string TransportKey = "BusinessCentral";

    private static readonly TokenRequestContext Request = new([BusinessCentralOptions.Scope]);

    private readonly Lazy<TokenCredential>? _token;
    private readonly AuthenticationHeaderValue? _basic;

    /// <summary>Builds the credential for <paramref name="options"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="transport">The HTTP transport of Entra calls; Azure.Identity's own when null.</param>
    public BusinessCentralCredential(IOptions<BusinessCentralOptions> options, HttpPipelineTransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        var auth = o.Auth;
        if (auth.Mode == BusinessCentralAuthMode.Basic)
        {
            _basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{auth.Username}:{auth.AccessKey}")));
            return;
        }

        // Built on first use: when Business Central is not the ERP its settings are empty, and nothing must fail for it.
        _token = new Lazy<TokenCredential>(() => Create(o, transport));
    }

    /// <summary>The credential's kind, for logs (never its secret).</summary>
    public string Description => _token?.Value.GetType().Name ?? "Basic";

    /// <summary>The Authorization header of the next request.</summary>
    /// <exception cref="BusinessCentralApiException">Entra refused (a transient failure: the credential is fixed in configuration).</exception>
    public async Task<AuthenticationHeaderValue> HeaderAsync(CancellationToken cancellationToken)
    {
        if (_basic is not null)
        {
            return _basic;
        }

        try
        {
            var token = await _token!.Value.GetTokenAsync(Request, cancellationToken).ConfigureAwait(false);
            return new AuthenticationHeaderValue("Bearer", token.Token);
        }
        catch (CredentialUnavailableException ex)
        {
            throw new BusinessCentralApiException(401, "entra_token", null, $"no Entra ID credential for Business Central ({FirstLine(ex.Message)})");
        }
        catch (AuthenticationFailedException ex)
        {
            // Azure.Identity's message names the AADSTS error and never the secret; the inner exception is dropped.
            throw new BusinessCentralApiException(401, "entra_token", null, $"no Entra ID token for Business Central ({FirstLine(ex.Message)})");
        }
    }

    private static TokenCredential Create(BusinessCentralOptions o, HttpPipelineTransport? transport)
    {
        var auth = o.Auth;
        T Configure<T>(T options)
            where T : TokenCredentialOptions
        {
            if (auth.AuthorityHost is { Length: > 0 } host)
            {
                options.AuthorityHost = new Uri(host);
            }

            if (transport is not null)
            {
                options.Transport = transport;
            }

            return options;
        }

        return auth.Mode switch
        {
            BusinessCentralAuthMode.ClientSecret => new ClientSecretCredential(o.TenantId, auth.ClientId, auth.ClientSecret,
                Configure(new ClientSecretCredentialOptions { DisableInstanceDiscovery = auth.DisableInstanceDiscovery })),
            BusinessCentralAuthMode.ClientCertificate => new ClientCertificateCredential(o.TenantId, auth.ClientId, LoadCertificate(auth),
                Configure(new ClientCertificateCredentialOptions { DisableInstanceDiscovery = auth.DisableInstanceDiscovery, SendCertificateChain = true })),
            BusinessCentralAuthMode.ManagedIdentity => new ManagedIdentityCredential(Configure(new ManagedIdentityCredentialOptions(
                string.IsNullOrEmpty(auth.ClientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(auth.ClientId)))),
            _ => throw new InvalidOperationException($"BusinessCentral:Auth:Mode {auth.Mode} has no Entra credential."),
        };
    }

    private static X509Certificate2 LoadCertificate(BusinessCentralAuthOptions auth)
    {
        var path = auth.CertificatePath!;
        return path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase)
            ? X509Certificate2.CreateFromPemFile(path)
            : X509CertificateLoader.LoadPkcs12FromFile(path, auth.CertificatePassword);
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length <= 300 ? line : line[..300] + "...";
    }
}
