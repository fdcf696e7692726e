using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GraphQLParser.Exceptions;
using TracktileFunctions.Sandbox.Hosting;

namespace TracktileFunctions.Sandbox.ShipHero;

/// <summary>
/// The fake ShipHero Public API under <c>/shiphero/</c> (the real one is <c>https://public-api.shiphero.com/</c>):
/// <c>POST auth/token</c>, <c>POST auth/refresh</c> and <c>POST graphql</c> (Bearer). Every root field is charged to
/// the account's credit bucket; one without enough credits answers ShipHero's code 30 error with the time to wait.
/// </summary>
internal static partial class ShipHeroEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var shiphero = app.MapGroup(SandboxPaths.ShipHero);
        shiphero.MapPost("/auth/token", TokenAsync);
        shiphero.MapPost("/auth/refresh", RefreshAsync);
        shiphero.MapPost("/graphql", GraphqlAsync);
        app.MapFallback(SandboxPaths.ShipHero + "/{**path}", () => Results.Json(new JsonObject { ["message"] = "Not Found" }, statusCode: StatusCodes.Status404NotFound));
    }

    /// <summary>An injected fault's body: GraphQL-style <c>errors</c> on <c>/graphql</c>, the auth error shape elsewhere.</summary>
    public static IResult FaultBody(HttpRequest request, int status, string message)
        => request.Path.Value?.EndsWith("/graphql", StringComparison.OrdinalIgnoreCase) == true
            ? Results.Json(new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["code"] = status }) }, statusCode: status)
            : Results.Json(new JsonObject { ["error"] = status == 429 ? "too_many_requests" : "server_error", ["error_description"] = message }, statusCode: status);

    private static async Task<IResult> TokenAsync(HttpContext context, SandboxState state)
    {
        var body = await ReadObjectAsync(context);
        if (body is null)
        {
            return AuthError(StatusCodes.Status400BadRequest, "invalid_request", "The body must be JSON: {\"username\": ..., \"password\": ...}.");
        }

        var issued = state.IssueShipHeroTokens(Text(body["username"]), Text(body["password"]));
        if (issued is not { } tokens)
        {
            return AuthError(StatusCodes.Status403Forbidden, "invalid_grant", "Wrong email or password.");
        }

        return Results.Json(new JsonObject
        {
            ["access_token"] = tokens.AccessToken,
            ["expires_in"] = SandboxState.ShipHeroTokenLifetimeSeconds,
            ["scope"] = SandboxState.ShipHeroTokenScope,
            ["token_type"] = "Bearer",
            ["refresh_token"] = tokens.RefreshToken,
        });
    }

    private static async Task<IResult> RefreshAsync(HttpContext context, SandboxState state)
    {
        var body = await ReadObjectAsync(context);
        if (body is null)
        {
            return AuthError(StatusCodes.Status400BadRequest, "invalid_request", "The body must be JSON: {\"refresh_token\": ...}.");
        }

        if (state.RefreshShipHeroToken(Text(body["refresh_token"])) is not { } access)
        {
            return AuthError(StatusCodes.Status403Forbidden, "invalid_grant", "Unknown or invalid refresh token.");
        }

        return Results.Json(new JsonObject
        {
            ["access_token"] = access,
            ["expires_in"] = SandboxState.ShipHeroTokenLifetimeSeconds,
            ["scope"] = SandboxState.ShipHeroTokenScope,
            ["token_type"] = "Bearer",
        });
    }

    private static async Task<IResult> GraphqlAsync(HttpContext context, SandboxState state)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var token = AuthenticationHeaderValue.TryParse(header, out var parsed) && string.Equals(parsed.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
            ? parsed.Parameter : null;
        if (!state.IsShipHeroTokenValid(token))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Json(
                new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["message"] = header.Length == 0 ? "Authorization header is expected" : "Token is invalid or has expired", ["code"] = 401 }) },
                statusCode: StatusCodes.Status401Unauthorized);
        }

        state.CountShipHeroGraphqlRequest();
        var body = await ReadObjectAsync(context);
        var query = Text(body?["query"]);
        if (string.IsNullOrWhiteSpace(query))
        {
            return Results.Json(new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["message"] = "Must provide query string." }) }, statusCode: StatusCodes.Status400BadRequest);
        }

        GqlExecutor executor;
        try
        {
            executor = GqlExecutor.Create(query, body?["variables"] as JsonObject, Text(body?["operationName"]), ShipHeroGql.Dialect);
        }
        catch (Exception ex) when (ex is GraphQLSyntaxErrorException or GqlException)
        {
            return Results.Json(new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["message"] = ex.Message }) }, statusCode: StatusCodes.Status400BadRequest);
        }

        var resolvers = new ShipHeroResolvers(state, executor);
        var data = new JsonObject();
        var errors = new JsonArray();
        foreach (var (key, field) in executor.RootFields(executor.IsMutation ? "Mutation" : "Query"))
        {
            var name = field.Name.StringValue;
            var requestId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            if (name == "__typename")
            {
                data[key] = executor.IsMutation ? "Mutation" : "Query";
                continue;
            }

            var estimate = resolvers.Estimate(field);
            var args = executor.Arguments(field);
            if (args.Bool("analyze") == true)
            {
                // analyze: true prices the operation without running it or spending credits.
                data[key] = executor.Project(ShipHeroResolvers.Wrapper("AnalyzeResult", requestId, estimate), [field]);
                continue;
            }

            var max = (int)state.ShipHeroMaxCredits;
            if (estimate > max)
            {
                state.CountShipHeroThrottled();
                errors.Add(ThrottleError(name, requestId, estimate, state.ShipHeroCreditsAvailable, max, null));
                data[key] = null;
                continue;
            }

            var taken = state.TakeShipHeroCredits(estimate);
            if (!taken.Taken)
            {
                errors.Add(ThrottleError(name, requestId, estimate, taken.Remaining, max, taken.SecondsToWait));
                data[key] = null;
                continue;
            }

            try
            {
                var before = executor.ActualCost;
                var resolved = resolvers.Resolve(name, field, args, requestId, estimate);
                data[key] = executor.Project(resolved, [field]);
                state.RefundShipHeroCredits(estimate - Math.Min(estimate, Math.Max(1, executor.ActualCost - before + resolvers.BaseCost(field))));
            }
            catch (Exception ex) when (ex is GqlException or ArgumentException or InvalidOperationException)
            {
                state.RefundShipHeroCredits(estimate - 1);
                var error = new JsonObject { ["message"] = ex.Message, ["operation"] = name, ["field"] = name, ["request_id"] = requestId };
                if (ex is GqlException { Code: var code } && int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    error["code"] = number;
                }

                errors.Add(error);
                data[key] = null;
            }
        }

        var answer = new JsonObject();
        if (errors.Count > 0)
        {
            answer["errors"] = errors;
        }

        answer["data"] = data;
        return Results.Json(answer);
    }

    /// <summary>ShipHero's throttling error (code 30), with the credits and the seconds to wait.</summary>
    private static JsonObject ThrottleError(string operation, string requestId, int required, double remaining, int max, int? seconds)
    {
        var wait = seconds is { } s ? $" Try again in {s.ToString(CultureInfo.InvariantCulture)} seconds" : string.Empty;
        var error = new JsonObject
        {
            ["code"] = 30,
            ["message"] = $"There are not enough credits to perform the requested operation, which requires {required.ToString(CultureInfo.InvariantCulture)} credits. The max allowed for your account is {max.ToString(CultureInfo.InvariantCulture)} credits per operation.{wait}",
            ["operation"] = operation,
            ["request_id"] = requestId,
            ["required_credits"] = required,
            ["remaining_credits"] = (int)Math.Floor(remaining),
        };
        if (seconds is { } t)
        {
            error["time_remaining"] = t.ToString(CultureInfo.InvariantCulture) + " seconds";
        }

        return error;
    }

    private static IResult AuthError(int status, string error, string description)
        => Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: status);

    private static async Task<JsonObject?> ReadObjectAsync(HttpContext context)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<JsonNode>(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

/// <summary>Token requests are recorded with <c>password</c> and <c>refresh_token</c> replaced by <c>***</c>.</summary>
internal static partial class ShipHeroRedaction
{
    public static string Redact(string body) => Secrets().Replace(body, "$1\"***\"");

    [GeneratedRegex("(\"(?:password|refresh_token|access_token)\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Secrets();
}
