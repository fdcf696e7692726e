using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.Sandbox;

namespace TracktileFunctions.SandboxTests.QuickBooks;

/// <summary>
/// What the fake QuickBooks Online's test classes share: one sandbox a class on a fake clock (<see cref="QuickBooksSandboxFixture"/>),
/// reset before every test with the app's redirect URI registered, its webhooks flushed after; OAuth over real HTTP and API clients
/// that are disposed with the test.
/// </summary>
public abstract class QuickBooksSandboxTestBase(QuickBooksSandboxFixture fixture) : IClassFixture<QuickBooksSandboxFixture>, IAsyncLifetime, IDisposable
{
    protected const string Realm = SandboxState.QuickBooksRealmId;
    protected const string RedirectUri = "https://app.tracktile.test/quickbooks/callback";

    private readonly List<HttpClient> _clients = [];

    protected FakeTimeProvider Time { get; } = fixture.Time;

    protected SandboxServer Server { get; } = fixture.Server;

    /// <summary>A client that does not follow redirects, for the authorize and token endpoints.</summary>
    protected HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    protected SandboxState State => Server.State;

    public Task InitializeAsync()
    {
        State.Reset();
        State.QuickBooksRedirectUris.Add(RedirectUri);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await State.FlushQuickBooksWebhooksAsync(timeout.Token);
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        Http.Dispose();
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    /// <summary>Has <paramref name="client"/> disposed with the test.</summary>
    protected HttpClient Track(HttpClient client)
    {
        _clients.Add(client);
        return client;
    }

    protected static AuthenticationHeaderValue BasicAuth(string secret = SandboxState.QuickBooksClientSecret)
        => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(SandboxState.QuickBooksClientId + ":" + secret)));

    protected Uri CompanyAddress() => new(Server.QuickBooksBaseAddress, $"v3/company/{Realm}/");

    protected string AuthorizeUrl(string redirectUri, string state, string scope = SandboxState.QuickBooksAccountingScope, string clientId = SandboxState.QuickBooksClientId)
        => Server.QuickBooksAuthorizeAddress + "?client_id=" + Uri.EscapeDataString(clientId) + "&response_type=code&scope=" + Uri.EscapeDataString(scope)
           + "&redirect_uri=" + Uri.EscapeDataString(redirectUri) + "&state=" + Uri.EscapeDataString(state);

    protected async Task<string> AuthorizeCodeAsync()
    {
        using var answer = await Http.GetAsync(AuthorizeUrl(RedirectUri, "s"));
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(answer.Headers.Location!.Query)["code"].ToString();
    }

    protected async Task<(HttpStatusCode Status, JsonNode Body)> TokenAsync(Dictionary<string, string> form, string secret = SandboxState.QuickBooksClientSecret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Server.QuickBooksTokenAddress) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = BasicAuth(secret);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var answer = await Http.SendAsync(request);
        return (answer.StatusCode, JsonNode.Parse(await answer.Content.ReadAsStringAsync())!);
    }

    /// <summary>Authorizes and exchanges the code: the access and refresh tokens of a new connection.</summary>
    protected async Task<(string Access, string Refresh)> ConnectAsync()
    {
        var code = await AuthorizeCodeAsync();
        var tokens = await TokenAsync(new() { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = RedirectUri });
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        return (tokens.Body["access_token"]!.GetValue<string>(), tokens.Body["refresh_token"]!.GetValue<string>());
    }

    /// <summary>A client of the company's API with <paramref name="accessToken"/>; the caller disposes it.</summary>
    protected HttpClient Api(string accessToken, bool json = true)
    {
        var client = new HttpClient { BaseAddress = CompanyAddress(), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (json)
        {
            client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        }

        return client;
    }

    /// <summary>A JSON client of the company's API on a new connection, disposed with the test.</summary>
    protected async Task<HttpClient> ConnectedApiAsync()
    {
        var (access, _) = await ConnectAsync();
        return Track(Api(access));
    }

    protected static async Task<(HttpStatusCode Status, JsonNode Body)> SendAsync(HttpClient api, HttpMethod method, string path, JsonObject? body = null)
    {
        var (status, text) = await SendRawAsync(api, method, path, body);
        return (status, JsonNode.Parse(text)!);
    }

    /// <summary>Sends <paramref name="body"/> as JSON, checks the answer has an <c>intuit_tid</c> and reads it as text.</summary>
    protected static async Task<(HttpStatusCode Status, string Text)> SendRawAsync(HttpClient api, HttpMethod method, string path, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var answer = await api.SendAsync(request);
        Assert.True(answer.Headers.Contains("intuit_tid"));
        return (answer.StatusCode, await answer.Content.ReadAsStringAsync());
    }
}
