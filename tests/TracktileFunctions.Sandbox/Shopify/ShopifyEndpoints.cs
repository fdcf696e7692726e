using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;
using TracktileFunctions.Sandbox.Hosting;

namespace TracktileFunctions.Sandbox.Shopify;

/// <summary>
/// The fake Shopify under <c>/shopify/{shop}/</c> (the real one is <c>https://{shop}/</c>): the client credentials
/// grant at <c>admin/oauth/access_token</c> and the GraphQL Admin API at <c>admin/api/{version}/graphql.json</c>.
/// Every document is validated against Shopify's published schema of the version served (<see cref="ShopifySchema"/>)
/// before anything runs; cost is charged to a leaky bucket per shop.
/// </summary>
internal static partial class ShopifyEndpoints
{
    public const string VersionHeader = "X-Shopify-API-Version";
    public const string TokenHeader = "X-Shopify-Access-Token";
    public const int MaxQueryCost = 1000;
    private const string InvalidToken = "[API] Invalid API key or access token (unrecognized login or wrong password)";

    public static void Map(IEndpointRouteBuilder app)
    {
        var shopify = app.MapGroup(SandboxPaths.Shopify);
        shopify.MapPost("/{shop}/admin/oauth/access_token", TokenAsync);
        shopify.MapPost("/{shop}/admin/api/{version}/graphql.json", GraphqlAsync);
        app.MapFallback(SandboxPaths.Shopify + "/{**path}", () => NotFound());
    }

    /// <summary>A body in Shopify's REST-style error shape, for injected faults.</summary>
    public static IResult FaultBody(HttpRequest request, int status, string message)
        => status == StatusCodes.Status429TooManyRequests && request.Path.Value?.EndsWith("/graphql.json", StringComparison.Ordinal) == true
            ? Results.Json(new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["message"] = "Throttled", ["extensions"] = new JsonObject { ["code"] = "THROTTLED" } }) }, statusCode: status)
            : Results.Json(new JsonObject { ["errors"] = message }, statusCode: status);

    /// <summary>The version served for a requested one: itself, else (an older or unreleased handle) the next supported one; null when none.</summary>
    public static string? ResolveVersion(string requested)
    {
        if (!VersionPattern().IsMatch(requested))
        {
            return null;
        }

        return SandboxState.ShopifyVersions.FirstOrDefault(v => string.CompareOrdinal(v, requested) >= 0);
    }

    private static IResult NotFound() => Results.Json(new JsonObject { ["errors"] = "Not Found" }, statusCode: StatusCodes.Status404NotFound);

    private static async Task<IResult> TokenAsync(string shop, HttpContext context, SandboxState state)
    {
        if (!state.ShopifyShopExists(shop))
        {
            return NotFound();
        }

        var request = context.Request;
        string? grantType, clientId, clientSecret;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(context.RequestAborted);
            (grantType, clientId, clientSecret) = (Field(form["grant_type"]), Field(form["client_id"]), Field(form["client_secret"]));
        }
        else if (request.HasJsonContentType())
        {
            try
            {
                var json = await JsonSerializer.DeserializeAsync<JsonObject>(request.Body, cancellationToken: context.RequestAborted);
                (grantType, clientId, clientSecret) = (Text(json?["grant_type"]), Text(json?["client_id"]), Text(json?["client_secret"]));
            }
            catch (JsonException)
            {
                return OAuthError("invalid_request", "The request body is not valid JSON.");
            }
        }
        else
        {
            return OAuthError("invalid_request", "Missing required parameter: grant_type.");
        }

        if (string.IsNullOrEmpty(grantType))
        {
            return OAuthError("invalid_request", "Missing required parameter: grant_type.");
        }

        if (grantType != "client_credentials")
        {
            return OAuthError("unsupported_grant_type", $"The grant type '{grantType}' is not supported.");
        }

        if (clientId != SandboxState.ShopifyClientId || clientSecret != SandboxState.ShopifyClientSecret)
        {
            return OAuthError("invalid_client", "Client authentication failed: unknown client, or wrong client secret.");
        }

        return Results.Json(new JsonObject
        {
            ["access_token"] = state.IssueShopifyToken(shop),
            ["scope"] = SandboxState.ShopifyScopes,
            ["expires_in"] = SandboxState.ShopifyTokenLifetimeSeconds,
        });

        static string? Field(StringValues values) => values.Count == 0 ? null : values.ToString();
    }

    private static IResult OAuthError(string error, string description)
        => Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: StatusCodes.Status400BadRequest);

    private static async Task<IResult> GraphqlAsync(string shop, string version, HttpContext context, SandboxState state)
    {
        if (!state.ShopifyShopExists(shop))
        {
            return NotFound();
        }

        if (ResolveVersion(version) is not { } served)
        {
            return NotFound();
        }

        context.Response.Headers[VersionHeader] = served;
        var request = context.Request;
        var token = request.Headers[TokenHeader].ToString();
        if (!state.IsShopifyTokenValid(shop, token.Length == 0 ? null : token))
        {
            return Results.Json(new JsonObject { ["errors"] = InvalidToken }, statusCode: StatusCodes.Status401Unauthorized);
        }

        string? query = null;
        JsonObject? variables = null;
        string? operationName = null;
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (string.Equals(mediaType, "application/graphql", StringComparison.OrdinalIgnoreCase))
        {
            using var reader = new StreamReader(request.Body);
            query = await reader.ReadToEndAsync(context.RequestAborted);
        }
        else
        {
            try
            {
                var body = await JsonSerializer.DeserializeAsync<JsonNode>(request.Body, cancellationToken: context.RequestAborted) as JsonObject;
                query = Text(body?["query"]);
                variables = body?["variables"] as JsonObject;
                operationName = Text(body?["operationName"]);
            }
            catch (JsonException)
            {
                // answered below as a missing query
            }
        }

        if (string.IsNullOrWhiteSpace(query))
        {
            return Results.Json(new JsonObject { ["errors"] = new JsonObject { ["query"] = "Required parameter missing or invalid" } }, statusCode: StatusCodes.Status400BadRequest);
        }

        var validation = await ShopifySchema.Shared.ValidateAsync(served, query, variables, operationName, context.RequestAborted);
        if (!validation.IsValid)
        {
            return Answer(new JsonObject
            {
                ["errors"] = new JsonArray([.. validation.Errors.Select(e => (JsonNode)Error(e.Message, e.Code, e.Locations))]),
            });
        }

        var requested = validation.RequestedQueryCost;
        if (requested > MaxQueryCost)
        {
            var error = Error(
                $"Query cost is {requested.ToString(CultureInfo.InvariantCulture)}, which exceeds the single query max cost limit ({MaxQueryCost}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n",
                "MAX_COST_EXCEEDED", null);
            ((JsonObject)error["extensions"]!)["cost"] = requested;
            ((JsonObject)error["extensions"]!)["maxCost"] = MaxQueryCost;
            return Answer(new JsonObject { ["errors"] = new JsonArray(error) });
        }

        var taken = state.TakeShopifyPoints(shop, requested);
        if (!taken.Taken)
        {
            var throttled = new JsonObject
            {
                ["errors"] = new JsonArray(new JsonObject
                {
                    ["message"] = "Throttled",
                    ["extensions"] = new JsonObject { ["code"] = "THROTTLED", ["documentation"] = "https://shopify.dev/api/usage/rate-limits" },
                }),
                ["extensions"] = Cost(requested, null, taken.Available, taken.Maximum, taken.Rate),
            };
            var status = state.ShopifyThrottleStatusCode;
            if (status == StatusCodes.Status429TooManyRequests)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            return Answer(throttled, status);
        }

        JsonObject result;
        int actual;
        try
        {
            var executor = GqlExecutor.Create(query, variables, operationName, ShopifyGql.Dialect);
            var data = await new ShopifyResolvers(state, shop, served, executor).ExecuteAsync(context.RequestAborted);
            actual = Math.Min(requested, executor.ActualCost);
            result = new JsonObject { ["data"] = data };
        }
        catch (GqlException ex)
        {
            actual = requested;
            result = new JsonObject { ["errors"] = new JsonArray(Error(ex.Message, ex.Code, null)), ["data"] = null };
        }

        var bucket = state.RefundShopifyPoints(shop, requested - actual);
        result["extensions"] = Cost(requested, actual, bucket.Available, bucket.Maximum, bucket.Rate);
        return Answer(result);
    }

    private static JsonObject Cost(int requested, int? actual, double available, double maximum, double rate) => new()
    {
        ["cost"] = new JsonObject
        {
            ["requestedQueryCost"] = requested,
            ["actualQueryCost"] = actual,
            ["throttleStatus"] = new JsonObject
            {
                ["maximumAvailable"] = maximum,
                ["currentlyAvailable"] = Math.Floor(available),
                ["restoreRate"] = rate,
            },
        },
    };

    private static JsonObject Error(string message, string code, JsonArray? locations)
    {
        var error = new JsonObject { ["message"] = message };
        if (locations is { Count: > 0 })
        {
            error["locations"] = locations.DeepClone();
        }

        error["extensions"] = new JsonObject { ["code"] = code };
        return error;
    }

    private static IResult Answer(JsonObject body, int status = StatusCodes.Status200OK) => Results.Json(body, statusCode: status);

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    [GeneratedRegex("^[0-9]{4}-(01|04|07|10)$|^[0-9]{4}-[0-9]{2}$")]
    private static partial Regex VersionPattern();
}

/// <summary>Token requests are recorded with <c>client_secret</c> replaced by <c>***</c> (form or JSON); no credential is kept.</summary>
internal static partial class ShopifyRedaction
{
    public static string Redact(string body)
    {
        var trimmed = body.TrimStart();
        if (trimmed.StartsWith('{'))
        {
            return SecretInJson().Replace(body, "$1\"***\"");
        }

        return BusinessCentral.EntraRedaction.Redact(body);
    }

    [GeneratedRegex("(\"client_secret\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex SecretInJson();
}
