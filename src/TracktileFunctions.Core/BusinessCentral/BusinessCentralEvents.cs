using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.BusinessCentral;

/// <summary>
/// Business Central change events, from a notification or from the reconciliation: the same change gets the same id
/// either way (<c>customers(&lt;id&gt;)@&lt;lastModifiedDateTime&gt;</c>), so the ledger applies it once.
/// </summary>
public static partial class BusinessCentralEvents
{
    /// <summary>The event of a notification entry.</summary>
    public static EventEnvelope Envelope(JsonObject entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var resource = (string?)entry["resource"] ?? "";
        var changeType = (string?)entry["changeType"] ?? "updated";
        var modified = (string?)entry["lastModifiedDateTime"];
        DateTimeOffset? time = DateTimeOffset.TryParse(modified, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
        var (set, id) = Parse(resource);
        var subject = id is null ? $"{changeType}:{Hash(resource)}" : $"{set}({id})";
        return new EventEnvelope(EventId(subject, time), $"businesscentral.{set ?? "unknown"}.{changeType}", time);
    }

    /// <summary>The entry the reconciliation makes for an entity it found changed.</summary>
    public static JsonObject Entry(string entitySet, string id, string? lastModified)
        => new()
        {
            ["resource"] = $"/api/v2.0/companies/{entitySet}({id})", // the company is the configured one
            ["changeType"] = "updated",
            ["lastModifiedDateTime"] = lastModified,
            ["origin"] = "reconciliation",
        };

    /// <summary>The entity set and (for one entity) its id of a notification's <c>resource</c>.</summary>
    public static (string? EntitySet, string? Id) Parse(string resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var path = resource.Split('?', 2)[0].TrimEnd('/');
        var match = ResourcePattern().Match(path);
        return match.Success ? (match.Groups["set"].Value, match.Groups["id"].Success && match.Groups["id"].Value.Length > 0 ? match.Groups["id"].Value : null) : (null, null);
    }

    /// <summary>The <c>$filter</c> of a <c>collection</c> notification's resource, or null.</summary>
    public static string? Filter(string resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var query = resource.Split('?', 2) is [_, var q] ? q : "";
        foreach (var pair in query.Split('&'))
        {
            var parts = pair.Split('=', 2);
            if (parts.Length == 2 && Uri.UnescapeDataString(parts[0]) == "$filter")
            {
                return Uri.UnescapeDataString(parts[1].Replace('+', ' '));
            }
        }

        return null;
    }

    private static string EventId(string subject, DateTimeOffset? time)
        => $"{subject}@{time?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture) ?? "unknown"}";

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];

    [GeneratedRegex(@"/(?<set>[A-Za-z]+)(\((?<id>[0-9A-Fa-f-]{36})\))?$")]
    private static partial Regex ResourcePattern();
}
