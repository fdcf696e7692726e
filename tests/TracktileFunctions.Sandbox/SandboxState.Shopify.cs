using System.Security.Cryptography;
using TracktileFunctions.Sandbox.Shopify;

namespace TracktileFunctions.Sandbox;

public sealed partial class SandboxState
{
    /// <summary>The seeded shop's domain (the <c>{shop}</c> of <c>/shopify/{shop}/</c>).</summary>
    public const string ShopifyShop = "tracktile-sandbox.myshopify.com";

    /// <summary>A second seeded shop, for multi-shop tests.</summary>
    public const string ShopifySecondShop = "second-sandbox.myshopify.com";

    /// <summary>The app's client id (for the client credentials grant).</summary>
    public const string ShopifyClientId = "sandbox-shopify-client-id";

    /// <summary>The app's client secret: the token grant's credential and, as in Shopify, the webhook HMAC key.</summary>
    public const string ShopifyClientSecret = "shpss_sandbox_client_secret";

    /// <summary>A non-expiring Admin API token seeded for every shop (a legacy custom app's).</summary>
    public const string ShopifyStaticToken = "shpat_sandbox_static_token";

    /// <summary>The scopes granted to issued tokens.</summary>
    public const string ShopifyScopes = "read_orders,read_products,write_inventory,read_locations";

    /// <summary>The lifetime of a client-credentials token, in seconds (Shopify: 24 h less a second).</summary>
    public const int ShopifyTokenLifetimeSeconds = 86399;

    /// <summary>The first seeded location of every shop, "Main warehouse".</summary>
    public const string ShopifyMainLocationId = "gid://shopify/Location/1001";

    /// <summary>The second seeded location of every shop, "Retail store".</summary>
    public const string ShopifyRetailLocationId = "gid://shopify/Location/1002";

    /// <summary>Quantity names <c>inventoryAdjustQuantities</c> accepts (on_hand is derived, and set by <c>inventorySetQuantities</c>).</summary>
    internal static readonly string[] ShopifyAdjustableNames = ["available", "committed", "damaged", "incoming", "quality_control", "reserved", "safety_stock"];

    /// <summary>Every quantity name <c>InventoryLevel.quantities</c> answers.</summary>
    internal static readonly string[] ShopifyQuantityNamesPublic = ["available", "committed", "damaged", "incoming", "on_hand", "quality_control", "reserved", "safety_stock", "unavailable"];

    /// <summary>The documented reasons of inventory changes.</summary>
    internal static readonly string[] ShopifyReasons =
    [
        "correction", "cycle_count_available", "damaged", "movement_canceled", "movement_created", "movement_received",
        "movement_updated", "other", "promotion", "quality_control", "received", "reservation_created",
        "reservation_deleted", "reservation_updated", "restock", "safety_stock", "shrinkage",
    ];

    private readonly Dictionary<string, ShopData> _shopifyShops = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (string Shop, DateTimeOffset Expires)> _shopifyTokens = new(StringComparer.Ordinal);
    private readonly List<ShopifyAdjustment> _shopifyAdjustments = [];
    private readonly List<ShopifyWebhookDelivery> _shopifyDeliveries = [];
    private long _shopifyNextId = 1;
    private int _shopifyTokensIssued;
    private int _shopifyThrottled;
    private int _shopifyGraphqlRequests;
    private double _shopifyMaximumAvailable = 2000;
    private double _shopifyRestoreRate = 100;
    private int _shopifyThrottleStatusCode = 200;
    private bool _suppressShopifyWebhooks;
    private bool _shopifyReadAllOrders;
    private TimeSpan _shopifyIdempotencyRetention = TimeSpan.FromHours(24);
    private TimeSpan? _shopifyMutationDelay;
    private double _shopifyInitialMaximum = 2000;
    private double _shopifyInitialRestore = 100;

    /// <summary>The shops the fake knows (seeded: <see cref="ShopifyShop"/>, <see cref="ShopifySecondShop"/>).</summary>
    public IReadOnlyList<string> ShopifyShops
    {
        get
        {
            lock (_gate)
            {
                EnsureShopifySeeded();
                return [.. _shopifyShops.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>How many client-credentials tokens were issued.</summary>
    public int ShopifyTokensIssued => Read(() => _shopifyTokensIssued);

    /// <summary>How many GraphQL requests were answered THROTTLED.</summary>
    public int ShopifyThrottledCount => Read(() => _shopifyThrottled);

    /// <summary>How many GraphQL requests were authenticated and validated (throttled ones included).</summary>
    public int ShopifyGraphqlRequests => Read(() => _shopifyGraphqlRequests);

    /// <summary>The bucket size of every shop (Shopify: per plan; options default 2000).</summary>
    public double ShopifyMaximumAvailable
    {
        get => Read(() => _shopifyMaximumAvailable);
        set => Write(() =>
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _shopifyMaximumAvailable = value;
            foreach (var shop in _shopifyShops.Values)
            {
                shop.Available = Math.Min(shop.Available, value);
            }
        });
    }

    /// <summary>Points restored per second (Standard plan 100).</summary>
    public double ShopifyRestoreRate
    {
        get => Read(() => _shopifyRestoreRate);
        set => Write(() =>
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _shopifyRestoreRate = value;
        });
    }

    /// <summary>The HTTP status of a THROTTLED answer: 200 (the GraphQL Admin API's usual) or 429 (with <c>Retry-After</c>).</summary>
    public int ShopifyThrottleStatusCode
    {
        get => Read(() => _shopifyThrottleStatusCode);
        set => Write(() =>
        {
            if (value is not (200 or 429))
            {
                throw new ArgumentOutOfRangeException(nameof(value), "200 or 429.");
            }

            _shopifyThrottleStatusCode = value;
        });
    }

    /// <summary>When true, order changes deliver no webhook (a missed delivery; reconciliation must find the change).</summary>
    public bool SuppressShopifyWebhooks
    {
        get => Read(() => _suppressShopifyWebhooks);
        set => Write(() => _suppressShopifyWebhooks = value);
    }

    /// <summary>
    /// Whether the app has <c>read_all_orders</c>; false (the granted scopes) limits <c>orders</c> to those created in
    /// the last 60 days, as Shopify does.
    /// </summary>
    public bool ShopifyReadAllOrders
    {
        get => Read(() => _shopifyReadAllOrders);
        set => Write(() => _shopifyReadAllOrders = value);
    }

    /// <summary>How long an idempotency key's result is kept for replays (assumed 24 h: the docs' window was not found).</summary>
    public TimeSpan ShopifyIdempotencyRetention
    {
        get => Read(() => _shopifyIdempotencyRetention);
        set => Write(() => _shopifyIdempotencyRetention = value);
    }

    /// <summary>A wait inside every inventory mutation before it applies (to test IDEMPOTENCY_CONCURRENT_REQUEST); none when null.</summary>
    public TimeSpan? ShopifyMutationDelay
    {
        get => Read(() => _shopifyMutationDelay);
        set => Write(() => _shopifyMutationDelay = value);
    }

    /// <summary>Every adjustment group applied, oldest first (replays add none).</summary>
    public IReadOnlyList<ShopifyAdjustment> ShopifyAdjustments => Read(() => (IReadOnlyList<ShopifyAdjustment>)[.. _shopifyAdjustments]);

    /// <summary>Every webhook POST made, oldest first.</summary>
    public IReadOnlyList<ShopifyWebhookDelivery> ShopifyWebhookDeliveries => Read(() => (IReadOnlyList<ShopifyWebhookDelivery>)[.. _shopifyDeliveries]);

    /// <summary>Base64 HMAC-SHA256 of <paramref name="body"/> keyed with <paramref name="secret"/>'s UTF-8 bytes (<c>X-Shopify-Hmac-Sha256</c>).</summary>
    public static string SignShopifyWebhook(ReadOnlySpan<byte> body, string secret = ShopifyClientSecret)
        => Convert.ToBase64String(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Adds a location to a shop; returns its GraphQL id.</summary>
    public string SeedShopifyLocation(string shop, string name, bool isActive = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_gate)
        {
            var data = Shop(shop);
            var id = _shopifyNextId++ + 2000;
            data.Locations[id] = new ShopifyLocation(ShopifyGid.Of("Location", id), id, name, isActive);
            return ShopifyGid.Of("Location", id);
        }
    }

    /// <summary>
    /// Adds a product with one variant of <paramref name="sku"/> and its inventory item, stocked at each location of
    /// <paramref name="stock"/> (none: stocked nowhere).
    /// </summary>
    /// <exception cref="ArgumentException">The shop or a location is unknown.</exception>
    public ShopifyVariant SeedShopifyVariant(string shop, string? sku, IEnumerable<ShopifyStock>? stock = null, string title = "Default Title", bool tracked = true)
    {
        lock (_gate)
        {
            var data = Shop(shop);
            var id = NextShopifyId();
            var variant = new ShopifyVariant(
                ShopifyGid.Of("ProductVariant", 44_000_000_000 + id), 44_000_000_000 + id, sku, title,
                ShopifyGid.Of("InventoryItem", 46_000_000_000 + id), ShopifyGid.Of("Product", 8_000_000_000 + id), tracked);
            var levels = new Dictionary<long, Dictionary<string, int>>();
            foreach (var s in stock ?? [])
            {
                if (!ShopifyGid.TryParse(s.LocationId, "Location", out var location) || !data.Locations.ContainsKey(location))
                {
                    throw new ArgumentException($"Unknown location {s.LocationId} in {shop}.", nameof(stock));
                }

                levels[location] = new Dictionary<string, int>(StringComparer.Ordinal)
                {
                    ["available"] = s.Available, ["committed"] = s.Committed, ["incoming"] = s.Incoming, ["reserved"] = s.Reserved,
                    ["damaged"] = s.Damaged, ["quality_control"] = s.QualityControl, ["safety_stock"] = s.SafetyStock,
                };
            }

            data.Variants.Add(variant);
            data.Levels[46_000_000_000 + id] = levels;
            return variant;
        }
    }

    /// <summary>A quantity (<c>available</c>, <c>on_hand</c>, <c>committed</c>...) of an item at a location; null when not stocked there.</summary>
    public int? ShopifyQuantity(string shop, string inventoryItemId, string locationId, string name)
    {
        lock (_gate)
        {
            var data = Shop(shop);
            return ShopifyGid.TryParse(inventoryItemId, "InventoryItem", out var item) && ShopifyGid.TryParse(locationId, "Location", out var location)
                   && data.Levels.TryGetValue(item, out var levels) && levels.TryGetValue(location, out var quantities)
                ? QuantityOf(quantities, name)
                : null;
        }
    }

    /// <summary>The shop's variants, by id.</summary>
    public IReadOnlyList<ShopifyVariant> ShopifyVariants(string shop) => Read(() => (IReadOnlyList<ShopifyVariant>)[.. Shop(shop).Variants]);

    /// <summary>The shop's orders, by id.</summary>
    public IReadOnlyList<ShopifyOrder> ShopifyOrders(string shop) => Read(() => (IReadOnlyList<ShopifyOrder>)[.. Shop(shop).Orders.Values.OrderBy(o => o.Id)]);

    /// <summary>The shop's webhook subscriptions, oldest first.</summary>
    public IReadOnlyList<ShopifyWebhookSubscription> ShopifyWebhookSubscriptions(string shop)
        => Read(() => (IReadOnlyList<ShopifyWebhookSubscription>)[.. Shop(shop).Subscriptions]);

    /// <summary>Makes every issued token expired (the static tokens stay valid).</summary>
    public void ExpireShopifyTokens() => Write(() =>
    {
        foreach (var key in _shopifyTokens.Keys.ToList())
        {
            _shopifyTokens[key] = (_shopifyTokens[key].Shop, DateTimeOffset.MinValue);
        }
    });

    /// <summary>Sets a shop's bucket to <paramref name="points"/> now (then it restores at <see cref="ShopifyRestoreRate"/>).</summary>
    public void SetShopifyCurrentlyAvailable(string shop, double points) => Write(() =>
    {
        var data = Shop(shop);
        data.Available = Math.Clamp(points, 0, _shopifyMaximumAvailable);
        data.BucketTime = TimeProvider.GetUtcNow();
    });

    /// <summary>Places an order (Shopify's <c>orders/create</c>), and delivers it to every <c>ORDERS_CREATE</c> subscription.</summary>
    public async Task<ShopifyOrderEvent> CreateShopifyOrderAsync(string shop, ShopifyOrderSeed seed, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ShopifyOrder order;
        lock (_gate)
        {
            var data = Shop(shop);
            var now = TimeProvider.GetUtcNow();
            var id = 5_000_000_000 + NextShopifyId();
            var number = 1001 + data.Orders.Count;
            var lines = seed.LineItems.Select(line =>
            {
                var variant = line.VariantId is { } v ? data.Variants.Find(x => x.Id == v)
                    : data.Variants.Find(x => x.Sku is not null && string.Equals(x.Sku, line.Sku, StringComparison.Ordinal));
                return new ShopifyLineItem(
                    13_000_000_000 + NextShopifyId(),
                    variant?.LegacyResourceId,
                    variant is null ? null : long.Parse(variant.ProductId.AsSpan(variant.ProductId.LastIndexOf('/') + 1), System.Globalization.CultureInfo.InvariantCulture),
                    line.Sku,
                    line.Title,
                    line.Quantity,
                    seed.FulfillmentStatus == "fulfilled" ? 0 : line.Quantity,
                    line.Price);
            }).ToList();
            var customer = seed.Customer is { } c ? new ShopifyCustomer(7_000_000_000 + NextShopifyId(), c.Email, c.FirstName, c.LastName) : null;
            order = new ShopifyOrder(
                id, "#" + number.ToString(System.Globalization.CultureInfo.InvariantCulture), number, seed.CreatedAt ?? now, now, null, null,
                seed.FinancialStatus, seed.FulfillmentStatus, seed.Currency, seed.Email, customer, seed.ShippingAddress, lines);
            data.Orders[id] = order;
        }

        return new ShopifyOrderEvent(order, await DeliverShopifyTopicsAsync(shop, order, ["ORDERS_CREATE"], ct));
    }

    /// <summary>
    /// Changes an order (its id, number and creation are kept), bumps <c>updated_at</c> to now and delivers
    /// <c>orders/updated</c>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such order.</exception>
    public async Task<ShopifyOrderEvent> UpdateShopifyOrderAsync(string shop, long orderId, Func<ShopifyOrder, ShopifyOrder> change, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        ShopifyOrder order;
        lock (_gate)
        {
            var data = Shop(shop);
            var current = data.Orders.GetValueOrDefault(orderId) ?? throw new KeyNotFoundException($"No order {orderId} in {shop}.");
            order = change(current) with { Id = current.Id, Name = current.Name, OrderNumber = current.OrderNumber, CreatedAt = current.CreatedAt, UpdatedAt = TimeProvider.GetUtcNow() };
            data.Orders[orderId] = order;
        }

        return new ShopifyOrderEvent(order, await DeliverShopifyTopicsAsync(shop, order, ["ORDERS_UPDATED"], ct));
    }

    /// <summary>Cancels an order (sets <c>cancelled_at</c>, bumps <c>updated_at</c>) and delivers <c>orders/cancelled</c> then <c>orders/updated</c>.</summary>
    public async Task<ShopifyOrderEvent> CancelShopifyOrderAsync(string shop, long orderId, string reason = "customer", CancellationToken ct = default)
    {
        ShopifyOrder order;
        lock (_gate)
        {
            var data = Shop(shop);
            var current = data.Orders.GetValueOrDefault(orderId) ?? throw new KeyNotFoundException($"No order {orderId} in {shop}.");
            var now = TimeProvider.GetUtcNow();
            order = current with { CancelledAt = now, CancelReason = reason, UpdatedAt = now };
            data.Orders[orderId] = order;
        }

        return new ShopifyOrderEvent(order, await DeliverShopifyTopicsAsync(shop, order, ["ORDERS_CANCELLED", "ORDERS_UPDATED"], ct));
    }

    /// <summary>The exact bytes of the REST-shaped order payload a webhook for <paramref name="order"/> carries.</summary>
    public byte[] ShopifyWebhookPayload(string shop, ShopifyOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        TimeSpan offset;
        lock (_gate)
        {
            offset = Shop(shop).UtcOffset;
        }

        return ShopifyWebhooks.OrderPayload(order, offset);
    }

    /// <summary>
    /// Sends one webhook exactly as Shopify does (headers, HMAC with <paramref name="secret"/>, 5 s timeout) to
    /// <paramref name="target"/> (loopback only), and records it. A given <paramref name="webhookId"/> resends a delivery
    /// as Shopify's retries do (same <c>X-Shopify-Webhook-Id</c>); <paramref name="triggeredAt"/> defaults to now.
    /// </summary>
    /// <param name="topic">The REST topic, e.g. <c>orders/create</c>.</param>
    public async Task<ShopifyWebhookDelivery> SendShopifyWebhookAsync(
        string shop,
        string topic,
        ShopifyOrder order,
        Uri target,
        string? webhookId = null,
        DateTimeOffset? triggeredAt = null,
        string? eventId = null,
        string? apiVersion = null,
        string secret = ShopifyClientSecret,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var body = ShopifyWebhookPayload(shop, order);
        var delivery = await ShopifyWebhooks.SendAsync(
            new ShopifyWebhookRequest(shop, topic, target, webhookId ?? Guid.NewGuid().ToString(), eventId ?? Guid.NewGuid().ToString(),
                triggeredAt ?? TimeProvider.GetUtcNow(), apiVersion ?? ShopifyVersions[^1], body, secret, null),
            ct);
        Write(() => _shopifyDeliveries.Add(delivery));
        return delivery;
    }

    /// <summary>The versions Shopify serves here, oldest first (each with a schema file).</summary>
    public static IReadOnlyList<string> ShopifyVersions { get; } = ["2025-10", "2026-01", "2026-04", "2026-07", "2026-10"];

    internal void ConfigureShopify(SandboxOptions options)
    {
        lock (_gate)
        {
            _shopifyInitialMaximum = _shopifyMaximumAvailable = options.ShopifyMaximumAvailable;
            _shopifyInitialRestore = _shopifyRestoreRate = options.ShopifyRestoreRate;
            _shopifyShops.Clear();
            EnsureShopifySeeded();
        }
    }

    internal bool ShopifyShopExists(string shop) => Read(() =>
    {
        EnsureShopifySeeded();
        return _shopifyShops.ContainsKey(shop);
    });

    internal string IssueShopifyToken(string shop) => Write(() =>
    {
        var token = "shpat_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _shopifyTokens[token] = (shop, TimeProvider.GetUtcNow().AddSeconds(ShopifyTokenLifetimeSeconds));
        _shopifyTokensIssued++;
        return token;
    });

    internal bool IsShopifyTokenValid(string shop, string? token) => Read(() =>
        token is not null
        && (token == ShopifyStaticToken
            || (_shopifyTokens.TryGetValue(token, out var issued) && string.Equals(issued.Shop, shop, StringComparison.OrdinalIgnoreCase)
                && TimeProvider.GetUtcNow() < issued.Expires)));

    /// <summary>The bucket after restoring; takes <paramref name="cost"/> when it fits. (taken, currentlyAvailable after).</summary>
    internal (bool Taken, double Available, double Maximum, double Rate) TakeShopifyPoints(string shop, int cost) => Write(() =>
    {
        var data = Shop(shop);
        Restore(data);
        _shopifyGraphqlRequests++;
        if (cost > data.Available)
        {
            _shopifyThrottled++;
            return (false, data.Available, _shopifyMaximumAvailable, _shopifyRestoreRate);
        }

        data.Available -= cost;
        return (true, data.Available, _shopifyMaximumAvailable, _shopifyRestoreRate);
    });

    /// <summary>Gives back the part of the requested cost not used; returns the bucket then.</summary>
    internal (double Available, double Maximum, double Rate) RefundShopifyPoints(string shop, int points) => Write(() =>
    {
        var data = Shop(shop);
        Restore(data);
        data.Available = Math.Min(_shopifyMaximumAvailable, data.Available + Math.Max(0, points));
        return (data.Available, _shopifyMaximumAvailable, _shopifyRestoreRate);
    });

    internal ShopifySnapshot ShopifySnapshotOf(string shop) => Read(() =>
    {
        var data = Shop(shop);
        return new ShopifySnapshot(
            data.Domain, data.Name, data.Currency,
            [.. data.Locations.Values.OrderBy(l => l.LegacyResourceId)],
            [.. data.Variants],
            data.Levels.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<long, IReadOnlyDictionary<string, int>>)p.Value.ToDictionary(
                l => l.Key, l => (IReadOnlyDictionary<string, int>)new Dictionary<string, int>(l.Value, StringComparer.Ordinal))),
            [.. data.Orders.Values],
            [.. data.Subscriptions],
            _shopifyReadAllOrders,
            TimeProvider.GetUtcNow());
    });

    internal ShopifyIdempotency BeginShopifyIdempotent(string shop, string key, string fingerprint) => Write(() =>
    {
        var data = Shop(shop);
        var now = TimeProvider.GetUtcNow();
        foreach (var stale in data.Idempotency.Where(p => p.Value.Completed is not null && now - p.Value.Created > _shopifyIdempotencyRetention).Select(p => p.Key).ToList())
        {
            data.Idempotency.Remove(stale);
        }

        if (data.Idempotency.TryGetValue(key, out var entry))
        {
            return entry.Fingerprint != fingerprint ? new ShopifyIdempotency(ShopifyIdempotencyState.Mismatch, null)
                : entry.Completed is null ? new ShopifyIdempotency(ShopifyIdempotencyState.InFlight, null)
                : new ShopifyIdempotency(ShopifyIdempotencyState.Replay, entry.Completed);
        }

        data.Idempotency[key] = new IdempotencyEntry(fingerprint, now);
        return new ShopifyIdempotency(ShopifyIdempotencyState.New, null);
    });

    internal void CompleteShopifyIdempotent(string shop, string key, object? payload) => Write(() =>
    {
        if (Shop(shop).Idempotency.TryGetValue(key, out var entry))
        {
            entry.Completed = new Box(payload);
        }
    });

    internal void AbandonShopifyIdempotent(string shop, string key) => Write(() => Shop(shop).Idempotency.Remove(key));

    /// <summary>Validates and applies an inventory mutation atomically: every change or none.</summary>
    internal ShopifyMutationResult ApplyShopifyInventory(string shop, ShopifyInventoryRequest request) => Write(() =>
    {
        var data = Shop(shop);
        var errors = new List<ShopifyUserError>();
        var set = request.Mutation == "inventorySetQuantities";
        var names = set ? ["available", "on_hand"] : ShopifyAdjustableNames;
        if (!names.Contains(request.Name, StringComparer.Ordinal))
        {
            errors.Add(new(["input", "name"], set ? "INVALID_NAME" : "INVALID_QUANTITY_NAME", "The specified quantity name is invalid."));
        }

        if (!ShopifyReasons.Contains(request.Reason, StringComparer.Ordinal))
        {
            errors.Add(new(["input", "reason"], "INVALID_REASON", "The specified reason is invalid."));
        }

        if (request.ReferenceDocumentUri is { } reference && !IsValidDocumentUri(reference))
        {
            errors.Add(new(["input", "referenceDocumentUri"], "INVALID_REFERENCE_DOCUMENT", "The specified reference document is invalid."));
        }

        var listName = set ? "quantities" : "changes";
        var planned = new List<(long Item, long Location, string ItemGid, string LocationGid, int Delta, string? Ledger)>();
        for (var i = 0; i < request.Lines.Count; i++)
        {
            var line = request.Lines[i];
            var index = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!ShopifyGid.TryParse(line.InventoryItemId, "InventoryItem", out var item) || !data.Levels.TryGetValue(item, out var levels))
            {
                errors.Add(new(["input", listName, index, "inventoryItemId"], "INVALID_INVENTORY_ITEM", "The specified inventory item could not be found."));
                continue;
            }

            if (!ShopifyGid.TryParse(line.LocationId, "Location", out var location) || !data.Locations.ContainsKey(location))
            {
                errors.Add(new(["input", listName, index, "locationId"], "INVALID_LOCATION", "The specified location could not be found."));
                continue;
            }

            if (!levels.TryGetValue(location, out var quantities))
            {
                errors.Add(new(["input", listName, index, "locationId"], request.NotStockedCode,
                    request.NotStockedCode == "INVALID_LOCATION" ? "The specified location could not be found." : "The specified inventory item is not stocked at the location."));
                continue;
            }

            if (!set && request.Name == "available" && line.LedgerDocumentUri is not null)
            {
                errors.Add(new(["input", listName, index, "ledgerDocumentUri"], "INVALID_AVAILABLE_DOCUMENT", "A ledger document URI is not allowed when adjusting available."));
                continue;
            }

            if (!set && request.Name != "available" && line.LedgerDocumentUri is null)
            {
                errors.Add(new(["input", listName, index, "ledgerDocumentUri"], "INVALID_QUANTITY_DOCUMENT", "A ledger document URI is required except when adjusting available."));
                continue;
            }

            if (line.LedgerDocumentUri is { } ledger && ledger.StartsWith("gid://shopify/", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new(["input", listName, index, "ledgerDocumentUri"], "INTERNAL_LEDGER_DOCUMENT", "Internal (gid://shopify/) ledger documents are not allowed to be adjusted via API."));
                continue;
            }

            if (line.LedgerDocumentUri is { } ledgerUri && !IsValidDocumentUri(ledgerUri))
            {
                errors.Add(new(["input", listName, index, "ledgerDocumentUri"], "INVALID_LEDGER_DOCUMENT", "The specified ledger document is invalid."));
                continue;
            }

            var current = names.Contains(request.Name, StringComparer.Ordinal) ? QuantityOf(quantities, request.Name) : 0;
            if (line.ChangeFromQuantity is { } expected && expected != current)
            {
                errors.Add(new(["input", listName, index, "changeFromQuantity"], "CHANGE_FROM_QUANTITY_STALE", "The changeFromQuantity argument no longer matches the persisted quantity."));
                continue;
            }

            if (line.CompareQuantity is { } compare && compare != current)
            {
                errors.Add(new(["input", listName, index, "compareQuantity"], "COMPARE_QUANTITY_STALE", "The compareQuantity argument no longer matches the persisted quantity."));
                continue;
            }

            var delta = set ? line.Quantity - current : line.Quantity;
            var after = (long)current + delta;
            if (after > 2_000_000_000 || (set && line.Quantity > 2_000_000_000))
            {
                errors.Add(new(["input", listName, index, set ? "quantity" : "delta"], "INVALID_QUANTITY_TOO_HIGH", "The quantity can't be higher than 2,000,000,000."));
                continue;
            }

            if (after < -2_000_000_000)
            {
                errors.Add(new(["input", listName, index, set ? "quantity" : "delta"], "INVALID_QUANTITY_TOO_LOW", "The quantity can't be lower than -2,000,000,000."));
                continue;
            }

            planned.Add((item, location, line.InventoryItemId!, line.LocationId!, (int)delta, line.LedgerDocumentUri));
        }

        if (errors.Count > 0)
        {
            return new ShopifyMutationResult(null, errors);
        }

        var changes = new List<ShopifyQuantityChange>();
        foreach (var (item, location, itemGid, locationGid, delta, ledger) in planned)
        {
            var quantities = data.Levels[item][location];
            // on_hand is the sum of available, committed and the unavailable states: setting it moves available.
            var component = request.Name == "on_hand" ? "available" : request.Name;
            quantities[component] += delta;
            changes.Add(new ShopifyQuantityChange(itemGid, locationGid, request.Name, delta, QuantityOf(quantities, request.Name), ledger));
            if (request.Name != "on_hand" && request.Name != "incoming")
            {
                changes.Add(new ShopifyQuantityChange(itemGid, locationGid, "on_hand", delta, QuantityOf(quantities, "on_hand"), null));
            }
            else if (request.Name == "on_hand")
            {
                changes.Add(new ShopifyQuantityChange(itemGid, locationGid, "available", delta, QuantityOf(quantities, "available"), null));
            }
        }

        var adjustment = new ShopifyAdjustment(
            shop, ShopifyGid.Of("InventoryAdjustmentGroup", 60_000_000_000 + NextShopifyId()), request.Mutation, request.IdempotencyKey,
            request.Name, request.Reason, request.ReferenceDocumentUri, TimeProvider.GetUtcNow(), changes);
        _shopifyAdjustments.Add(adjustment);
        return new ShopifyMutationResult(adjustment, []);
    });

    internal ShopifyWebhookSubscription? FindShopifySubscription(string shop, string id) => Read(() => Shop(shop).Subscriptions.Find(s => s.Id == id));

    /// <summary>Adds a subscription; null with a message when the same topic and URI exist (Shopify refuses duplicates).</summary>
    internal (ShopifyWebhookSubscription? Created, string? Error) CreateShopifySubscription(string shop, string topic, string uri, string format, string apiVersion) => Write(() =>
    {
        var data = Shop(shop);
        if (data.Subscriptions.Exists(s => s.Topic == topic && string.Equals(s.Uri, uri, StringComparison.Ordinal)))
        {
            return ((ShopifyWebhookSubscription?)null, (string?)"Address for this topic has already been taken");
        }

        var subscription = new ShopifyWebhookSubscription(shop, ShopifyGid.Of("WebhookSubscription", 1_200_000_000 + NextShopifyId()), topic, uri, format, apiVersion, TimeProvider.GetUtcNow());
        data.Subscriptions.Add(subscription);
        return (subscription, null);
    });

    internal bool DeleteShopifySubscription(string shop, string id) => Write(() => Shop(shop).Subscriptions.RemoveAll(s => s.Id == id) > 0);

    private static bool IsValidDocumentUri(string uri)
        => Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Scheme.Length > 0 && uri.Length > parsed.Scheme.Length + 3
           && (!uri.StartsWith("gid://", StringComparison.OrdinalIgnoreCase) || uri[6..].Split('/').Length >= 3 && uri[6..].Split('/').All(p => p.Length > 0));

    private static int QuantityOf(Dictionary<string, int> q, string name)
    {
        var unavailable = q["damaged"] + q["quality_control"] + q["reserved"] + q["safety_stock"];
        return name switch
        {
            "on_hand" => q["available"] + q["committed"] + unavailable,
            "unavailable" => unavailable,
            _ => q.GetValueOrDefault(name),
        };
    }

    private async Task<IReadOnlyList<ShopifyWebhookDelivery>> DeliverShopifyTopicsAsync(string shop, ShopifyOrder order, string[] topics, CancellationToken ct)
    {
        List<ShopifyWebhookSubscription> subscriptions;
        byte[] body;
        lock (_gate)
        {
            if (_suppressShopifyWebhooks)
            {
                return [];
            }

            var data = Shop(shop);
            subscriptions = [.. topics.SelectMany(t => data.Subscriptions.Where(s => s.Topic == t))];
            body = ShopifyWebhooks.OrderPayload(order, data.UtcOffset);
        }

        var eventId = Guid.NewGuid().ToString();
        var triggeredAt = TimeProvider.GetUtcNow();
        var deliveries = new List<ShopifyWebhookDelivery>();
        foreach (var subscription in subscriptions)
        {
            var target = Uri.TryCreate(subscription.Uri, UriKind.Absolute, out var uri) ? uri : new Uri("http://invalid.invalid/");
            var delivery = await ShopifyWebhooks.SendAsync(
                new ShopifyWebhookRequest(shop, ShopifyWebhooks.RestTopic(subscription.Topic), target, Guid.NewGuid().ToString(), eventId,
                    triggeredAt, subscription.ApiVersion, body, ShopifyClientSecret, subscription.Id),
                ct);
            deliveries.Add(delivery);
            Write(() => _shopifyDeliveries.Add(delivery));
        }

        return deliveries;
    }

    private void Restore(ShopData data)
    {
        var now = TimeProvider.GetUtcNow();
        var elapsed = Math.Max(0, (now - data.BucketTime).TotalSeconds);
        data.Available = Math.Min(_shopifyMaximumAvailable, data.Available + (elapsed * _shopifyRestoreRate));
        data.BucketTime = now;
    }

    private long NextShopifyId() => _shopifyNextId++;

    private ShopData Shop(string shop)
    {
        EnsureShopifySeeded();
        return _shopifyShops.TryGetValue(shop ?? string.Empty, out var data) ? data : throw new ArgumentException($"Unknown Shopify shop '{shop}'.", nameof(shop));
    }

    private void EnsureShopifySeeded()
    {
        if (_shopifyShops.Count > 0)
        {
            return;
        }

        foreach (var (domain, name, offset) in new[] { (ShopifyShop, "Tracktile Sandbox", TimeSpan.FromHours(-5)), (ShopifySecondShop, "Second Sandbox", TimeSpan.Zero) })
        {
            var data = new ShopData(domain, name, "USD", offset) { Available = _shopifyMaximumAvailable, BucketTime = TimeProvider.GetUtcNow() };
            data.Locations[1001] = new ShopifyLocation(ShopifyMainLocationId, 1001, "Main warehouse", true);
            data.Locations[1002] = new ShopifyLocation(ShopifyRetailLocationId, 1002, "Retail store", true);
            _shopifyShops[domain] = data;
        }
    }

    private void ResetShopify()
    {
        _shopifyShops.Clear();
        _shopifyTokens.Clear();
        _shopifyAdjustments.Clear();
        _shopifyDeliveries.Clear();
        _shopifyTokensIssued = 0;
        _shopifyThrottled = 0;
        _shopifyGraphqlRequests = 0;
        _shopifyMaximumAvailable = _shopifyInitialMaximum;
        _shopifyRestoreRate = _shopifyInitialRestore;
        _shopifyThrottleStatusCode = 200;
        _suppressShopifyWebhooks = false;
        _shopifyReadAllOrders = false;
        _shopifyIdempotencyRetention = TimeSpan.FromHours(24);
        _shopifyMutationDelay = null;
        EnsureShopifySeeded();
    }

    private T Read<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }

    private void Write(Action write)
    {
        lock (_gate)
        {
            write();
        }
    }

    private T Write<T>(Func<T> write)
    {
        lock (_gate)
        {
            return write();
        }
    }

    private sealed class ShopData(string domain, string name, string currency, TimeSpan utcOffset)
    {
        public string Domain { get; } = domain;

        public string Name { get; } = name;

        public string Currency { get; } = currency;

        public TimeSpan UtcOffset { get; } = utcOffset;

        public Dictionary<long, ShopifyLocation> Locations { get; } = [];

        public List<ShopifyVariant> Variants { get; } = [];

        /// <summary>Inventory item number → location number → the stored quantity names (on_hand derived).</summary>
        public Dictionary<long, Dictionary<long, Dictionary<string, int>>> Levels { get; } = [];

        public Dictionary<long, ShopifyOrder> Orders { get; } = [];

        public List<ShopifyWebhookSubscription> Subscriptions { get; } = [];

        public Dictionary<string, IdempotencyEntry> Idempotency { get; } = new(StringComparer.Ordinal);

        public double Available { get; set; }

        public DateTimeOffset BucketTime { get; set; }
    }

    private sealed class IdempotencyEntry(string fingerprint, DateTimeOffset created)
    {
        public string Fingerprint { get; } = fingerprint;

        public DateTimeOffset Created { get; } = created;

        public Box? Completed { get; set; }
    }
}

/// <summary>A stored mutation payload (may be null).</summary>
internal sealed record Box(object? Value);

internal enum ShopifyIdempotencyState
{
    New,
    Replay,
    Mismatch,
    InFlight,
}

internal sealed record ShopifyIdempotency(ShopifyIdempotencyState State, Box? Stored);

internal sealed record ShopifyUserError(IReadOnlyList<string>? Field, string Code, string Message);

internal sealed record ShopifyInventoryLine(string? InventoryItemId, string? LocationId, int Quantity, int? ChangeFromQuantity, int? CompareQuantity, string? LedgerDocumentUri);

/// <param name="Mutation"><c>inventoryAdjustQuantities</c> (Quantity = delta) or <c>inventorySetQuantities</c> (Quantity = the new value).</param>
/// <param name="NotStockedCode">The error code for an item not stocked at the location, as the version's enum has it.</param>
internal sealed record ShopifyInventoryRequest(
    string Mutation,
    string Name,
    string Reason,
    string? ReferenceDocumentUri,
    IReadOnlyList<ShopifyInventoryLine> Lines,
    string? IdempotencyKey,
    string NotStockedCode);

internal sealed record ShopifyMutationResult(ShopifyAdjustment? Adjustment, IReadOnlyList<ShopifyUserError> Errors);

/// <summary>A consistent copy of one shop for a query to read.</summary>
internal sealed record ShopifySnapshot(
    string Domain,
    string Name,
    string Currency,
    IReadOnlyList<ShopifyLocation> Locations,
    IReadOnlyList<ShopifyVariant> Variants,
    IReadOnlyDictionary<long, IReadOnlyDictionary<long, IReadOnlyDictionary<string, int>>> Levels,
    IReadOnlyList<ShopifyOrder> Orders,
    IReadOnlyList<ShopifyWebhookSubscription> Subscriptions,
    bool ReadAllOrders,
    DateTimeOffset Now);
