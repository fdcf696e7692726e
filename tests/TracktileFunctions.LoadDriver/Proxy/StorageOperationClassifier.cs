namespace TracktileFunctions.LoadDriver.Proxy;

/// <summary>The storage service a request went to, known from the proxy port it arrived on.</summary>
internal enum StorageService
{
    Blob,
    Queue,
    Table,
}

/// <summary>What one storage request was: its service, its kind (<c>put message</c>, <c>point read</c>...) and the queue, table or container it named.</summary>
internal readonly record struct StorageOperation(StorageService Service, string Kind, string Resource);

/// <summary>
/// Names a storage REST request (Azure Storage's path-style URLs, as Azurite serves them:
/// <c>/{account}/{queue|table|container}/...</c>) by what it does, from its method, path, query and headers alone.
/// </summary>
internal static class StorageOperationClassifier
{
    public const string GetMessages = "get messages";
    public const string PutMessage = "put message";
    public const string DeleteMessage = "delete message";
    public const string UpdateMessage = "update message";
    public const string Batch = "batch";

    public static StorageOperation Classify(StorageService service, string method, string path, string query, bool hasIfMatch)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(query);
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(Uri.UnescapeDataString).ToArray(); // the account first
        var q = ParseQuery(query);
        var verb = method.ToUpperInvariant();
        return service switch
        {
            StorageService.Queue => Queue(verb, segments, q),
            StorageService.Table => Table(verb, segments, hasIfMatch),
            _ => Blob(verb, segments, q),
        };
    }

    private static StorageOperation Queue(string verb, string[] segments, Dictionary<string, string> q)
    {
        var name = segments.Length > 0 ? segments[0] : "";
        var kind = segments.Length switch
        {
            0 when verb == "GET" && Is(q, "comp", "list") => "list queues",
            0 when Is(q, "comp", "properties") => verb == "GET" ? "get service properties" : "set service properties",
            0 when Is(q, "comp", "stats") => "get service stats",
            1 when verb == "PUT" && Is(q, "comp", "metadata") => "set queue metadata",
            1 when verb is "GET" or "HEAD" && Is(q, "comp", "metadata") => "get queue properties",
            1 when verb == "PUT" && Is(q, "comp", "acl") => "set queue acl",
            1 when verb is "GET" or "HEAD" && Is(q, "comp", "acl") => "get queue acl",
            1 when verb == "PUT" => "create queue",
            1 when verb == "DELETE" => "delete queue",
            2 when verb == "POST" => PutMessage,
            2 when verb == "GET" && Is(q, "peekonly", "true") => "peek messages",
            2 when verb == "GET" => GetMessages,
            2 when verb == "DELETE" => "clear messages",
            3 when verb == "DELETE" => DeleteMessage,
            3 when verb == "PUT" => UpdateMessage,
            _ => $"other {verb}",
        };
        return new StorageOperation(StorageService.Queue, kind, name);
    }

    private static StorageOperation Table(string verb, string[] segments, bool hasIfMatch)
    {
        if (segments.Length == 0)
        {
            return new StorageOperation(StorageService.Table, $"other {verb}", "");
        }

        var first = segments[0];
        if (first == "$batch")
        {
            return new StorageOperation(StorageService.Table, Batch, "");
        }

        var open = first.IndexOf('(', StringComparison.Ordinal);
        var table = open < 0 ? first : first[..open];
        var keys = open < 0 ? "" : first[(open + 1)..].TrimEnd(')');
        if (string.Equals(table, "Tables", StringComparison.OrdinalIgnoreCase))
        {
            var kind = verb switch
            {
                "GET" => "query tables",
                "POST" => "create table",
                "DELETE" => "delete table",
                _ => $"other {verb} Tables",
            };
            return new StorageOperation(StorageService.Table, kind, keys.Trim('\''));
        }

        var isEntity = keys.Contains("PartitionKey", StringComparison.Ordinal);
        var entityKind = verb switch
        {
            "GET" when isEntity => "point read",
            "GET" => "query",
            "POST" => "insert entity",
            "PUT" when hasIfMatch => "update entity (replace, If-Match)",
            "PUT" => "upsert entity (insert or replace)",
            "MERGE" or "PATCH" when hasIfMatch => "update entity (merge, If-Match)",
            "MERGE" or "PATCH" => "upsert entity (insert or merge)",
            "DELETE" => "delete entity",
            _ => $"other {verb}",
        };
        return new StorageOperation(StorageService.Table, entityKind, table);
    }

    private static StorageOperation Blob(string verb, string[] segments, Dictionary<string, string> q)
    {
        var container = segments.Length > 0 ? segments[0] : "";
        var comp = q.GetValueOrDefault("comp", "");
        var kind = segments.Length switch
        {
            0 when comp == "list" => "list containers",
            0 => $"service {verb} {comp}".TrimEnd(),
            1 when comp == "list" => "list blobs",
            1 when comp == "lease" => "lease container",
            1 when comp == "metadata" => verb == "PUT" ? "set container metadata" : "get container metadata",
            1 when comp == "acl" => verb == "PUT" ? "set container acl" : "get container acl",
            1 when verb == "PUT" => "create container",
            1 when verb == "DELETE" => "delete container",
            1 when verb is "GET" or "HEAD" => "get container properties",
            1 => $"other container {verb}",
            _ when comp == "block" => "put block",
            _ when comp == "blocklist" => verb == "PUT" ? "put block list" : "get block list",
            _ when comp == "lease" => "lease blob",
            _ when comp == "metadata" => verb == "PUT" ? "set blob metadata" : "get blob metadata",
            _ when comp == "properties" => "set blob properties",
            _ when comp.Length > 0 => $"blob {verb} {comp}",
            _ when verb == "PUT" => "put blob",
            _ when verb == "GET" => "get blob",
            _ when verb == "HEAD" => "get blob properties",
            _ when verb == "DELETE" => "delete blob",
            _ => $"other {verb}",
        };
        return new StorageOperation(StorageService.Blob, kind, container);
    }

    private static bool Is(Dictionary<string, string> query, string key, string value)
        => query.TryGetValue(key, out var actual) && string.Equals(actual, value, StringComparison.OrdinalIgnoreCase);

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            result[key] = value;
        }

        return result;
    }
}
