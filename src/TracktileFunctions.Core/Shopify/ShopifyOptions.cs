using System.ComponentModel.DataAnnotations;
using TracktileFunctions.Http;

namespace TracktileFunctions.Shopify;

/// <summary>Shopify's GraphQL Admin API. Bound from <c>Shopify</c> (docs/connectors/shopify.md).</summary>
public sealed class ShopifyOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Shopify";

    /// <summary>The newest stable Admin API version in Shopify's docs on the day this default was set (versions are quarterly and supported 12 months).</summary>
    public const string DefaultApiVersion = "2026-10";

    /// <summary>
    /// The shops (<c>my-store.myshopify.com</c>) the app serves: their webhooks are accepted, their orders imported.
    /// Empty: Shopify is off (its webhook answers 404, its timers and endpoint do nothing).
    /// </summary>
    public List<ShopifyShopOptions> Shops { get; set; } = [];

    /// <summary>Whether Shopify is on (at least one shop).</summary>
    public bool Enabled => Shops.Count > 0;

    /// <summary>The pinned Admin API version (<c>YYYY-MM</c>); every call and every rule follows it.</summary>
    [Required]
    [RegularExpression(@"^\d{4}-(01|04|07|10)$", ErrorMessage = "Shopify:ApiVersion must be a quarterly version such as 2026-10.")]
    public string ApiVersion { get; set; } = DefaultApiVersion;

    /// <summary>Where a shop's API lives; <c>{shop}</c> is the shop's domain. Only tests change it.</summary>
    [Required]
    public string ShopUrl { get; set; } = "https://{shop}/";

    /// <summary>The Dev Dashboard app's client id (the client credentials grant); not needed with per-shop access tokens.</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// The app's client secrets: the first signs the client credentials grant, every one is accepted on webhooks
    /// (old and new during a rotation; Shopify may take up to an hour to switch).
    /// </summary>
    public List<string> ClientSecrets { get; set; } = [];

    /// <summary>Orders imported from Shopify into Tracktile.</summary>
    [Required]
    public ShopifyOrderOptions Orders { get; set; } = new();

    /// <summary>Stock kept right in Shopify from Tracktile's inventory events.</summary>
    [Required]
    public ShopifyStockOptions Stock { get; set; } = new();

    /// <summary>The public URL of this app's Shopify webhook, for the subscriptions the app creates (<c>https://app.example.com/api/webhooks/shopify</c>).</summary>
    public string? WebhookUrl { get; set; }


    /// <summary>
    /// Timeouts, retries and the cap on calls in flight. Retries here are for connection failures and 5xx; throttling
    /// (the cost bucket) is waited out by the client itself.
    /// </summary>
    [Required]
    public ApiResilienceOptions Resilience { get; set; } = new() { MaxConcurrency = 4 };

    /// <summary>How long the client waits in total for the cost bucket to refill before it gives the event back to the queue.</summary>
    [Range(1, 600)]
    public int MaxThrottleWaitSeconds { get; set; } = 60;

    /// <summary>Reads empty app settings as unset ones (Azure cannot tell them apart).</summary>
    public void Normalize()
    {
        ClientSecrets = [.. ClientSecrets.Where(s => !string.IsNullOrWhiteSpace(s))];
        Shops = [.. Shops.Where(s => !string.IsNullOrWhiteSpace(s.Domain))];
        foreach (var shop in Shops)
        {
            shop.Domain = shop.Domain.Trim().ToLowerInvariant();
            shop.AccessToken = string.IsNullOrWhiteSpace(shop.AccessToken) ? null : shop.AccessToken.Trim();
            shop.ShortIdPrefix = string.IsNullOrWhiteSpace(shop.ShortIdPrefix) ? null : shop.ShortIdPrefix.Trim();
        }

        // An empty app setting is an unset one: the defaults stand.
        ApiVersion = Default(ApiVersion, DefaultApiVersion);
        Stock.QuantityName = Default(Stock.QuantityName, "available");
        Stock.RepairQuantityName = Default(Stock.RepairQuantityName, "on_hand");
        Stock.Reason = Default(Stock.Reason, "correction");
        Stock.RepairReason = Default(Stock.RepairReason, "cycle_count_available");
        Orders.CancelledStatus = Default(Orders.CancelledStatus, "cancelled");

        ClientId = string.IsNullOrWhiteSpace(ClientId) ? null : ClientId.Trim();
        WebhookUrl = string.IsNullOrWhiteSpace(WebhookUrl) ? null : WebhookUrl.Trim();
        Orders.Normalize();
        Stock.Normalize();
    }

    private static string Default(string? value, string fallback) => string.IsNullOrWhiteSpace(value) ? fallback : value.Trim();

    /// <summary>The <c>shortId</c> prefix of a shop's orders: its own, or the common one.</summary>
    public string ShortIdPrefixOf(string shop) => Shop(shop)?.ShortIdPrefix ?? Orders.ShortIdPrefix;

    /// <summary>The configured shop with this domain, or null.</summary>
    public ShopifyShopOptions? Shop(string? domain)
        => domain is null ? null : Shops.FirstOrDefault(s => string.Equals(s.Domain, domain.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        foreach (var shop in Shops)
        {
            if (!ShopifyShopOptions.IsShopDomain(shop.Domain))
            {
                yield return new ValidationResult($"Shopify:Shops: '{shop.Domain}' is not a shop domain (my-store.myshopify.com).", [nameof(Shops)]);
            }

            if (shop.AccessToken is null && (ClientId is null || ClientSecrets.Count == 0))
            {
                yield return new ValidationResult(
                    $"Shopify: shop {shop.Domain} needs an Admin API access token (Shopify:Shops:N:AccessToken) or the app's Shopify:ClientId and Shopify:ClientSecrets:0 (client credentials grant).",
                    [nameof(ClientId)]);
            }
        }

        if (ClientSecrets.Count == 0)
        {
            yield return new ValidationResult(
                "Shopify:ClientSecrets:0 is required: Shopify signs webhooks with the app's client secret.", [nameof(ClientSecrets)]);
        }

        if (!ShopUrl.Contains("{shop}", StringComparison.Ordinal) || !Uri.TryCreate(ShopUrl.Replace("{shop}", "x.myshopify.com", StringComparison.Ordinal), UriKind.Absolute, out _))
        {
            yield return new ValidationResult("Shopify:ShopUrl must be an absolute URL containing {shop}.", [nameof(ShopUrl)]);
        }

        if (WebhookUrl is not null && !Uri.TryCreate(WebhookUrl, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("Shopify:WebhookUrl must be an absolute URL.", [nameof(WebhookUrl)]);
        }

        var prefixes = Shops.Select(s => ShortIdPrefixOf(s.Domain)).ToList();
        if (prefixes.Distinct(StringComparer.Ordinal).Count() < prefixes.Count)
        {
            yield return new ValidationResult(
                "Shopify:Shops:N:ShortIdPrefix: with several shops each needs its own prefix (order names such as #1001 repeat across shops, and Tracktile's shortId must not).",
                [nameof(Shops)]);
        }

        foreach (var problem in Stock.Problems(this))
        {
            yield return new ValidationResult(problem);
        }
    }
}

/// <summary>One shop.</summary>
public sealed class ShopifyShopOptions
{
    /// <summary>The shop's domain, <c>my-store.myshopify.com</c>.</summary>
    public string Domain { get; set; } = "";

    /// <summary>A store's Admin API access token (<c>shpat_...</c>), instead of the client credentials grant.</summary>
    public string? AccessToken { get; set; }

    /// <summary>This shop's <c>shortId</c> prefix, instead of <c>Shopify:Orders:ShortIdPrefix</c>; with several shops each needs its own (order names repeat across shops).</summary>
    public string? ShortIdPrefix { get; set; }

    /// <summary>Whether <paramref name="domain"/> is a <c>*.myshopify.com</c> host name.</summary>
    public static bool IsShopDomain(string domain)
        => domain.EndsWith(".myshopify.com", StringComparison.OrdinalIgnoreCase) && domain.Length > ".myshopify.com".Length
            && Uri.CheckHostName(domain) == UriHostNameType.Dns;
}

/// <summary>Shopify orders -> Tracktile orders.</summary>
public sealed class ShopifyOrderOptions : Store.StoreOrderOptions
{
    /// <summary>How far back the reconciliation looks on its first run (hours).</summary>
    [Range(1, 24 * 60)]
    public int ReconcileInitialHours { get; set; } = 24;

    /// <summary>How much each reconciliation run overlaps the previous one (seconds), for clocks and slow writes.</summary>
    [Range(0, 3_600)]
    public int ReconcileOverlapSeconds { get; set; } = 300;
}

/// <summary>Tracktile inventory -> Shopify stock.</summary>
public sealed class ShopifyStockOptions
{
    /// <summary>
    /// Tracktile node -> Shopify location (<c>gid://shopify/Location/123</c>) and the shop it belongs to (optional with
    /// one shop). List form: <c>Stock:Locations:0:Node</c>, <c>:Location</c>, <c>:Shop</c>. A node not listed is not
    /// sold in a web store: its movements change nothing in Shopify.
    /// </summary>
    public List<ShopifyLocationOptions> Locations { get; set; } = [];

    /// <summary>The quantity the stock events move (Shopify's inventory state).</summary>
    [Required]
    public string QuantityName { get; set; } = "available";

    /// <summary>
    /// The quantity the drift repair compares with Tracktile's totals and sets. Default <c>on_hand</c>: Tracktile counts
    /// what is physically there, and Shopify's <c>available</c> is that less what open orders have committed.
    /// </summary>
    [Required]
    public string RepairQuantityName { get; set; } = "on_hand";

    /// <summary>The <c>reason</c> sent with the movements (one of Shopify's documented reasons).</summary>
    [Required]
    public string Reason { get; set; } = "correction";

    /// <summary>The <c>reason</c> sent with drift repairs.</summary>
    [Required]
    public string RepairReason { get; set; } = "cycle_count_available";

    /// <summary>Whether the drift repair sets Shopify (false: it only reports the differences).</summary>
    public bool RepairApplies { get; set; } = true;

    internal void Normalize()
        => Locations = [.. Locations.Where(l => !string.IsNullOrWhiteSpace(l.Node) || !string.IsNullOrWhiteSpace(l.Location))];

    internal IEnumerable<string> Problems(ShopifyOptions options)
    {
        for (var i = 0; i < Locations.Count; i++)
        {
            var location = Locations[i];
            if (string.IsNullOrWhiteSpace(location.Node) || !location.Location.StartsWith("gid://shopify/Location/", StringComparison.Ordinal))
            {
                yield return $"Shopify:Stock:Locations:{i} needs Node and Location (gid://shopify/Location/...).";
            }

            if (location.Shop is { Length: > 0 } shop ? options.Shop(shop) is null : options.Shops.Count > 1)
            {
                yield return $"Shopify:Stock:Locations:{i}:Shop must name one of Shopify:Shops (required with several shops).";
            }
        }
    }

    /// <summary>Where a Tracktile node's stock is in Shopify, or null when it is not sold there.</summary>
    public (string Shop, string Location)? For(string nodeId, ShopifyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var entry = Locations.FirstOrDefault(l => l.Node == nodeId);
        return entry is null ? null : (entry.Shop is { Length: > 0 } shop ? shop.ToLowerInvariant() : options.Shops[0].Domain, entry.Location);
    }
}

/// <summary>One Tracktile node sold in one Shopify location.</summary>
public sealed class ShopifyLocationOptions
{
    /// <summary>The Tracktile node id.</summary>
    public string Node { get; set; } = "";

    /// <summary>The Shopify location's GraphQL id.</summary>
    public string Location { get; set; } = "";

    /// <summary>The shop's domain (optional with one shop).</summary>
    public string? Shop { get; set; }
}
