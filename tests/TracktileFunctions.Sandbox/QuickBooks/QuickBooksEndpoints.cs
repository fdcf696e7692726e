using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using TracktileFunctions.Sandbox.Hosting;

namespace TracktileFunctions.Sandbox.QuickBooks;

/// <summary>The paths of the fake QuickBooks Online under <c>/quickbooks/</c>.</summary>
internal static class QboPaths
{
    public const string Root = "/quickbooks";
    public const string Authorize = "/quickbooks/connect/oauth2";
    public const string Token = "/quickbooks/oauth2/v1/tokens/bearer";
    public const string Revoke = "/quickbooks/oauth2/v1/tokens/revoke";
    public const string Api = "/quickbooks/v3";

    public static bool Is(PathString path) => path.StartsWithSegments(Root, StringComparison.OrdinalIgnoreCase);

    public static bool IsApi(PathString path) => path.StartsWithSegments(Api, StringComparison.OrdinalIgnoreCase);

    public static bool IsOAuth(PathString path) => path.StartsWithSegments("/quickbooks/oauth2", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The fake QuickBooks Online: Intuit's OAuth 2.0 (<c>connect/oauth2</c> standing for appcenter.intuit.com,
/// <c>oauth2/v1/tokens/bearer</c> and <c>/revoke</c> standing for oauth.platform.intuit.com) and the Accounting API
/// (<c>v3/company/{realmId}/...</c>, see <see cref="QboApi"/>).
/// </summary>
internal static class QuickBooksEndpoints
{
    private static readonly JsonSerializerOptions Compact = new();

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(QboPaths.Authorize, Authorize);
        app.MapPost(QboPaths.Token, TokenAsync);
        app.MapPost(QboPaths.Revoke, RevokeAsync);
        app.MapMethods(QboPaths.Api + "/company/{realmId}/{**rest}", [HttpMethods.Get, HttpMethods.Post], QboApi.HandleAsync);
        app.MapFallback(QboPaths.Root + "/{**path}", (HttpContext context) =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/html;charset=UTF-8";
            return context.Response.WriteAsync("<html><body><h1>404 Not Found</h1></body></html>", context.RequestAborted);
        });
        app.MapGet(SandboxPaths.Admin + "/quickbooks", (SandboxState state) => Results.Json(new
        {
            realmId = SandboxState.QuickBooksRealmId,
            customers = state.QuickBooksCustomers,
            items = state.QuickBooksItems,
            invoices = state.QuickBooksInvoices,
            accounts = state.QuickBooksAccounts,
            apiCalls = state.QuickBooksApiCalls,
            batchItems = state.QuickBooksBatchItems,
            webhookDeliveries = state.QuickBooksWebhookDeliveries,
            counters = new
            {
                tokensIssued = state.QuickBooksTokensIssued,
                refreshes = state.QuickBooksRefreshes,
                invalidGrants = state.QuickBooksInvalidGrants,
                throttled = state.QuickBooksThrottledCount,
                batchThrottled = state.QuickBooksBatchThrottledCount,
                requestIdReplays = state.QuickBooksRequestIdReplays,
                callsWithoutMinorVersion = state.QuickBooksCallsWithoutMinorVersion,
            },
        }, SandboxJson.Options));
    }

    /// <summary>An injected fault's body on the OAuth endpoints: Intuit's OAuth error shape.</summary>
    public static JsonObject OAuthFaultBody(int status, string message)
        => new() { ["error"] = status == 429 ? "too_many_requests" : status >= 500 ? "server_error" : "invalid_request", ["error_description"] = message };

    /// <summary>
    /// The consent page. A person would sign in and pick a company; the fake answers at once per
    /// <see cref="SandboxState.QuickBooksConsent"/>. A request that cannot be trusted with a redirect (unknown client,
    /// unregistered redirect_uri) gets a plain 400 page, as Intuit shows an error page instead of redirecting.
    /// </summary>
    private static IResult Authorize(HttpContext context, SandboxState sandbox)
    {
        var query = context.Request.Query;
        var clientId = query["client_id"].ToString();
        var redirectUri = query["redirect_uri"].ToString();
        var scopes = query["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? problem = clientId != SandboxState.QuickBooksClientId ? "The client_id is not valid."
            : query["response_type"].ToString() != "code" ? "response_type must be code."
            : !scopes.Contains(SandboxState.QuickBooksAccountingScope, StringComparer.Ordinal) ? $"The scope must include {SandboxState.QuickBooksAccountingScope}."
            : redirectUri.Length == 0 || !Uri.IsWellFormedUriString(redirectUri, UriKind.Absolute) ? "redirect_uri is missing or not an absolute URI."
            : !sandbox.QuickBooksRedirectUris.Allows(redirectUri) ? "The redirect_uri query parameter value is invalid. Make sure it is listed in the Redirect URIs section on your app's keys tab and matches it exactly."
            : null;
        if (problem is not null)
        {
            return Results.Content($"<html><body><h1>Oops! An error occurred.</h1><p>{System.Net.WebUtility.HtmlEncode(problem)}</p></body></html>", "text/html;charset=UTF-8", Encoding.UTF8, StatusCodes.Status400BadRequest);
        }

        var parameters = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (sandbox.QuickBooksConsent == QuickBooksConsent.Deny)
        {
            parameters["error"] = "access_denied";
        }
        else
        {
            parameters["code"] = sandbox.IssueQuickBooksCode(redirectUri);
        }

        if (query.TryGetValue("state", out var state))
        {
            parameters["state"] = state.ToString();
        }

        if (sandbox.QuickBooksConsent == QuickBooksConsent.Approve)
        {
            parameters["realmId"] = SandboxState.QuickBooksRealmId;
        }

        return Results.Redirect(QueryHelpers.AddQueryString(redirectUri, parameters));
    }

    private static async Task<IResult> TokenAsync(HttpContext context, SandboxState sandbox)
    {
        if (!AuthenticateClient(context.Request))
        {
            return OAuthError(StatusCodes.Status401Unauthorized, "invalid_client", null);
        }

        if (!context.Request.HasFormContentType)
        {
            return OAuthError(StatusCodes.Status400BadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        QboTokenAnswer? answer;
        switch (form["grant_type"].ToString())
        {
            case "authorization_code":
                var code = form["code"].ToString();
                if (code.Length == 0 || !form.ContainsKey("redirect_uri"))
                {
                    return OAuthError(StatusCodes.Status400BadRequest, "invalid_request", null);
                }

                answer = sandbox.ExchangeQuickBooksCode(code, form["redirect_uri"].ToString());
                break;
            case "refresh_token":
                var refresh = form["refresh_token"].ToString();
                if (refresh.Length == 0)
                {
                    return OAuthError(StatusCodes.Status400BadRequest, "invalid_request", null);
                }

                answer = sandbox.RefreshQuickBooksToken(refresh);
                break;
            case "":
                return OAuthError(StatusCodes.Status400BadRequest, "invalid_request", null);
            default:
                return OAuthError(StatusCodes.Status400BadRequest, "unsupported_grant_type", null);
        }

        if (answer is null)
        {
            return OAuthError(StatusCodes.Status400BadRequest, "invalid_grant", "Token invalid");
        }

        var body = new JsonObject
        {
            ["token_type"] = "bearer",
            ["expires_in"] = SandboxState.QuickBooksAccessTokenLifetimeSeconds,
            ["refresh_token"] = answer.RefreshToken,
            ["x_refresh_token_expires_in"] = answer.RefreshTokenExpiresIn,
            ["access_token"] = answer.AccessToken,
        };
        if (string.Equals(context.Request.Headers["x-include-refresh-token-hard-expires-in"].ToString(), "true", StringComparison.OrdinalIgnoreCase))
        {
            body["x_refresh_token_hard_expires_in"] = answer.HardExpiresIn;
        }

        context.Response.Headers.CacheControl = "no-store";
        return Results.Text(body.ToJsonString(Compact), QboWire.JsonContentType, Encoding.UTF8);
    }

    /// <summary><c>POST .../revoke</c> <c>{"token": refresh or access token}</c>: ends the connection; 200 with no body (also for an unknown token, per RFC 7009).</summary>
    private static async Task<IResult> RevokeAsync(HttpContext context, SandboxState sandbox)
    {
        if (!AuthenticateClient(context.Request))
        {
            return OAuthError(StatusCodes.Status401Unauthorized, "invalid_client", null);
        }

        string? token = null;
        try
        {
            if (await JsonSerializer.DeserializeAsync<JsonNode>(context.Request.Body, cancellationToken: context.RequestAborted) is JsonObject body
                && body["token"] is JsonValue value && value.TryGetValue<string>(out var text))
            {
                token = text;
            }
        }
        catch (JsonException)
        {
            // answered below
        }

        if (string.IsNullOrEmpty(token))
        {
            return OAuthError(StatusCodes.Status400BadRequest, "invalid_request", "The body must be JSON: {\"token\": \"<refresh or access token>\"}");
        }

        sandbox.RevokeQuickBooksToken(token);
        return Results.Ok();
    }

    /// <summary><c>Authorization: Basic base64(client_id:client_secret)</c> of the sandbox app.</summary>
    private static bool AuthenticateClient(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(header.Parameter))
        {
            return false;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && QboAuth.ClientMatches(decoded[..colon], decoded[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static IResult OAuthError(int status, string error, string? description)
    {
        var body = new JsonObject();
        if (description is not null)
        {
            body["error_description"] = description;
        }

        body["error"] = error;
        return Results.Text(body.ToJsonString(Compact), QboWire.JsonContentType, Encoding.UTF8, status);
    }
}

/// <summary>
/// Token and revoke requests are recorded with the authorization code, tokens and any client secret replaced by
/// <c>***</c> (form or JSON). The <c>Authorization</c> header is never recorded beyond its scheme.
/// </summary>
internal static partial class QboRedaction
{
    private static readonly string[] Secrets = ["code", "refresh_token", "access_token", "token", "client_secret", "id_token"];

    public static string Redact(string body)
    {
        var trimmed = body.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            return SecretInJson().Replace(body, "$1\"***\"");
        }

        return string.Join('&', body.Split('&').Select(pair =>
        {
            var name = Uri.UnescapeDataString(pair.Split('=', 2)[0].Replace('+', ' '));
            return Secrets.Contains(name, StringComparer.OrdinalIgnoreCase) ? name + "=***" : pair;
        }));
    }

    [GeneratedRegex("(\"(?:code|refresh_token|access_token|token|client_secret|id_token)\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"", RegexOptions.IgnoreCase)]
    private static partial Regex SecretInJson();
}
