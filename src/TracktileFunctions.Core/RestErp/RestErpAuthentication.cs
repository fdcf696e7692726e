using System.Net.Http.Headers;
using System.Text;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.Options;

namespace TracktileFunctions.RestErp;

/// <summary>Adds the configured ERP credentials to every request.</summary>
public sealed class RestErpAuthenticationHandler(IOptions<RestErpOptions> options, RestErpTokenSource tokens) : DelegatingHandler
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

/// <summary>
/// OAuth 2.0 client-credentials tokens for the ERP, cached for the app's lifetime until a minute before each expires (a
/// singleton: not tied to an HTTP handler's lifetime). The token call is bounded and retried like any call out
/// (<see cref="TokenClientName"/>); a token endpoint that refuses the credentials (a rotated client secret) is a
/// connection problem, not a bad event: <see cref="ErpConnectionException"/> is transient, so events wait through their
/// retries, visible in the failures table with that reason, instead of all going to poison at once.
/// </summary>
public sealed class RestErpTokenSource(Func<HttpClient> http, IOptions<RestErpOptions> options, TimeProvider timeProvider) : IDisposable
{
    /// <summary>The named HttpClient of the token endpoint (timeouts and retries from <c>Erp:Resilience</c>).</summary>
    public const string TokenClientName = "erp-token";

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
            using var client = http();
            TokenResponse response;
            try
            {
                response = await client.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
            {
                Address = auth.TokenUrl,
                ClientId = auth.ClientId!,
                ClientSecret = auth.ClientSecret,
                Scope = auth.Scope,
            }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Http.JsonHttp.IsNoAnswer(ex, cancellationToken))
            {
                throw new ErpConnectionException(0, null, "the token endpoint did not answer", ex);
            }

            if (response.IsError || string.IsNullOrEmpty(response.AccessToken))
            {
                // The token endpoint's error code only: its description may echo request details.
                throw new ErpConnectionException((int)response.HttpStatusCode, response.Error ?? "token_error",
                    "the token endpoint refused the client credentials (check Erp:Auth)", response.Exception);
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

/// <summary>
/// The app cannot authenticate to the ERP (the token endpoint refused or did not answer): fixed in configuration, not
/// in the event, so it is always transient.
/// </summary>
public sealed class ErpConnectionException(int status, string? errorCode, string detail, Exception? inner = null)
    : Http.ExternalApiException("ERP token endpoint", status, errorCode, null, detail, inner)
{
    /// <inheritdoc />
    public override bool IsTransient => true;
}
