using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Http;
using TracktileFunctions.Processing;
using TracktileFunctions.Secrets;

namespace TracktileFunctions.QuickBooks;

/// <summary>
/// The connected QuickBooks company (its realm id) and its OAuth 2.0 tokens. A person connects the company once
/// (<see cref="AuthorizationUrl"/>, then <see cref="CompleteAsync"/> on Intuit's callback); from then on the access
/// token (1 hour) is refreshed 5 minutes before it expires, or at once when QuickBooks refuses it.
/// </summary>
/// <remarks>
/// <para>
/// The tokens live in the secret store (Key Vault on Azure), as one secret, and in memory. Intuit may return a new
/// refresh token on any refresh, so a refresh happens under the connection's lock in sync state (an ETag-guarded lease:
/// two instances never refresh at once, the second one reads what the first saved), and what Intuit returns is saved
/// before the access token is used. A refused refresh token is checked against the store first (another writer may
/// have rotated it); only then is the connection marked revoked, which every instance sees and answers at once,
/// without calling Intuit, until a person connects again.
/// </para>
/// <para>No token, code or secret is ever logged or put in an exception.</para>
/// </remarks>
public sealed partial class QuickBooksConnection(
    IHttpClientFactory httpClients, ISecretStore store, SyncStateStore state, IOptions<QuickBooksOptions> options, TimeProvider timeProvider,
    ILogger<QuickBooksConnection> logger) : IDisposable
{
    /// <summary>The secret store's name of the connection (realm id and tokens).</summary>
    public const string SecretName = "quickbooks-connection";

    /// <summary>The named HttpClient of Intuit's token endpoint.</summary>
    public const string HttpClientName = "quickbooks-oauth";

    /// <summary>The sync state scope of the connection's lock and its visible status.</summary>
    public const string Scope = "quickbooks-connection";

    private const string Key = "company";
    private static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RevokedRecheck = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan RefusedFreshHold = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Saved? _current;
    private (string Token, DateTimeOffset At)? _refusedFresh;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    /// <summary>Intuit's authorization page for connecting a company, with a signed <c>state</c> that expires in 10 minutes.</summary>
    public Uri AuthorizationUrl()
    {
        var o = options.Value;
        var payload = $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.{(timeProvider.GetUtcNow() + StateLifetime).ToUnixTimeSeconds()}";
        var stateValue = $"{payload}.{Base64Url(StateMac(payload))}";
        return new Uri(new RequestUrl(o.AuthorizeUrl).CreateAuthorizeUrl(o.ClientId!, "code", o.Scope, o.RedirectUri, stateValue));
    }

    /// <summary>Whether <paramref name="stateValue"/> is one <see cref="AuthorizationUrl"/> made, less than 10 minutes ago.</summary>
    public bool IsValidState(string? stateValue)
    {
        var parts = stateValue?.Split('.') ?? [];
        if (parts.Length != 3 || !long.TryParse(parts[1], out var expires) || expires is < 0 or > 253_402_300_799
            || DateTimeOffset.FromUnixTimeSeconds(expires) < timeProvider.GetUtcNow())
        {
            return false;
        }

        var given = FromBase64Url(parts[2]);
        return given is not null && CryptographicOperations.FixedTimeEquals(given, StateMac($"{parts[0]}.{parts[1]}"));
    }

    /// <summary>Exchanges the callback's code for tokens and keeps them as the connected company <paramref name="realmId"/>.</summary>
    /// <exception cref="QuickBooksApiException">Intuit refused the code or did not answer.</exception>
    public async Task CompleteAsync(string code, string realmId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        ArgumentException.ThrowIfNullOrWhiteSpace(realmId);
        var (status, answer, error) = await TokenAsync(
            (http, o) => http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
            {
                Address = o.TokenUrl, ClientId = o.ClientId!, ClientSecret = o.ClientSecret, ClientCredentialStyle = ClientCredentialStyle.AuthorizationHeader,
                Code = code, RedirectUri = o.RedirectUri!,
            }, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (answer is null)
        {
            throw new QuickBooksApiException(status, error, null, status is 0 or >= 500
                ? "Intuit's token endpoint did not answer" : "Intuit refused the authorization code (expired or used: connect again)", transient: status is 0 or >= 500);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await state.UnderLockAsync(Scope, Key, $"connect/{Guid.NewGuid():N}", async record =>
            {
                if (await LoadAsync(cancellationToken).ConfigureAwait(false) is { } existing && existing.RealmId != realmId.Trim())
                {
                    // The links kept in sync state (invoices, customers, items) are ids of the first company's records.
                    throw new QuickBooksCompanyChangeException(existing.RealmId, realmId.Trim());
                }

                var saved = Saved.From(realmId.Trim(), answer, timeProvider.GetUtcNow());
                await SaveAsync(saved, cancellationToken).ConfigureAwait(false);
                _refusedFresh = null;
                Describe(record, saved);
                return (record, true);
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        LogConnected(realmId);
    }

    /// <summary>The connected company and a usable access token; <paramref name="refused"/> is a token QuickBooks just refused.</summary>
    /// <exception cref="QuickBooksConnectionException">No company is connected, or its connection was revoked.</exception>
    public async Task<(string AccessToken, string RealmId)> GetAsync(string? refused, CancellationToken cancellationToken)
    {
        if (refused is not null && _refusedFresh is { } fresh && fresh.Token == refused && timeProvider.GetUtcNow() - fresh.At < RefusedFreshHold)
        {
            throw RefusedFresh();
        }

        if (Usable(_current, refused) is { } token)
        {
            return token;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Usable(_current, refused) is { } again)
            {
                return again;
            }

            if (_current?.Revoked is not null && timeProvider.GetUtcNow() - _readAt < RevokedRecheck)
            {
                throw Revoked(_current);
            }

            return await state.UnderLockAsync(Scope, Key, $"refresh/{Guid.NewGuid():N}", async record =>
            {
                var saved = await LoadAsync(cancellationToken).ConfigureAwait(false)
                    ?? throw new QuickBooksConnectionException("no QuickBooks company is connected: open /api/connect/quickbooks (function key) and connect one");
                if (saved.Revoked is not null)
                {
                    throw Revoked(saved);
                }

                if (Usable(saved, refused) is { } stored)
                {
                    return ((SyncRecord?)null, stored); // another instance refreshed meanwhile
                }

                var renewed = await RefreshAsync(saved, cancellationToken).ConfigureAwait(false);
                Describe(record, renewed);
                if (renewed.Revoked is not null)
                {
                    LogRevoked(renewed.RealmId, renewed.Revoked);
                    return (record, ("", renewed.RealmId));
                }

                return (record, (renewed.AccessToken, renewed.RealmId));
            }, cancellationToken).ConfigureAwait(false) is { Item1.Length: > 0 } result
                ? result
                : throw Revoked(_current!);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// QuickBooks refused an access token that was refreshed for that very call: no refresh will help (the API host is
    /// production for a sandbox company, or the reverse, or the company lost access). For the next 5 minutes calls with
    /// that token fail at once without asking Intuit for another (no refresh per event attempt).
    /// </summary>
    public QuickBooksConnectionException RefusedFreshToken(string token)
    {
        _refusedFresh = (token, timeProvider.GetUtcNow());
        LogRefusedFresh(_current?.RealmId ?? "?");
        return RefusedFresh();
    }

    private QuickBooksConnectionException RefusedFresh()
        => new($"QuickBooks refuses a freshly refreshed access token for company {_current?.RealmId ?? "?"}: check QuickBooks:BaseUrl (https://quickbooks.api.intuit.com/ for a production company, https://sandbox-quickbooks.api.intuit.com/ for a sandbox one) and the company's subscription");

    /// <summary>The connected company's realm id.</summary>
    /// <exception cref="QuickBooksConnectionException">No company is connected, or its connection was revoked.</exception>
    public async Task<string> RealmIdAsync(CancellationToken cancellationToken) => (await GetAsync(null, cancellationToken).ConfigureAwait(false)).RealmId;

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private (string AccessToken, string RealmId)? Usable(Saved? saved, string? refused)
        => saved is { Revoked: null } s && s.AccessToken != refused && s.AccessExpiresAt - RefreshBefore > timeProvider.GetUtcNow() ? (s.AccessToken, s.RealmId) : null;

    private static QuickBooksConnectionException Revoked(Saved saved)
        => new($"the connection to QuickBooks company {saved.RealmId} was revoked or has expired ({saved.Revoked}): connect it again at /api/connect/quickbooks, then replay the poisoned events");

    /// <summary>Refreshes under the lock; saves the answer (or the revocation) before anything uses it.</summary>
    private async Task<Saved> RefreshAsync(Saved saved, CancellationToken cancellationToken)
    {
        var (status, answer, error) = await TokenAsync(
            (http, o) => http.RequestRefreshTokenAsync(new RefreshTokenRequest
            {
                Address = o.TokenUrl, ClientId = o.ClientId!, ClientSecret = o.ClientSecret, ClientCredentialStyle = ClientCredentialStyle.AuthorizationHeader,
                RefreshToken = saved.RefreshToken,
            }, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (answer is not null)
        {
            var renewed = Saved.From(saved.RealmId, answer, timeProvider.GetUtcNow());
            await SaveAsync(renewed, cancellationToken).ConfigureAwait(false); // saved before it is used
            LogRefreshed(saved.RealmId, renewed.RefreshToken != saved.RefreshToken);
            return renewed;
        }

        if (status is 0 or >= 500 || error is not ("invalid_grant" or "invalid_client"))
        {
            throw new QuickBooksApiException(status, error, null, "Intuit's token endpoint did not refresh the access token", transient: true);
        }

        // Someone else may have rotated it (a connect, or a writer that did not hold the lock): the store decides.
        var latest = await LoadAsync(cancellationToken).ConfigureAwait(false);
        if (latest is not null && latest.RefreshToken != saved.RefreshToken)
        {
            return latest.Revoked is null && Usable(latest, null) is not null ? latest : await RefreshAsync(latest, cancellationToken).ConfigureAwait(false);
        }

        if (error == "invalid_client")
        {
            // The app's credentials, not the company's grant: fixed in configuration, the connection still stands.
            throw new QuickBooksConnectionException("Intuit refused the app's client id or secret: check QuickBooks:ClientId and QuickBooks:ClientSecret");
        }

        var revoked = saved with { AccessToken = "", Revoked = "Intuit refused the refresh token (invalid_grant)" };
        await SaveAsync(revoked, cancellationToken).ConfigureAwait(false);
        return revoked;
    }

    /// <returns>The status (0: no answer), the tokens when Intuit gave them, and the OAuth error code when it refused (never its description: it can echo what was sent).</returns>
    private async Task<(int Status, TokenAnswer? Answer, string? Error)> TokenAsync(
        Func<HttpClient, QuickBooksOptions, Task<TokenResponse>> request, CancellationToken cancellationToken)
    {
        TokenResponse response;
        try
        {
            response = await request(httpClients.CreateClient(HttpClientName), options.Value).ConfigureAwait(false);
        }
        catch (Exception ex) when (JsonHttp.IsNoAnswer(ex, cancellationToken))
        {
            return (0, null, null);
        }

        if (response.ErrorType == ResponseErrorType.Exception)
        {
            return (0, null, null);
        }

        if (response.IsError || response.AccessToken is not { Length: > 0 } access || response.RefreshToken is not { Length: > 0 } refresh)
        {
            return ((int)response.HttpStatusCode, null, response.IsError ? response.Error : JsonHttp.MalformedResponse);
        }

        var refreshLifetime = response.TryGet("x_refresh_token_expires_in") is { } text && long.TryParse(text, out var seconds) ? seconds : (long?)null;
        return ((int)response.HttpStatusCode, new TokenAnswer(access, refresh, response.ExpiresIn > 0 ? response.ExpiresIn : null, refreshLifetime), null);
    }

    private async Task<Saved?> LoadAsync(CancellationToken cancellationToken)
    {
        var text = await store.GetAsync(SecretName, cancellationToken).ConfigureAwait(false);
        _readAt = timeProvider.GetUtcNow();
        Saved? saved = null;
        if (!string.IsNullOrEmpty(text))
        {
            try
            {
                saved = JsonSerializer.Deserialize<Saved>(text);
            }
            catch (JsonException)
            {
                saved = null; // unreadable: treated as not connected
            }
        }

        _current = saved;
        return saved;
    }

    private async Task SaveAsync(Saved saved, CancellationToken cancellationToken)
    {
        // CancellationToken.None: a rotated refresh token that is not saved is a lost connection.
        await store.SetAsync(SecretName, JsonSerializer.Serialize(saved), CancellationToken.None).ConfigureAwait(false);
        _current = saved;
        _readAt = timeProvider.GetUtcNow();
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>What an operator may see of the connection (never a token): the realm, the access token's expiry, revoked or not.</summary>
    private static void Describe(SyncRecord record, Saved saved)
    {
        record.TargetId = saved.RealmId;
        record.Status = saved.Revoked is null ? "connected" : $"revoked: {saved.Revoked}";
        record.AppliedEventTime = saved.AccessExpiresAt;
    }

    private byte[] StateMac(string payload)
        => HMACSHA256.HashData(
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.ClientSecret ?? ""), "tracktile-quickbooks-connect-state"u8),
            Encoding.UTF8.GetBytes(payload));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[]? FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        var bytes = new byte[32];
        return Convert.TryFromBase64String(padded, bytes, out var written) && written == 32 ? bytes : null;
    }

    [LoggerMessage(LogLevel.Error, "QuickBooks refuses a freshly refreshed access token of company {RealmId}: check QuickBooks:BaseUrl (production or sandbox) and the subscription")]
    private partial void LogRefusedFresh(string realmId);

    [LoggerMessage(LogLevel.Information, "QuickBooks company {RealmId} connected")]
    private partial void LogConnected(string realmId);

    [LoggerMessage(LogLevel.Information, "QuickBooks access token of company {RealmId} refreshed (refresh token rotated: {Rotated})")]
    private partial void LogRefreshed(string realmId, bool rotated);

    [LoggerMessage(LogLevel.Error, "QuickBooks connection of company {RealmId} revoked: {Reason}. Connect it again at /api/connect/quickbooks")]
    private partial void LogRevoked(string realmId, string reason);

    private sealed record TokenAnswer(string AccessToken, string RefreshToken, int? ExpiresIn, long? RefreshExpiresIn);

    private sealed record Saved(string RealmId, string AccessToken, DateTimeOffset AccessExpiresAt, string RefreshToken, DateTimeOffset? RefreshExpiresAt, string? Revoked)
    {
        public static Saved From(string realmId, TokenAnswer answer, DateTimeOffset now)
            => new(realmId, answer.AccessToken, now.AddSeconds(answer.ExpiresIn ?? 3600), answer.RefreshToken,
                answer.RefreshExpiresIn is { } seconds ? now.AddSeconds(seconds) : null, null);
    }
}
