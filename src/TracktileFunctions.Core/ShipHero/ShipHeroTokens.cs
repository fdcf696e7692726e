using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using TracktileFunctions.Http;
using TracktileFunctions.Secrets;

namespace TracktileFunctions.ShipHero;

/// <summary>
/// The API user's tokens (an access token valid about 28 days, and its refresh token), kept in the secret store so a
/// restart or another instance uses them instead of signing in again, and in memory for the process. The access token
/// is renewed a day before it expires, or at once when ShipHero refuses it: by refresh token, else by the user's
/// password. What ShipHero returns is saved before it is used. Nothing here is ever logged.
/// </summary>
public sealed class ShipHeroTokens(ISecretStore store, IOptions<ShipHeroOptions> options, TimeProvider timeProvider) : IDisposable
{
    /// <summary>The secret store's name of the tokens.</summary>
    public const string SecretName = "shiphero-tokens";

    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Saved? _current;

    /// <summary>A usable access token; <paramref name="refused"/> is one ShipHero just refused (renewed whatever its expiry).</summary>
    public async Task<string> GetAsync(HttpClient http, string? refused, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (Fresh(_current, refused) is { } token)
        {
            return token;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fresh(_current, refused) is { } again)
            {
                return again;
            }

            var saved = await LoadAsync(cancellationToken).ConfigureAwait(false);
            if (Fresh(saved, refused) is { } stored)
            {
                _current = saved;
                return stored;
            }

            var renewed = await RenewAsync(http, saved?.RefreshToken ?? options.Value.RefreshToken, cancellationToken).ConfigureAwait(false);
            await store.SetAsync(SecretName, JsonSerializer.Serialize(renewed), cancellationToken).ConfigureAwait(false); // saved before it is used
            _current = renewed;
            return renewed.AccessToken;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private string? Fresh(Saved? saved, string? refused)
        => saved is { } s && s.AccessToken != refused && s.ExpiresAt - RenewBefore > timeProvider.GetUtcNow() ? s.AccessToken : null;

    /// <summary>When ShipHero does not say how long a token lasts: a week (its tokens last about 28 days).</summary>
    private const int AssumedLifetimeSeconds = 7 * 86_400;

    private async Task<Saved?> LoadAsync(CancellationToken cancellationToken)
    {
        var text = await store.GetAsync(SecretName, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<Saved>(text);
        }
        catch (JsonException)
        {
            return null; // unreadable: sign in again
        }
    }

    private async Task<Saved> RenewAsync(HttpClient http, string? refreshToken, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (refreshToken is not null)
        {
            var (status, answer) = await PostAsync(http, "auth/refresh", new Dictionary<string, string> { ["refresh_token"] = refreshToken }, cancellationToken).ConfigureAwait(false);
            if (answer is { AccessToken: { Length: > 0 } access })
            {
                return new Saved(access, timeProvider.GetUtcNow().AddSeconds(answer.ExpiresIn ?? AssumedLifetimeSeconds), answer.RefreshToken ?? refreshToken);
            }

            if (o.Username is null || o.Password is null || status is 0 or >= 500)
            {
                throw new ShipHeroApiException(status, "token_refused", null,
                    status is 0 or >= 500 ? "ShipHero's token endpoint did not answer" : "ShipHero refused the refresh token (set ShipHero:RefreshToken, or ShipHero:Username and ShipHero:Password)",
                    transient: true);
            }
        }

        var (signInStatus, signIn) = await PostAsync(http, "auth/token",
            new Dictionary<string, string> { ["username"] = o.Username ?? "", ["password"] = o.Password ?? "" }, cancellationToken).ConfigureAwait(false);
        if (signIn is not { AccessToken: { Length: > 0 } token } || signIn.RefreshToken is null && refreshToken is null)
        {
            throw new ShipHeroApiException(signInStatus, "token_refused", null,
                signInStatus is 0 or >= 500 ? "ShipHero's token endpoint did not answer" : "ShipHero refused the API user's sign-in (check ShipHero:Username and ShipHero:Password)",
                transient: true); // a credential is fixed in configuration: the events wait for it through the queue's retries
        }

        return new Saved(token, timeProvider.GetUtcNow().AddSeconds(signIn.ExpiresIn ?? AssumedLifetimeSeconds), signIn.RefreshToken ?? refreshToken!);
    }

    /// <returns>The status (0: no answer) and the answer when it was a success; never the body of a refusal (it can echo what was sent).</returns>
    private static async Task<(int Status, TokenAnswer? Answer)> PostAsync(HttpClient http, string path, Dictionary<string, string> body, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsJsonAsync(path, body, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return ((int)response.StatusCode, null);
            }

            return ((int)response.StatusCode, await response.Content.ReadFromJsonAsync<TokenAnswer>(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is JsonException || JsonHttp.IsNoAnswer(ex, cancellationToken))
        {
            return (0, null);
        }
    }

    private sealed record TokenAnswer(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("expires_in")] int? ExpiresIn);

    private sealed record Saved(string AccessToken, DateTimeOffset ExpiresAt, string RefreshToken);
}
