using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;

namespace TracktileFunctions.Sandbox.BusinessCentral;

/// <summary>
/// A fake Microsoft Entra ID token endpoint for BC's service-to-service auth (client credentials), at the root of
/// the sandbox's HTTPS listener: <c>POST /{tenant}/oauth2/v2.0/token</c>, with a client secret or a client assertion
/// (a JWT whose <c>iss</c> and <c>sub</c> are the client id; its signature is not checked). Errors use Entra's
/// <c>{error, error_description, error_codes, timestamp, trace_id, correlation_id}</c>. For MSAL it also serves
/// instance discovery and the OpenID configuration, in case a client asks for them.
/// </summary>
internal static class EntraEndpoints
{
    /// <summary>Business Central's resource; the only scope accepted is <c>{Resource}/.default</c>.</summary>
    public const string Resource = "https://api.businesscentral.dynamics.com";

    public const string Scope = Resource + "/.default";

    public const string JwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>Scopes that may accompany <see cref="Scope"/> (MSAL adds some of them to requests).</summary>
    private static readonly string[] OidcScopes = ["openid", "profile", "offline_access"];

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/{tenant}/oauth2/v2.0/token", TokenAsync);
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant, HttpRequest request) => OpenIdConfiguration(tenant, request));
        app.MapGet("/common/discovery/instance", (HttpRequest request) => Results.Json(new JsonObject
        {
            ["tenant_discovery_endpoint"] = $"{Root(request)}common/v2.0/.well-known/openid-configuration",
            ["api-version"] = "1.1",
            ["metadata"] = new JsonArray(new JsonObject
            {
                ["preferred_network"] = request.Host.Value,
                ["preferred_cache"] = request.Host.Value,
                ["aliases"] = new JsonArray(request.Host.Value),
            }),
        }));
        app.MapFallback(context => Error(context, StatusCodes.Status404NotFound, "invalid_request", 900561, "The endpoint only accepts POST requests to /{tenant}/oauth2/v2.0/token.").ExecuteAsync(context));
    }

    /// <summary>Shapes an injected fault's body as Entra would (used by <see cref="Hosting.SandboxErrors"/>).</summary>
    public static IResult FaultBody(HttpContext context, int status, string message)
        => Error(context, status, status == StatusCodes.Status429TooManyRequests ? "temporarily_unavailable" : "server_error", 90033, message);

    private static async Task<IResult> TokenAsync(string tenant, HttpContext context, SandboxState state, SandboxOptions options)
    {
        var request = context.Request;
        if (!request.HasFormContentType)
        {
            return Error(context, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
        }

        var form = await request.ReadFormAsync(context.RequestAborted);
        if (!string.Equals(tenant, options.BusinessCentralTenant, StringComparison.OrdinalIgnoreCase))
        {
            return Error(context, 400, "invalid_request", 90002,
                $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
        }

        var grantType = Field(form, "grant_type");
        if (grantType.Length == 0)
        {
            return Error(context, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
        }

        if (grantType != "client_credentials")
        {
            return Error(context, 400, "unsupported_grant_type", 70003, $"The app requested an unsupported grant type '{grantType}'.");
        }

        var clientId = Field(form, "client_id");
        if (clientId.Length == 0)
        {
            return Error(context, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
        }

        if (!string.Equals(clientId, options.BusinessCentralClientId, StringComparison.OrdinalIgnoreCase))
        {
            return Error(context, 400, "unauthorized_client", 700016,
                $"Application with identifier '{clientId}' was not found in the directory '{tenant}'. This can happen if the application has not been "
                + "installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication "
                + "request to the wrong tenant.");
        }

        var scope = Field(form, "scope");
        if (scope.Length == 0)
        {
            return Error(context, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
        }

        var scopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => !OidcScopes.Contains(s, StringComparer.Ordinal)).ToList();
        if (scopes is not [var only] || !string.Equals(only, Scope, StringComparison.OrdinalIgnoreCase))
        {
            return Error(context, 400, "invalid_scope", 70011,
                $"The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. "
                + $"The scope {scope} is not valid.");
        }

        var secret = Field(form, "client_secret");
        var assertion = Field(form, "client_assertion");
        if (secret.Length > 0)
        {
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(options.BusinessCentralClientSecret)))
            {
                return Error(context, 401, "invalid_client", 7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, "
                    + $"for a secret added to app '{clientId}'.");
            }
        }
        else if (assertion.Length > 0)
        {
            if (Field(form, "client_assertion_type") != JwtBearerAssertionType)
            {
                return Error(context, 400, "invalid_request", 50027,
                    $"The client_assertion_type must be '{JwtBearerAssertionType}' when a client_assertion is given.");
            }

            if (AssertionProblem(assertion, clientId, state.TimeProvider) is { } problem)
            {
                return Error(context, 401, "invalid_client", 700027, "Client assertion failed signature validation. " + problem);
            }
        }
        else
        {
            return Error(context, 401, "invalid_client", 7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
        }

        var token = state.IssueBcToken(clientId, options.BusinessCentralTenant);
        context.Response.Headers["client-request-id"] = CorrelationId(context);
        context.Response.Headers.CacheControl = "no-store, no-cache";
        return Results.Json(new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = 3599,
            ["ext_expires_in"] = 3599,
            ["access_token"] = token,
        });
    }

    /// <summary>Why the assertion is refused: not a JWT, <c>iss</c>/<c>sub</c> other than the client, or expired.</summary>
    private static string? AssertionProblem(string assertion, string clientId, TimeProvider time)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            return "The assertion is not a JWT (header.payload.signature).";
        }

        try
        {
            using var header = JsonDocument.Parse(Base64UrlDecode(parts[0]));
            using var payload = JsonDocument.Parse(Base64UrlDecode(parts[1]));
            var claims = payload.RootElement;
            string? Claim(string name) => claims.TryGetProperty(name, out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (!string.Equals(Claim("sub"), clientId, StringComparison.OrdinalIgnoreCase) || !string.Equals(Claim("iss"), clientId, StringComparison.OrdinalIgnoreCase))
            {
                return "The 'iss' and 'sub' claims must be the client id.";
            }

            if (claims.TryGetProperty("exp", out var exp) && exp.ValueKind == JsonValueKind.Number && exp.TryGetInt64(out var seconds)
                && DateTimeOffset.FromUnixTimeSeconds(seconds) < time.GetUtcNow())
            {
                return "The assertion has expired.";
            }

            return null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return "The assertion's header or payload is not base64url JSON.";
        }
    }

    private static byte[] Base64UrlDecode(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }

    private static string Field(IFormCollection form, string name) => form.TryGetValue(name, out StringValues value) ? value.ToString() : string.Empty;

    private static string Root(HttpRequest request) => $"{request.Scheme}://{request.Host}/";

    private static string CorrelationId(HttpContext context)
        => context.Request.Headers["client-request-id"] is { Count: > 0 } given && Guid.TryParse(given.ToString(), out var id)
            ? id.ToString("D")
            : Guid.NewGuid().ToString("D");

    private static IResult OpenIdConfiguration(string tenant, HttpRequest request)
    {
        var root = Root(request);
        return Results.Json(new JsonObject
        {
            ["token_endpoint"] = $"{root}{tenant}/oauth2/v2.0/token",
            ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "private_key_jwt", "client_secret_basic"),
            ["jwks_uri"] = $"{root}{tenant}/discovery/v2.0/keys",
            ["response_types_supported"] = new JsonArray("code", "id_token", "code id_token", "id_token token"),
            ["subject_types_supported"] = new JsonArray("pairwise"),
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            ["issuer"] = $"{root}{tenant}/v2.0",
            ["authorization_endpoint"] = $"{root}{tenant}/oauth2/v2.0/authorize",
            ["tenant_region_scope"] = "NA",
        });
    }

    /// <summary>An Entra error: <c>AADSTS&lt;code&gt;: message Trace ID: ... Correlation ID: ... Timestamp: ...</c>.</summary>
    private static IResult Error(HttpContext context, int status, string error, int code, string message)
    {
        var trace = Guid.NewGuid().ToString("D");
        var correlation = CorrelationId(context);
        var now = context.RequestServices.GetRequiredService<SandboxState>().TimeProvider.GetUtcNow();
        var timestamp = now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return Results.Json(new JsonObject
        {
            ["error"] = error,
            ["error_description"] = $"AADSTS{code.ToString(CultureInfo.InvariantCulture)}: {message} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {timestamp}",
            ["error_codes"] = new JsonArray(code),
            ["timestamp"] = timestamp,
            ["trace_id"] = trace,
            ["correlation_id"] = correlation,
            ["error_uri"] = $"{Root(context.Request)}error?code={code.ToString(CultureInfo.InvariantCulture)}",
        }, statusCode: status);
    }
}
