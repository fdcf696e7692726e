using System.Net.Http.Headers;

namespace TracktileFunctions.Sandbox.Hosting;

/// <summary>Lets through only requests with <c>Authorization: Bearer &lt;token&gt;</c>; answers 401 otherwise.</summary>
internal sealed class TracktileAuthMiddleware(RequestDelegate next, SandboxOptions options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var problem =
            header.Length == 0 ? "Missing Authorization header."
            : !AuthenticationHeaderValue.TryParse(header, out var value) || !string.Equals(value.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
                ? "Authorization must use the Bearer scheme."
            : !string.Equals(value.Parameter, options.TracktileToken, StringComparison.Ordinal) ? "Invalid or expired token."
            : null;

        if (problem is null)
        {
            await next(context);
            return;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        await SandboxErrors.Tracktile(StatusCodes.Status401Unauthorized, problem).ExecuteAsync(context);
    }
}
