using System.Security.Cryptography;
using System.Text;

namespace TracktileFunctions.Sandbox.QuickBooks;

/// <summary>One connection of the app to a company (what the user's consent created and a revoke ends).</summary>
internal sealed class QboGrant(string realmId, DateTimeOffset connectedAt)
{
    public string RealmId { get; } = realmId;

    public DateTimeOffset ConnectedAt { get; } = connectedAt;

    public bool Revoked { get; set; }

    /// <summary>The newest refresh token of the connection.</summary>
    public QboRefreshToken? Current { get; set; }
}

internal sealed class QboRefreshToken(string value, QboGrant grant, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
{
    public string Value { get; } = value;

    public QboGrant Grant { get; } = grant;

    public DateTimeOffset IssuedAt { get; } = issuedAt;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    /// <summary>When a newer refresh token replaced it, the end of its grace period (now when there is none); null while it is the newest.</summary>
    public DateTimeOffset? SupersededUntil { get; set; }
}

internal sealed record QboAccessToken(QboGrant Grant, DateTimeOffset ExpiresAt);

internal sealed class QboCode(string value, string redirectUri, string realmId, DateTimeOffset expiresAt)
{
    public string Value { get; } = value;

    public string RedirectUri { get; } = redirectUri;

    public string RealmId { get; } = realmId;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public bool Used { get; set; }
}

/// <summary>The answer of a successful token request.</summary>
internal sealed record QboTokenAnswer(string AccessToken, string RefreshToken, long RefreshTokenExpiresIn, long HardExpiresIn, string RealmId);

/// <summary>
/// Intuit's OAuth 2.0 authorization server for the one sandbox app: single-use authorization codes, access tokens
/// of one hour, refresh tokens of 100 days (rolling per token) within a five-year hard limit per connection, rotation
/// per <see cref="QuickBooksRotation"/>, revocation per connection. Not thread-safe: <see cref="SandboxState"/> locks.
/// </summary>
internal sealed class QboAuth
{
    public const int AccessTokenLifetimeSeconds = 3600;
    public const int RefreshTokenLifetimeSeconds = 8_726_400;

    /// <summary>The refresh token hard limit of a connection (Intuit: five years).</summary>
    public static readonly TimeSpan HardLifetime = TimeSpan.FromDays(5 * 365);

    private readonly Dictionary<string, QboCode> _codes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QboRefreshToken> _refreshTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QboAccessToken> _accessTokens = new(StringComparer.Ordinal);
    private readonly List<QboGrant> _grants = [];

    public int TokensIssued { get; private set; }

    public int Refreshes { get; private set; }

    public int InvalidGrants { get; private set; }

    public static bool ClientMatches(string? clientId, string? clientSecret)
        => clientId == SandboxState.QuickBooksClientId
           && clientSecret is not null
           && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(clientSecret), Encoding.UTF8.GetBytes(SandboxState.QuickBooksClientSecret));

    public string IssueCode(string redirectUri, string realmId, DateTimeOffset now, TimeSpan lifetime)
    {
        var code = "AB11" + now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) + QboWire.RandomAlphanumeric(36);
        _codes[code] = new QboCode(code, redirectUri, realmId, now + lifetime);
        return code;
    }

    /// <summary><c>grant_type=authorization_code</c>: null (invalid_grant) when the code is unknown, used, expired or for another redirect_uri.</summary>
    public QboTokenAnswer? ExchangeCode(string code, string? redirectUri, DateTimeOffset now)
    {
        if (!_codes.TryGetValue(code, out var stored) || stored.Used || now >= stored.ExpiresAt || stored.RedirectUri != redirectUri)
        {
            if (stored is not null)
            {
                stored.Used = true; // a code presented twice stays dead
            }

            InvalidGrants++;
            return null;
        }

        stored.Used = true;
        var grant = new QboGrant(stored.RealmId, now);
        _grants.Add(grant);
        var refresh = NewRefreshToken(grant, now);
        TokensIssued++;
        return Answer(grant, refresh, now);
    }

    /// <summary><c>grant_type=refresh_token</c>: null (invalid_grant) when the token is unknown, expired, revoked or superseded.</summary>
    public QboTokenAnswer? Refresh(string token, QuickBooksRotation rotation, TimeSpan rotationAge, TimeSpan gracePeriod, DateTimeOffset now)
    {
        if (!_refreshTokens.TryGetValue(token, out var stored) || !IsLive(stored, now))
        {
            InvalidGrants++;
            return null;
        }

        var grant = stored.Grant;
        var current = grant.Current!;
        QboRefreshToken answer;
        if (!ReferenceEquals(stored, current))
        {
            // A superseded token still in its grace period: Intuit answers the newest one.
            answer = IsLive(current, now) ? current : Rotate(grant, current, TimeSpan.Zero, now);
        }
        else
        {
            var rotate = rotation switch
            {
                QuickBooksRotation.Always => true,
                _ => now - current.IssuedAt >= rotationAge,
            };
            answer = rotate ? Rotate(grant, current, rotation == QuickBooksRotation.WhenOldWithGrace ? gracePeriod : TimeSpan.Zero, now) : current;
        }

        Refreshes++;
        TokensIssued++;
        return Answer(grant, answer, now);
    }

    /// <summary>The realm an access token is good for now; null when unknown, expired or revoked.</summary>
    public string? RealmOf(string? accessToken, DateTimeOffset now)
        => accessToken is not null && _accessTokens.TryGetValue(accessToken, out var stored) && !stored.Grant.Revoked && now < stored.ExpiresAt
            ? stored.Grant.RealmId
            : null;

    /// <summary>Why an access token is refused, for the fault's Detail.</summary>
    public string RefusalOf(string? accessToken, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(accessToken))
        {
            return "Token missing: no Authorization: Bearer header";
        }

        if (!_accessTokens.TryGetValue(accessToken, out var stored))
        {
            return "Malformed bearer token: too short or too long";
        }

        return stored.Grant.Revoked ? "Token revoked" : now >= stored.ExpiresAt ? "Token expired: " + QboWire.MetaTime(stored.ExpiresAt) : "Token invalid";
    }

    /// <summary>Revokes the connection a refresh or access token belongs to; false when the token is unknown.</summary>
    public bool Revoke(string token)
    {
        var grant = _refreshTokens.TryGetValue(token, out var refresh) ? refresh.Grant
            : _accessTokens.TryGetValue(token, out var access) ? access.Grant
            : null;
        if (grant is null)
        {
            return false;
        }

        grant.Revoked = true;
        return true;
    }

    /// <summary>Every connection is revoked (the user disconnected the app in QuickBooks).</summary>
    public void RevokeAll()
    {
        foreach (var grant in _grants)
        {
            grant.Revoked = true;
        }
    }

    public void ExpireAccessTokens(DateTimeOffset now)
    {
        foreach (var (token, stored) in _accessTokens.ToList())
        {
            _accessTokens[token] = stored with { ExpiresAt = now.AddSeconds(-1) };
        }
    }

    private static bool IsLive(QboRefreshToken token, DateTimeOffset now)
        => !token.Grant.Revoked
           && now < token.ExpiresAt
           && now < token.Grant.ConnectedAt + HardLifetime
           && (token.SupersededUntil is not { } until || now < until);

    private QboRefreshToken Rotate(QboGrant grant, QboRefreshToken old, TimeSpan grace, DateTimeOffset now)
    {
        old.SupersededUntil = now + grace;
        return NewRefreshToken(grant, now);
    }

    private QboRefreshToken NewRefreshToken(QboGrant grant, DateTimeOffset now)
    {
        // Shaped like Intuit's ("RT1-39-H3-1785429816rcysb9dns1ofreknypnm"): the hard expiry, then random letters.
        var hard = (grant.ConnectedAt + HardLifetime).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var value = "RT1-" + RandomNumberGenerator.GetInt32(10, 100).ToString(System.Globalization.CultureInfo.InvariantCulture) + "-H3-" + hard
                    + QboWire.RandomAlphanumeric(24, lowerOnly: true);
        var token = new QboRefreshToken(value, grant, now, now.AddSeconds(RefreshTokenLifetimeSeconds));
        _refreshTokens[value] = token;
        grant.Current = token;
        return token;
    }

    private QboTokenAnswer Answer(QboGrant grant, QboRefreshToken refresh, DateTimeOffset now)
    {
        // An opaque JWE-shaped access token (Intuit's are encrypted: a client cannot read them).
        static string Part(int bytes) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var access = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.." + Part(16) + "." + Part(384) + "." + Part(16);
        _accessTokens[access] = new QboAccessToken(grant, now.AddSeconds(AccessTokenLifetimeSeconds));
        var hardLeft = (long)Math.Floor((grant.ConnectedAt + HardLifetime - now).TotalSeconds);
        var left = Math.Min((long)Math.Floor((refresh.ExpiresAt - now).TotalSeconds), hardLeft);
        return new QboTokenAnswer(access, refresh.Value, left, hardLeft, grant.RealmId);
    }
}
