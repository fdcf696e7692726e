namespace TracktileFunctions.Http;

/// <summary>Base addresses for typed clients.</summary>
public static class HttpBase
{
    /// <summary>A base address whose relative paths append (a trailing slash is added when missing).</summary>
    public static Uri Address(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return new(url.EndsWith('/') ? url : url + "/", UriKind.Absolute);
    }
}
