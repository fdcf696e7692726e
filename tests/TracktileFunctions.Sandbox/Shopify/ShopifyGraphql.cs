using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GraphQLParser;
using GraphQLParser.AST;
using TracktileFunctions.Sandbox.Hosting;

namespace TracktileFunctions.Sandbox.Shopify;

/// <summary>Relay connections over a sorted list, with opaque cursors, as Shopify pages them.</summary>
internal static class GqlConnection
{
    /// <summary>
    /// A <paramref name="typeName"/> over <paramref name="items"/> (already filtered and sorted): <c>first</c>/<c>after</c> or
    /// <c>last</c>/<c>before</c>, with <c>nodes</c>, <c>edges { cursor node }</c> and <c>pageInfo</c>.
    /// </summary>
    public static GqlObject Create<T>(string typeName, IReadOnlyList<T> items, Func<T, string> key, Func<T, GqlObject> node, GqlArgs args)
    {
        var first = args.Int("first");
        var last = args.Int("last");
        if (first is null && last is null)
        {
            throw new GqlException("you must provide one of first or last", "BAD_REQUEST");
        }

        if (first > 250 || last > 250)
        {
            throw new GqlException("The maximum page size is 250.", "BAD_REQUEST");
        }

        var start = 0;
        var end = items.Count;
        if (args.String("after") is { } after)
        {
            var at = IndexOf(items, key, after);
            start = at + 1;
        }

        if (args.String("before") is { } before)
        {
            end = Math.Max(start, IndexOf(items, key, before));
        }

        var window = items.Skip(start).Take(end - start).ToList();
        var hasNext = end < items.Count;
        var hasPrevious = start > 0;
        if (first is { } f && window.Count > f)
        {
            window = window[..f];
            hasNext = true;
        }

        if (last is { } l && window.Count > l)
        {
            window = window[^l..];
            hasPrevious = true;
        }

        var edges = window.Select(item => new GqlObject(typeName.Replace("Connection", "Edge", StringComparison.Ordinal), 0)
            .Set("cursor", Encode(key(item)))
            .Set("node", node(item))).ToList();
        var pageInfo = new GqlObject("PageInfo", 0)
            .Set("hasNextPage", hasNext)
            .Set("hasPreviousPage", hasPrevious)
            .Set("startCursor", window.Count == 0 ? null : Encode(key(window[0])))
            .Set("endCursor", window.Count == 0 ? null : Encode(key(window[^1])));
        return new GqlObject(typeName, 2)
            .Set("nodes", window.Select(node).ToList())
            .Set("edges", edges)
            .Set("pageInfo", pageInfo);
    }

    private static int IndexOf<T>(IReadOnlyList<T> items, Func<T, string> key, string cursor)
    {
        string decoded;
        try
        {
            decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
        }
        catch (FormatException)
        {
            throw new GqlException($"Invalid cursor for current pagination sort.", "BAD_REQUEST");
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (key(items[i]) == decoded)
            {
                return i;
            }
        }

        // The item is gone: place the cursor by its sort key, as a real cursor (a sort-key snapshot) would.
        var position = 0;
        while (position < items.Count && string.CompareOrdinal(key(items[position]), decoded) < 0)
        {
            position++;
        }

        return position - 1;
    }

    private static string Encode(string key) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key));
}

/// <summary>Shopify's GraphQL dialect: the object types the fake resolves, and times as <see cref="ShopifyFormat.GraphqlTime"/>.</summary>
internal static class ShopifyGql
{
    public static GqlDialect Dialect { get; } = new(
        new HashSet<string>(StringComparer.Ordinal)
        {
            "ProductVariant", "InventoryItem", "InventoryLevel", "Location", "Order", "LineItem", "Customer", "Shop",
            "WebhookSubscription", "InventoryAdjustmentGroup", "InventoryChange", "InventoryQuantity", "MoneyBag", "MoneyV2",
            "PageInfo", "WebhookHttpEndpoint", "ApiVersion", "Product", "MailingAddress",
        },
        ShopifyFormat.GraphqlTime);
}

/// <summary>How Shopify writes times and money.</summary>
internal static class ShopifyFormat
{
    /// <summary>GraphQL <c>DateTime</c>: UTC, seconds, <c>Z</c> (<c>2026-01-15T10:30:00Z</c>).</summary>
    public static string GraphqlTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>REST (webhook payload) times: the shop's offset, <c>2026-01-15T05:30:00-05:00</c>.</summary>
    public static string RestTime(DateTimeOffset time, TimeSpan offset) => time.ToOffset(offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>Money as Shopify writes a decimal: a string with two decimals (<c>"9.50"</c>).</summary>
    public static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A sort key that orders as the value does: fixed-width numbers.</summary>
    public static string SortKey(long value) => value.ToString("D20", CultureInfo.InvariantCulture);

    public static string SortKey(DateTimeOffset value) => value.UtcTicks.ToString("D20", CultureInfo.InvariantCulture);

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}
