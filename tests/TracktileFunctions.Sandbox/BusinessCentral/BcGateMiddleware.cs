using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace TracktileFunctions.Sandbox.BusinessCentral;

/// <summary>Who a BC request authenticated as: the credential its concurrency slots belong to, and the BC user id it acts as.</summary>
internal sealed record BcCaller(string Credential, Guid UserId);

/// <summary>
/// What BC does before it runs a request: authentication (<c>Bearer</c> with a live token from the fake Entra
/// endpoint, or on-prem style <c>Basic user:webServiceAccessKey</c> when configured), then the concurrency limit per
/// credential (<see cref="SandboxState.BcMaxInFlight"/> in flight, <see cref="SandboxState.BcMaxQueued"/> waiting,
/// 429 <c>Application_TooManyRequests</c> beyond, without <c>Retry-After</c>), then <see cref="SandboxState.BcProcessingDelay"/>.
/// </summary>
internal sealed class BcGateMiddleware(RequestDelegate next, SandboxState state, SandboxOptions options, IHostApplicationLifetime lifetime)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var caller = Authenticate(context.Request);
        if (caller is null)
        {
            var tenant = TenantOf(context.Request) ?? options.BusinessCentralTenant;
            context.Response.Headers.WWWAuthenticate =
                $"Bearer authorization_uri=\"https://login.microsoftonline.com/{tenant}/oauth2/authorize\", resource_id=\"{EntraEndpoints.Resource}\"";
            await BcErrors.Result(StatusCodes.Status401Unauthorized, BcErrors.InvalidCredentials, BcErrors.InvalidCredentialsMessage).ExecuteAsync(context);
            return;
        }

        context.Features.Set(caller);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        bool entered;
        try
        {
            entered = await state.EnterBcAsync(caller.Credential, cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return;
        }

        if (!entered)
        {
            await BcErrors.Result(StatusCodes.Status429TooManyRequests, BcErrors.TooManyRequests,
                    "The request was rejected: too many requests are being processed or waiting for this user. Retry later.")
                .ExecuteAsync(context);
            return;
        }

        try
        {
            if (state.BcProcessingDelay is { } delay)
            {
                await Task.Delay(delay, cancel.Token);
            }

            await next(context);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The client left or the sandbox is stopping: nothing to answer.
        }
        finally
        {
            state.ExitBc(caller.Credential);
        }
    }

    /// <summary>The tenant in <c>/bc/v2.0/{tenant}/...</c>, or null.</summary>
    private static string? TenantOf(HttpRequest request)
    {
        var parts = (request.Path.Value ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length > 2 && parts[1] == "v2.0" ? parts[2] : null;
    }

    private BcCaller? Authenticate(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header) || string.IsNullOrEmpty(header.Parameter))
        {
            return null;
        }

        if (string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            // One tenant: a path naming another one answers 404 (no such resource), not 401.
            return state.AuthenticateBcToken(header.Parameter, null) is { } clientId
                ? new BcCaller("app:" + clientId, UserIdOf("app:" + clientId))
                : null;
        }

        if (!string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrEmpty(options.BusinessCentralBasicUser) || string.IsNullOrEmpty(options.BusinessCentralBasicKey))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var user = decoded[..colon];
        var key = Encoding.UTF8.GetBytes(decoded[(colon + 1)..]);
        return string.Equals(user, options.BusinessCentralBasicUser, StringComparison.OrdinalIgnoreCase)
               && CryptographicOperations.FixedTimeEquals(key, Encoding.UTF8.GetBytes(options.BusinessCentralBasicKey))
            ? new BcCaller("user:" + user.ToUpperInvariant(), UserIdOf("user:" + user.ToUpperInvariant()))
            : null;
    }

    /// <summary>A stable BC user id per credential (the application's user for S2S, the user for Basic).</summary>
    private static Guid UserIdOf(string credential) => new(SHA256.HashData(Encoding.UTF8.GetBytes(credential)).AsSpan(0, 16));
}
