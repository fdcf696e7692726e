using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TracktileFunctions.Shopify;

namespace TracktileFunctions.UnitTests.Shopify;

internal static class ShopifyTestSettings
{
    public const string Shop = "unit-store.myshopify.com";
    public const string Secret = "shpss_unit_secret";

    public static ShopifyOptions Options(Action<ShopifyOptions>? change = null)
    {
        var options = new ShopifyOptions
        {
            Shops = [new ShopifyShopOptions { Domain = Shop }],
            ClientId = "unit-client",
            ClientSecrets = [Secret],
            ShopUrl = "https://{shop}/",
            MaxThrottleWaitSeconds = 5,
        };
        options.Stock.Locations = [new ShopifyLocationOptions { Node = "node-1", Location = "gid://shopify/Location/1" }];
        change?.Invoke(options);
        options.Normalize();
        return options;
    }

    public static ShopifyClient Client(StubHandler handler, ShopifyOptions? options = null, ShopifyTokenCache? tokens = null)
        => new(new HttpClient(handler), tokens ?? new ShopifyTokenCache(TimeProvider.System), new ShopifyCostBuckets(TimeProvider.System), Microsoft.Extensions.Options.Options.Create(options ?? Options()),
            TimeProvider.System, NullLogger<ShopifyClient>.Instance);

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK)
        => new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    public static bool IsToken(HttpRequestMessage request) => request.RequestUri!.AbsolutePath == "/admin/oauth/access_token";

    public static HttpResponseMessage Token(string token = "shpat_granted") => Json($$"""{"access_token":"{{token}}","scope":"read_orders","expires_in":86399}""");

    public static string Cost(double requested = 10, double available = 1990, double restore = 100)
        => "{\"cost\":{\"requestedQueryCost\":" + N(requested) + ",\"actualQueryCost\":" + N(requested) + ",\"throttleStatus\":{\"maximumAvailable\":2000,\"currentlyAvailable\":"
            + N(available) + ",\"restoreRate\":" + N(restore) + "}}}";

    /// <summary>A GraphQL answer: data (and the cost extension).</summary>
    public static HttpResponseMessage Data(string data, string? extensions = null)
        => Json("{\"data\":" + data + ",\"extensions\":" + (extensions ?? Cost()) + "}");

    /// <summary>A GraphQL answer with top-level errors.</summary>
    public static HttpResponseMessage Errors(string errors, string? extensions = null, HttpStatusCode status = HttpStatusCode.OK)
        => Json("{\"errors\":" + errors + ",\"extensions\":" + (extensions ?? Cost()) + "}", status);

    private static string N(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
