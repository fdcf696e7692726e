namespace TracktileFunctions.Sandbox.Hosting;

/// <summary>Error bodies in each side's shape: Tracktile's <c>{status, message}</c>, the ERP's <c>{code, message}</c>.</summary>
internal static class SandboxErrors
{
    public static IResult Tracktile(int status, string message)
        => Results.Json(new { status, message }, SandboxJson.Options, statusCode: status);

    public static IResult Erp(int status, string code, string message)
        => Results.Json(new { code, message }, SandboxJson.Options, statusCode: status);

    /// <summary>The error body for a request anywhere, shaped after the side its path belongs to.</summary>
    public static IResult For(HttpRequest request, int status, string code, string message)
        => request.Path.StartsWithSegments(SandboxPaths.Tracktile, StringComparison.OrdinalIgnoreCase)
            ? Tracktile(status, message)
            : Erp(status, code, message);
}

/// <summary>The path prefixes the sandbox serves.</summary>
internal static class SandboxPaths
{
    public const string Tracktile = "/tracktile";
    public const string Erp = "/erp";
    public const string Admin = "/_sandbox";

    /// <summary>Whether a request goes to one of the fakes (and so is recorded and may be faulted).</summary>
    public static bool IsFake(PathString path)
        => path.StartsWithSegments(Tracktile, StringComparison.OrdinalIgnoreCase)
           || path.StartsWithSegments(Erp, StringComparison.OrdinalIgnoreCase);
}
