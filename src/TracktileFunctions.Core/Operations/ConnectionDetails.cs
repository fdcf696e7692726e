using System.Globalization;

namespace TracktileFunctions.Operations;

/// <summary>How connection checks write facts in their details.</summary>
internal static class ConnectionDetails
{
    /// <summary>A time: <c>2027-03-01T10:00:00Z (in 97 days)</c>, or <c>2026-12-01T07:00:00Z (3 hours ago)</c>.</summary>
    public static string When(DateTimeOffset at, DateTimeOffset now)
    {
        var text = at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var span = (at - now).Duration();
        var (count, unit) = span >= TimeSpan.FromDays(1) ? ((int)span.TotalDays, "day")
            : span >= TimeSpan.FromHours(1) ? ((int)span.TotalHours, "hour")
            : ((int)span.TotalMinutes, "minute");
        var amount = string.Create(CultureInfo.InvariantCulture, $"{count} {unit}{(count == 1 ? "" : "s")}");
        return at >= now ? $"{text} (in {amount})" : $"{text} ({amount} ago)";
    }

    /// <summary>A URL without its user info, query or fragment (a key may sit there).</summary>
    public static string Display(string? url)
        => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "(not a URL)";
}
