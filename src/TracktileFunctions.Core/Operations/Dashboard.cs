namespace TracktileFunctions.Operations;

/// <summary>
/// The operator's status page (<c>GET /api/dashboard</c>): one self-contained HTML page, embedded in this assembly,
/// whose script reads <c>status</c> and <c>ops/failures</c> and posts <c>ops/replay/{queue}</c>, sending the page's
/// <c>?code=</c> as the function key. Read once; every request gets the same bytes.
/// </summary>
public sealed class Dashboard
{
    /// <summary>The page's name in the assembly's manifest.</summary>
    public const string ResourceName = "TracktileFunctions.Operations.Dashboard.html";

    /// <summary>
    /// The headers the page goes out with: its own inline script and style only, calls to this origin only, never
    /// framed or sniffed, the key in its address not sent on as a referrer, and never cached.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Content-Security-Policy"] = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ["X-Content-Type-Options"] = "nosniff",
        ["Referrer-Policy"] = "no-referrer",
        ["Cache-Control"] = "no-store",
    };

    private readonly HttpReply _page;

    public Dashboard()
    {
        using var stream = typeof(Dashboard).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from {typeof(Dashboard).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
        Html = reader.ReadToEnd();
        _page = new HttpReply(200, Html, ContentType: "text/html; charset=utf-8");
    }

    /// <summary>The page's HTML.</summary>
    public string Html { get; }

    /// <summary>200 with the page.</summary>
    public HttpReply Page() => _page;
}
