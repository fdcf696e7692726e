using TracktileFunctions.Sandbox.BusinessCentral;

namespace TracktileFunctions.Sandbox.Hosting;

/// <summary>
/// Error bodies in each side's shape: Tracktile's <c>{status, message}</c>, the ERP's <c>{code, message}</c>, Business
/// Central's <c>{"error":{code, message}}</c> and Entra's <c>{error, error_description, error_codes, ...}</c>.
/// </summary>
internal static class SandboxErrors
{
    /// <summary>The codes <see cref="FaultMiddleware"/> and <see cref="Faults.FaultRule"/> use when a test names none.</summary>
    private static readonly string[] GenericCodes = ["sandbox_fault", "rate_limited", "timeout", "stopping"];

    public static IResult Tracktile(int status, string message)
        => Results.Json(new { status, message }, SandboxJson.Options, statusCode: status);

    public static IResult Erp(int status, string code, string message)
        => Results.Json(new { code, message }, SandboxJson.Options, statusCode: status);

    /// <summary>
    /// Business Central's error body. The sandbox's generic fault codes (<c>sandbox_fault</c>, <c>rate_limited</c>...)
    /// become the code BC uses for the status (429 <c>Application_TooManyRequests</c>, 500 <c>Internal_ServerError</c>...).
    /// </summary>
    public static IResult BusinessCentral(int status, string code, string message)
        => BcErrors.Result(status, GenericCodes.Contains(code, StringComparer.Ordinal) ? BcErrors.CodeForStatus(status) : code, message);

    /// <summary>The error body for a request anywhere, shaped after the side its path belongs to.</summary>
    public static IResult For(HttpRequest request, int status, string code, string message)
        => request.Path.StartsWithSegments(SandboxPaths.Tracktile, StringComparison.OrdinalIgnoreCase) ? Tracktile(status, message)
            : request.Path.StartsWithSegments(SandboxPaths.BusinessCentral, StringComparison.OrdinalIgnoreCase) ? BusinessCentral(status, code, message)
            : request.Path.StartsWithSegments(SandboxPaths.Shopify, StringComparison.OrdinalIgnoreCase) ? Shopify.ShopifyEndpoints.FaultBody(request, status, message)
            : request.Path.StartsWithSegments(SandboxPaths.ShipHero, StringComparison.OrdinalIgnoreCase) ? ShipHero.ShipHeroEndpoints.FaultBody(request, status, message)
            : SandboxPaths.IsEntra(request.Path) ? EntraEndpoints.FaultBody(request.HttpContext, status, message)
            : Erp(status, code, message);
}

/// <summary>The path prefixes the sandbox serves.</summary>
internal static class SandboxPaths
{
    public const string Tracktile = "/tracktile";
    public const string Erp = "/erp";
    public const string BusinessCentral = "/bc";
    public const string Shopify = "/shopify";
    public const string ShipHero = "/shiphero";
    public const string Admin = "/_sandbox";

    /// <summary>Whether a request goes to one of the fakes (and so is recorded and may be faulted).</summary>
    public static bool IsFake(PathString path)
        => path.StartsWithSegments(Tracktile, StringComparison.OrdinalIgnoreCase)
           || path.StartsWithSegments(Erp, StringComparison.OrdinalIgnoreCase)
           || path.StartsWithSegments(BusinessCentral, StringComparison.OrdinalIgnoreCase)
           || path.StartsWithSegments(Shopify, StringComparison.OrdinalIgnoreCase)
           || path.StartsWithSegments(ShipHero, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a request goes to the fake Entra token endpoint (on its own HTTPS listener).</summary>
    public static bool IsEntra(PathString path)
        => path.Value?.EndsWith("/oauth2/v2.0/token", StringComparison.OrdinalIgnoreCase) == true;
}
