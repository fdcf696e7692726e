using System.Net.Http.Headers;
using System.Text.Json;
using TracktileFunctions.Sandbox;

namespace TracktileFunctions.SandboxTests;

/// <summary>
/// What the fake Business Central's test classes share: the sandbox's tenant, app registration and company, tokens from its
/// fake Entra endpoint and API v2.0 clients that send them.
/// </summary>
public abstract class BusinessCentralTestBase : SandboxTestBase
{
    protected const string Tenant = "sandbox-tenant";
    protected const string ClientId = "00000000-0000-0000-0000-00000000b0c1";
    protected const string ClientSecret = "bc-sandbox-secret";
    protected const string BcScope = "https://api.businesscentral.dynamics.com/.default";

    protected string Company => $"companies({State.BcCompanyId})";

    protected static Uri ApiBase(SandboxServer server) => new(server.BusinessCentralBaseAddress, $"{Tenant}/production/api/v2.0/");

    protected static HttpClient ApiClient(string token, SandboxServer server)
    {
        var client = new HttpClient { BaseAddress = ApiBase(server) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    protected HttpClient ApiClient(string token) => ApiClient(token, Server);

    /// <summary>An API v2.0 client with a fresh client-credentials token; the caller disposes it.</summary>
    protected async Task<HttpClient> BcClientAsync() => ApiClient(await TokenAsync(Server));

    /// <summary>A client of the Entra listener that trusts exactly the sandbox's certificate.</summary>
    protected static HttpClient EntraClient(SandboxServer server)
    {
        var thumbprint = server.Certificate.GetCertHashString();
        return new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && c.GetCertHashString() == thumbprint },
        })
        {
            BaseAddress = server.EntraAuthorityHost,
        };
    }

    protected static async Task<string> TokenAsync(SandboxServer server)
    {
        using var entra = EntraClient(server);
        using var response = await entra.PostAsync($"{Tenant}/oauth2/v2.0/token", TokenForm());
        response.EnsureSuccessStatusCode();
        return (await ReadJsonAsync(response)).GetProperty("access_token").GetString()!;
    }

    protected static FormUrlEncodedContent TokenForm(string secret = ClientSecret, string scope = BcScope)
        => new(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["client_secret"] = secret,
            ["scope"] = scope,
        });

    /// <summary>Asserts a Business Central error object: its code, a message, and the message when one is given.</summary>
    protected static void AssertBcErrorObject(JsonElement error, string code, string? message = null)
    {
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        if (message is not null)
        {
            Assert.Equal(message, error.GetProperty("message").GetString());
        }
    }
}
