using System.Net.Http.Headers;
using System.Text;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.Options;

namespace TracktileFunctions.Erp;

/// <summary>Adds the configured ERP credentials to every request.</summary>
public sealed class ErpAuthenticationHandler(IOptions<ErpClientOptions> options, ErpTokenSource tokens) : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var auth = options.Value.Auth;
        switch (auth.Mode)
        {
            case ErpAuthMode.ApiKey:
                request.Headers.Remove(auth.ApiKeyHeader);
                request.Headers.TryAddWithoutValidation(auth.ApiKeyHeader, auth.ApiKey);
                break;
            case ErpAuthMode.Bearer:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", auth.Token);
                break;
            case ErpAuthMode.Basic:
                request.Headers.Authorization = new AuthenticationHeaderValue(
                    "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{auth.Username}:{auth.Password}")));
                break;
            case ErpAuthMode.OAuth2ClientCredentials:
                request.Headers.Authorization = new AuthenticationHeaderValue(
                    "Bearer", await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false));
                break;
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (auth.Mode == ErpAuthMode.OAuth2ClientCredentials && response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
        {
            tokens.Invalidate(); // revoked or rotated early: the next attempt fetches a new token
        }

        return response;
    }
}

/// <summary>OAuth 2.0 client-credentials tokens for the ERP, cached until a minute before they expire.</summary>
public sealed class ErpTokenSource(HttpClient http, IOptions<ErpClientOptions> options, TimeProvider timeProvider) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, DateTimeOffset RenewAt)? _cached;

    /// <summary>The current token, requesting a new one when needed.</summary>
    public async Task<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } hit && timeProvider.GetUtcNow() < hit.RenewAt)
        {
            return hit.Token;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is { } again && timeProvider.GetUtcNow() < again.RenewAt)
            {
                return again.Token;
            }

            var auth = options.Value.Auth;
            var response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
            {
                Address = auth.TokenUrl,
                ClientId = auth.ClientId!,
                ClientSecret = auth.ClientSecret,
                Scope = auth.Scope,
            }, cancellationToken).ConfigureAwait(false);

            if (response.IsError || string.IsNullOrEmpty(response.AccessToken))
            {
                // The token endpoint's error code only: its description may echo request details.
                throw new ErpApiException((int)response.HttpStatusCode, response.Error ?? "token_error", null, "the token endpoint refused the client credentials");
            }

            var lifetime = TimeSpan.FromSeconds(response.ExpiresIn > 0 ? response.ExpiresIn : 300);
            _cached = (response.AccessToken, timeProvider.GetUtcNow() + lifetime - TimeSpan.FromSeconds(Math.Min(60, lifetime.TotalSeconds / 2)));
            return response.AccessToken;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Drops the cached token (the ERP refused it).</summary>
    public void Invalidate() => _cached = null;

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();
}
