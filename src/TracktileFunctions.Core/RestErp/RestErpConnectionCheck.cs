using Microsoft.Extensions.Options;
using TracktileFunctions.Operations;

namespace TracktileFunctions.RestErp;

/// <summary>
/// The REST ERP's connection from what is configured: the app stores nothing about it (an OAuth 2.0 token is held in
/// memory by <see cref="RestErpTokenSource"/>). Healthy when its base URL is an absolute URL. Reads no storage; never a
/// key, token or password in the answer.
/// </summary>
public sealed class RestErpConnectionCheck(IOptions<RestErpOptions> options) : IConnectionCheck
{
    /// <inheritdoc />
    public string System => "erp";

    /// <inheritdoc />
    public string Role => "erp";

    /// <inheritdoc />
    public Task<ConnectionHealth> CheckAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out _))
        {
            return Task.FromResult(new ConnectionHealth(false, ["Erp:BaseUrl is not an absolute URL: set the ERP adapter's base address"]));
        }

        var auth = o.Auth.Mode switch
        {
            ErpAuthMode.None => "authenticates with nothing (Erp:Auth:Mode None)",
            ErpAuthMode.ApiKey => $"authenticates with an API key in header {o.Auth.ApiKeyHeader}",
            ErpAuthMode.OAuth2ClientCredentials => $"authenticates with OAuth 2.0 client credentials from {ConnectionDetails.Display(o.Auth.TokenUrl)} (the token is held in memory, not stored)",
            var mode => $"authenticates with {mode}",
        };
        return Task.FromResult(new ConnectionHealth(true, [$"ERP adapter at {ConnectionDetails.Display(o.BaseUrl)}", auth, "nothing stored about the connection: settings only"]));
    }
}
