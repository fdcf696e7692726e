using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TracktileFunctions.Sandbox.ShipHero;

namespace TracktileFunctions.Sandbox;

public sealed partial class SandboxState
{
    /// <summary>The API user's email (<c>POST /auth/token</c> <c>username</c>).</summary>
    public const string ShipHeroUsername = "api-user@sandbox.test";

    /// <summary>The API user's password.</summary>
    public const string ShipHeroPassword = "shiphero-sandbox-password";

    /// <summary>The shop (store) name orders and webhooks are created under.</summary>
    public const string ShipHeroShopName = "tracktile";

    /// <summary>The account's legacy id (webhook bodies' <c>account_id</c>).</summary>
    public const long ShipHeroAccountLegacyId = 4321;

    /// <summary>The primary warehouse's id, base64 of <c>Warehouse:1234</c>; its identifier is "Primary".</summary>
    public const string ShipHeroWarehouseId = "V2FyZWhvdXNlOjEyMzQ=";

    /// <summary>The primary warehouse's legacy (numeric) id.</summary>
    public const long ShipHeroWarehouseLegacyId = 1234;

    /// <summary>A second warehouse, base64 of <c>Warehouse:1235</c>, identifier "Secondary".</summary>
    public const string ShipHeroSecondWarehouseId = "V2FyZWhvdXNlOjEyMzU=";

    /// <summary>The second warehouse's legacy id.</summary>
    public const long ShipHeroSecondWarehouseLegacyId = 1235;

    /// <summary>The access token lifetime ShipHero documents: 28 days (<c>expires_in</c> 2419200).</summary>
    public const int ShipHeroTokenLifetimeSeconds = 2_419_200;

    /// <summary>The <c>scope</c> of issued tokens (the docs' sample).</summary>
    public const string ShipHeroTokenScope = "openid profile offline_access";

    /// <summary>ShipHero's documented retries per trigger after the first POST.</summary>
    public const int ShipHeroWebhookRetries = 5;

    private static readonly ShipHeroWarehouse[] ShipHeroWarehouseList =
    [
        new(ShipHeroWarehouseId, ShipHeroWarehouseLegacyId, "Primary"),
        new(ShipHeroSecondWarehouseId, ShipHeroSecondWarehouseLegacyId, "Secondary"),
    ];

    private readonly Dictionary<string, ShipHeroProduct> _shipHeroProducts = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Sku, long Warehouse), int> _shipHeroOnHand = [];
    private readonly List<ShipHeroOrder> _shipHeroOrders = [];
    private readonly List<ShipHeroShipment> _shipHeroShipments = [];
    private readonly List<ShipHeroInventoryChange> _shipHeroChanges = [];
    private readonly List<ShipHeroWebhook> _shipHeroWebhooks = [];
    private readonly List<ShipHeroWebhookDelivery> _shipHeroDeliveries = [];
    private readonly Dictionary<string, DateTimeOffset> _shipHeroAccessTokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _shipHeroRefreshTokens = new(StringComparer.Ordinal);
    private readonly List<Task> _shipHeroPendingWebhooks = [];
    private readonly Dictionary<string, long> _shipHeroLots = new(StringComparer.Ordinal);
    private long _shipHeroNextId = 100_000;
    private int _shipHeroTokensIssued;
    private int _shipHeroRefreshes;
    private int _shipHeroGraphqlRequests;
    private int _shipHeroThrottled;
    private double _shipHeroMaxCredits = 4004;
    private double _shipHeroRestoreRate = 60;
    private double _shipHeroCredits = 4004;
    private DateTimeOffset? _shipHeroCreditsAt;
    private bool _suppressShipHeroWebhooks;
    private bool _shipHeroRejectUnknownSkus;
    private TimeSpan _shipHeroWebhookRetryDelay = TimeSpan.FromMilliseconds(20);
    private TimeSpan _shipHeroWebhookTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The account's two warehouses ("Primary", "Secondary").</summary>
    public static IReadOnlyList<ShipHeroWarehouse> ShipHeroWarehouses => ShipHeroWarehouseList;

    /// <summary>How many tokens <c>POST /shiphero/auth/token</c> issued.</summary>
    public int ShipHeroTokensIssued => Read(() => _shipHeroTokensIssued);

    /// <summary>How many access tokens <c>POST /shiphero/auth/refresh</c> issued.</summary>
    public int ShipHeroRefreshes => Read(() => _shipHeroRefreshes);

    /// <summary>How many authenticated GraphQL requests were answered (throttled ones included).</summary>
    public int ShipHeroGraphqlRequests => Read(() => _shipHeroGraphqlRequests);

    /// <summary>How many GraphQL requests were answered with the not-enough-credits error (code 30).</summary>
    public int ShipHeroThrottledCount => Read(() => _shipHeroThrottled);

    /// <summary>The account's credit bucket size (ShipHero: 4004; also the most one operation may cost).</summary>
    public double ShipHeroMaxCredits
    {
        get => Read(() => _shipHeroMaxCredits);
        set => Write(() =>
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _shipHeroMaxCredits = value;
            _shipHeroCredits = Math.Min(_shipHeroCredits, value);
        });
    }

    /// <summary>Credits restored per second (ShipHero: 60).</summary>
    public double ShipHeroCreditRestoreRate
    {
        get => Read(() => _shipHeroRestoreRate);
        set => Write(() =>
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            RefillShipHeroCredits();
            _shipHeroRestoreRate = value;
        });
    }

    /// <summary>The credits available now.</summary>
    public double ShipHeroCreditsAvailable => Read(() =>
    {
        RefillShipHeroCredits();
        return _shipHeroCredits;
    });

    /// <summary>When true, no webhook is sent (a missed delivery; reconciliation must find the change).</summary>
    public bool SuppressShipHeroWebhooks
    {
        get => Read(() => _suppressShipHeroWebhooks);
        set => Write(() => _suppressShipHeroWebhooks = value);
    }

    /// <summary>When true, <c>order_create</c> refuses a SKU the account has no product for; when false (the default) ShipHero's behaviour is assumed: the product is created.</summary>
    public bool ShipHeroRejectUnknownSkus
    {
        get => Read(() => _shipHeroRejectUnknownSkus);
        set => Write(() => _shipHeroRejectUnknownSkus = value);
    }

    /// <summary>The wait between a webhook's failed POST and its retry (small by default, for tests).</summary>
    public TimeSpan ShipHeroWebhookRetryDelay
    {
        get => Read(() => _shipHeroWebhookRetryDelay);
        set => Write(() =>
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _shipHeroWebhookRetryDelay = value;
        });
    }

    /// <summary>How long a receiver has to answer a webhook POST (ShipHero: 10 s).</summary>
    public TimeSpan ShipHeroWebhookTimeout
    {
        get => Read(() => _shipHeroWebhookTimeout);
        set => Write(() =>
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _shipHeroWebhookTimeout = value;
        });
    }

    /// <summary>The account's products, by SKU.</summary>
    public IReadOnlyList<ShipHeroProduct> ShipHeroProducts => Read(() => (IReadOnlyList<ShipHeroProduct>)[.. _shipHeroProducts.Values.OrderBy(p => p.Sku, StringComparer.Ordinal)]);

    /// <summary>Every order created, oldest first, in its current state.</summary>
    public IReadOnlyList<ShipHeroOrder> ShipHeroOrders => Read(() => (IReadOnlyList<ShipHeroOrder>)[.. _shipHeroOrders]);

    /// <summary>Every shipment, oldest first.</summary>
    public IReadOnlyList<ShipHeroShipment> ShipHeroShipments => Read(() => (IReadOnlyList<ShipHeroShipment>)[.. _shipHeroShipments]);

    /// <summary>Every on-hand change, oldest first (seeding excluded).</summary>
    public IReadOnlyList<ShipHeroInventoryChange> ShipHeroInventoryChanges => Read(() => (IReadOnlyList<ShipHeroInventoryChange>)[.. _shipHeroChanges]);

    /// <summary>The registered webhooks (with their secrets), oldest first.</summary>
    public IReadOnlyList<ShipHeroWebhook> ShipHeroWebhooks => Read(() => (IReadOnlyList<ShipHeroWebhook>)[.. _shipHeroWebhooks]);

    /// <summary>Every webhook POST made (retries included), oldest first.</summary>
    public IReadOnlyList<ShipHeroWebhookDelivery> ShipHeroWebhookDeliveries => Read(() => (IReadOnlyList<ShipHeroWebhookDelivery>)[.. _shipHeroDeliveries]);

    /// <summary>Base64 HMAC-SHA256 of <paramref name="body"/> keyed with <paramref name="secret"/>'s UTF-8 bytes (<c>X-ShipHero-HMAC-SHA256</c>).</summary>
    public static string SignShipHeroWebhook(ReadOnlySpan<byte> body, string secret)
        => Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>The orders created with <paramref name="partnerOrderId"/> (ShipHero does not de-duplicate).</summary>
    public IReadOnlyList<ShipHeroOrder> ShipHeroOrdersWithPartnerId(string partnerOrderId)
        => Read(() => (IReadOnlyList<ShipHeroOrder>)[.. _shipHeroOrders.Where(o => o.PartnerOrderId == partnerOrderId)]);

    /// <summary>
    /// Adds (or renames) the product <paramref name="sku"/> and sets its on hand in each warehouse given (by id or
    /// legacy id), without recording inventory changes or sending webhooks.
    /// </summary>
    /// <exception cref="ArgumentException">A warehouse is unknown or a quantity negative.</exception>
    public ShipHeroProduct SeedShipHeroProduct(string sku, string name, params (string WarehouseId, int OnHand)[] onHand)
    {
        ArgumentException.ThrowIfNullOrEmpty(sku);
        ArgumentNullException.ThrowIfNull(onHand);
        lock (_gate)
        {
            var product = EnsureShipHeroProduct(sku, name, autoCreated: false);
            if (product.Name != name)
            {
                product = _shipHeroProducts[sku] = product with { Name = name };
            }

            foreach (var (warehouseId, quantity) in onHand)
            {
                var warehouse = FindShipHeroWarehouse(warehouseId) ?? throw new ArgumentException($"Unknown warehouse {warehouseId}.", nameof(onHand));
                ArgumentOutOfRangeException.ThrowIfNegative(quantity);
                _shipHeroOnHand[(sku, warehouse.LegacyId)] = quantity;
            }

            return product;
        }
    }

    /// <summary>The on hand of <paramref name="sku"/> in a warehouse (id or legacy id); null when the SKU was never stocked there.</summary>
    public int? ShipHeroOnHand(string sku, string warehouseId)
    {
        lock (_gate)
        {
            var warehouse = FindShipHeroWarehouse(warehouseId);
            return warehouse is not null && _shipHeroOnHand.TryGetValue((sku, warehouse.LegacyId), out var quantity) ? quantity : null;
        }
    }

    /// <summary>Makes every access token issued so far expired (refresh tokens still work).</summary>
    public void ExpireShipHeroAccessTokens() => Write(() =>
    {
        var now = TimeProvider.GetUtcNow();
        foreach (var token in _shipHeroAccessTokens.Keys.ToList())
        {
            _shipHeroAccessTokens[token] = now.AddSeconds(-1);
        }
    });

    /// <summary>Revokes <paramref name="refreshToken"/>, or every refresh token when null (the user's password changed).</summary>
    public void RevokeShipHeroRefreshToken(string? refreshToken = null) => Write(() =>
    {
        if (refreshToken is null)
        {
            _shipHeroRefreshTokens.Clear();
        }
        else
        {
            _shipHeroRefreshTokens.Remove(refreshToken);
        }
    });

    /// <summary>
    /// The warehouse ships <paramref name="lines"/> of order <paramref name="orderId"/> (id or legacy id; part or all
    /// of it) in one package: a shipment with one label, the lines' quantity shipped, on hand removed in the order's
    /// warehouse (recorded as inventory changes), the order <c>fulfilled</c> when nothing is left, and a
    /// <c>Shipment Update</c> to each such webhook of the order's shop (and <c>Inventory Update</c>s), each POST
    /// retried until acknowledged, at most <see cref="ShipHeroWebhookRetries"/> times. Completes when all are done.
    /// </summary>
    /// <exception cref="ArgumentException">The order is unknown or canceled, a SKU is not on it, or more is shipped than is left.</exception>
    public async Task<ShipHeroShipmentEvent> ShipShipHeroOrderAsync(
        string orderId,
        IEnumerable<ShipHeroShipLine> lines,
        string carrier = "UPS",
        string trackingNumber = "1Z999AA10123456784",
        string shippingMethod = "Ground",
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ShipHeroShipment shipment;
        ShipHeroOrder order;
        List<(string Sku, long Warehouse)> touched = [];
        lock (_gate)
        {
            var index = FindShipHeroOrderIndex(orderId);
            if (index < 0)
            {
                throw new ArgumentException($"Unknown order {orderId}.", nameof(orderId));
            }

            order = _shipHeroOrders[index];
            if (order.FulfillmentStatus == "canceled")
            {
                throw new ArgumentException($"Order {orderId} is canceled.", nameof(orderId));
            }

            var shipped = new List<ShipHeroShipmentLine>();
            var items = order.LineItems.ToList();
            foreach (var line in lines)
            {
                ArgumentOutOfRangeException.ThrowIfNegativeOrZero(line.Quantity);
                var at = items.FindIndex(l => l.Sku == line.Sku && l.Quantity - l.QuantityShipped >= line.Quantity);
                if (at < 0)
                {
                    throw new ArgumentException($"Order {orderId} has no line of {line.Sku} with {line.Quantity} left to ship.", nameof(lines));
                }

                var item = items[at];
                items[at] = item with { QuantityShipped = item.QuantityShipped + line.Quantity };
                long? lotId = line.LotName is null ? null : LotId(line.Sku, line.LotName);
                var legacy = NextShipHeroId();
                shipped.Add(new ShipHeroShipmentLine(
                    ShipHeroId.Of("ShipmentLineItem", legacy), legacy, item.Id, item.LegacyId, item.Sku, item.PartnerLineItemId,
                    line.Quantity, lotId, line.LotName, line.LotExpiration));
            }

            if (shipped.Count == 0)
            {
                throw new ArgumentException("Nothing to ship.", nameof(lines));
            }

            var now = TimeProvider.GetUtcNow();
            var legacyShipment = NextShipHeroId();
            shipment = new ShipHeroShipment(
                ShipHeroId.Of("Shipment", legacyShipment), legacyShipment, order.Id, order.WarehouseId, carrier, shippingMethod,
                trackingNumber, now, shipped);
            _shipHeroShipments.Add(shipment);
            var complete = items.All(l => l.QuantityShipped >= l.Quantity);
            order = _shipHeroOrders[index] = order with
            {
                LineItems = items,
                FulfillmentStatus = complete ? "fulfilled" : order.FulfillmentStatus,
                UpdatedAt = now,
            };

            var warehouse = FindShipHeroWarehouse(order.WarehouseId)!;
            foreach (var group in shipped.GroupBy(l => l.Sku))
            {
                ApplyShipHeroChange(group.Key, warehouse, -group.Sum(l => l.Quantity), $"Order {order.OrderNumber} shipped (shipment {legacyShipment.ToString(CultureInfo.InvariantCulture)})", null, allowNegative: true);
                touched.Add((group.Key, warehouse.LegacyId));
            }
        }

        var deliveries = new List<ShipHeroWebhookDelivery>();
        deliveries.AddRange(await ShipHeroWebhookSender.DeliverAsync(this, "Shipment Update", order.ShopName, ShipHeroWebhookSender.ShipmentUpdateBody(this, order, shipment), ct));
        foreach (var (sku, warehouse) in touched)
        {
            deliveries.AddRange(await DeliverShipHeroInventoryUpdateAsync(sku, warehouse, ct));
        }

        return new ShipHeroShipmentEvent(shipment, deliveries);
    }

    /// <summary>
    /// Sets the on hand of <paramref name="sku"/> in a warehouse (a count in the warehouse), recorded as an inventory
    /// change, and sends <c>Inventory Update</c> to every such webhook. Completes when the deliveries are done.
    /// </summary>
    public async Task<IReadOnlyList<ShipHeroWebhookDelivery>> SetShipHeroInventoryAsync(
        string sku, string warehouseId, int onHand, string reason = "Cycle count in the warehouse", CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sku);
        ArgumentOutOfRangeException.ThrowIfNegative(onHand);
        long legacy;
        lock (_gate)
        {
            var warehouse = FindShipHeroWarehouse(warehouseId) ?? throw new ArgumentException($"Unknown warehouse {warehouseId}.", nameof(warehouseId));
            EnsureShipHeroProduct(sku, sku, autoCreated: false);
            var current = _shipHeroOnHand.GetValueOrDefault((sku, warehouse.LegacyId));
            ApplyShipHeroChange(sku, warehouse, onHand - current, reason, null, allowNegative: false);
            legacy = warehouse.LegacyId;
        }

        return await DeliverShipHeroInventoryUpdateAsync(sku, legacy, ct);
    }

    /// <summary>
    /// POSTs <paramref name="body"/> once to <paramref name="target"/> as ShipHero would, signed with
    /// <paramref name="secret"/> (null: the secret of the webhook named <paramref name="webhookName"/> at that URL, else
    /// unsigned), with <paramref name="messageId"/> (null: a new one) in <c>X-Shiphero-Message-ID</c>. Recorded in
    /// <see cref="ShipHeroWebhookDeliveries"/>; for tests that forge or resend.
    /// </summary>
    public async Task<ShipHeroWebhookSendResult> SendShipHeroWebhookAsync(
        string webhookName, JsonObject body, Uri target, string? messageId = null, string? secret = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(webhookName);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(target);
        ShipHeroWebhook? webhook;
        lock (_gate)
        {
            webhook = _shipHeroWebhooks.Find(w => w.Name == webhookName && Uri.TryCreate(w.Url, UriKind.Absolute, out var url) && url == target);
        }

        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var delivery = await ShipHeroWebhookSender.PostAsync(
            this, webhookName, webhook?.Id, target, bytes, messageId ?? Guid.NewGuid().ToString(), secret ?? webhook?.SharedSignatureSecret, 1, ct);
        return new ShipHeroWebhookSendResult(delivery.StatusCode, delivery.ResponseBody, delivery.Elapsed, delivery.Acknowledged, delivery.MessageId);
    }

    /// <summary>Completes when the webhooks that GraphQL mutations set off (inventory_add, ...) are delivered or given up.</summary>
    public async Task WaitForShipHeroWebhooksAsync()
    {
        while (true)
        {
            Task[] pending;
            lock (_gate)
            {
                _shipHeroPendingWebhooks.RemoveAll(t => t.IsCompleted);
                pending = [.. _shipHeroPendingWebhooks];
            }

            if (pending.Length == 0)
            {
                return;
            }

            await Task.WhenAll(pending);
        }
    }

    // ---- used by the fake's endpoints ----

    internal static ShipHeroWarehouse? FindShipHeroWarehouse(string? id)
    {
        var legacy = ShipHeroId.LegacyOf(id, "Warehouse");
        return Array.Find(ShipHeroWarehouseList, w => w.LegacyId == legacy);
    }

    internal static ShipHeroWarehouse? FindShipHeroWarehouse(long legacyId) => Array.Find(ShipHeroWarehouseList, w => w.LegacyId == legacyId);

    /// <summary>Issues an access and a refresh token for the API user; null for wrong credentials.</summary>
    internal (string AccessToken, string RefreshToken)? IssueShipHeroTokens(string? username, string? password)
    {
        if (!string.Equals(username, ShipHeroUsername, StringComparison.OrdinalIgnoreCase) || password != ShipHeroPassword)
        {
            return null;
        }

        lock (_gate)
        {
            _shipHeroTokensIssued++;
            var refresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            _shipHeroRefreshTokens.Add(refresh);
            return (NewShipHeroAccessToken(), refresh);
        }
    }

    /// <summary>A new access token for a live refresh token (which stays the same); null when unknown or revoked.</summary>
    internal string? RefreshShipHeroToken(string? refreshToken)
    {
        lock (_gate)
        {
            if (refreshToken is null || !_shipHeroRefreshTokens.Contains(refreshToken))
            {
                return null;
            }

            _shipHeroRefreshes++;
            return NewShipHeroAccessToken();
        }
    }

    internal bool IsShipHeroTokenValid(string? token)
    {
        lock (_gate)
        {
            return token is not null && _shipHeroAccessTokens.TryGetValue(token, out var expires) && TimeProvider.GetUtcNow() < expires;
        }
    }

    internal void CountShipHeroGraphqlRequest() => Write(() => _shipHeroGraphqlRequests++);

    /// <summary>Takes <paramref name="required"/> credits if available; otherwise counts a throttled answer and says how long to wait.</summary>
    internal (bool Taken, double Remaining, int SecondsToWait) TakeShipHeroCredits(int required)
    {
        lock (_gate)
        {
            RefillShipHeroCredits();
            if (required <= _shipHeroCredits)
            {
                _shipHeroCredits -= required;
                return (true, _shipHeroCredits, 0);
            }

            _shipHeroThrottled++;
            var wait = _shipHeroRestoreRate <= 0 ? int.MaxValue : (int)Math.Ceiling((required - _shipHeroCredits) / _shipHeroRestoreRate);
            return (false, _shipHeroCredits, Math.Max(1, wait));
        }
    }

    internal double RefundShipHeroCredits(int credits)
    {
        lock (_gate)
        {
            RefillShipHeroCredits();
            _shipHeroCredits = Math.Min(_shipHeroMaxCredits, _shipHeroCredits + Math.Max(0, credits));
            return _shipHeroCredits;
        }
    }

    internal void CountShipHeroThrottled() => Write(() => _shipHeroThrottled++);

    internal ShipHeroOrder? FindShipHeroOrder(string id)
    {
        lock (_gate)
        {
            var index = FindShipHeroOrderIndex(id);
            return index < 0 ? null : _shipHeroOrders[index];
        }
    }

    internal ShipHeroProduct? FindShipHeroProduct(string sku) => Read(() => _shipHeroProducts.GetValueOrDefault(sku));

    /// <summary>The SKUs' on hand per warehouse legacy id.</summary>
    internal IReadOnlyList<(string Sku, ShipHeroWarehouse Warehouse, int OnHand)> ShipHeroStock() => Read(() =>
        (IReadOnlyList<(string, ShipHeroWarehouse, int)>)[.. _shipHeroOnHand
            .OrderBy(p => p.Key.Sku, StringComparer.Ordinal).ThenBy(p => p.Key.Warehouse)
            .Select(p => (p.Key.Sku, FindShipHeroWarehouse(p.Key.Warehouse)!, p.Value))]);

    /// <summary>Units of <paramref name="sku"/> allocated to open orders in a warehouse.</summary>
    internal int ShipHeroAllocated(string sku, long warehouse) => Read(() => AllocatedLocked(sku, warehouse));

    /// <summary>Creates an order as <c>order_create</c> does (no de-duplication); the caller has validated the input.</summary>
    internal ShipHeroOrder CreateShipHeroOrder(
        string orderNumber, string? partnerOrderId, string shopName, string? fulfillmentStatus, DateTimeOffset? orderDate,
        ShipHeroAddress address, IReadOnlyList<(string Sku, string PartnerLineItemId, int Quantity, string Price, string? ProductName)> lines)
    {
        lock (_gate)
        {
            var unknown = lines.Select(l => l.Sku).FirstOrDefault(s => !_shipHeroProducts.ContainsKey(s));
            if (unknown is not null && _shipHeroRejectUnknownSkus)
            {
                throw new ArgumentException($"Product with sku {unknown} not found");
            }

            var warehouse = ShipHeroWarehouseList[0];
            var now = TimeProvider.GetUtcNow();
            var items = new List<ShipHeroOrderLine>();
            foreach (var line in lines)
            {
                EnsureShipHeroProduct(line.Sku, line.ProductName ?? line.Sku, autoCreated: true);
                var free = Math.Max(0, _shipHeroOnHand.GetValueOrDefault((line.Sku, warehouse.LegacyId)) - AllocatedLocked(line.Sku, warehouse.LegacyId)
                                       - items.Where(i => i.Sku == line.Sku).Sum(i => i.QuantityAllocated));
                var legacyLine = NextShipHeroId();
                items.Add(new ShipHeroOrderLine(
                    ShipHeroId.Of("LineItem", legacyLine), legacyLine, line.Sku, line.PartnerLineItemId, line.Quantity, line.Price,
                    line.ProductName, Math.Min(free, line.Quantity), 0));
            }

            var legacy = NextShipHeroId();
            var order = new ShipHeroOrder(
                ShipHeroId.Of("Order", legacy), legacy, orderNumber, partnerOrderId, shopName, fulfillmentStatus ?? "pending",
                orderDate ?? now, now, now, address, items, warehouse.Id);
            _shipHeroOrders.Add(order);
            return order;
        }
    }

    /// <summary>Sets an order's fulfillment status (<c>order_cancel</c>: "canceled"); null when the order is unknown.</summary>
    /// <exception cref="InvalidOperationException">Cancelling an order already shipped in part or in full.</exception>
    internal ShipHeroOrder? SetShipHeroOrderStatus(string orderId, string status, string? reason)
    {
        lock (_gate)
        {
            var index = FindShipHeroOrderIndex(orderId);
            if (index < 0)
            {
                return null;
            }

            var order = _shipHeroOrders[index];
            if (status == "canceled" && order.LineItems.Any(l => l.QuantityShipped > 0))
            {
                throw new InvalidOperationException($"Order {order.OrderNumber} can not be canceled: it has shipped items");
            }

            return _shipHeroOrders[index] = order with
            {
                FulfillmentStatus = status,
                CancelReason = status == "canceled" ? reason : order.CancelReason,
                UpdatedAt = TimeProvider.GetUtcNow(),
                LineItems = status == "canceled" ? [.. order.LineItems.Select(l => l with { QuantityAllocated = 0 })] : order.LineItems,
            };
        }
    }

    /// <summary>
    /// Applies an <c>inventory_add</c> (+), <c>inventory_remove</c> (-) or <c>inventory_replace</c> (absolute) and sets
    /// off the <c>Inventory Update</c> webhooks in the background.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown warehouse or product, or a removal below zero.</exception>
    internal ShipHeroInventoryChange ChangeShipHeroInventory(string sku, string warehouseId, int quantity, bool absolute, string? reason, string? locationId)
    {
        ShipHeroInventoryChange change;
        ShipHeroWarehouse warehouse;
        lock (_gate)
        {
            warehouse = FindShipHeroWarehouse(warehouseId) ?? throw new ArgumentException($"Warehouse {warehouseId} not found");
            if (!_shipHeroProducts.ContainsKey(sku))
            {
                throw new ArgumentException($"Product with sku {sku} not found");
            }

            var current = _shipHeroOnHand.GetValueOrDefault((sku, warehouse.LegacyId));
            change = ApplyShipHeroChange(sku, warehouse, absolute ? quantity - current : quantity, reason, locationId, allowNegative: false);
        }

        // ShipHero's webhooks are asynchronous: the body is the state right after the change, sent after the answer.
        var body = ShipHeroWebhookSender.InventoryUpdateBody(this, sku, warehouse);
        var background = Task.Run(() => ShipHeroWebhookSender.DeliverAsync(this, "Inventory Update", null, body, CancellationToken.None));
        Write(() => _shipHeroPendingWebhooks.Add(background));
        return change;
    }

    /// <summary>Registers a webhook; null when one of that name already exists for the shop.</summary>
    internal ShipHeroWebhook? CreateShipHeroWebhook(string name, string url, string? shopName)
    {
        lock (_gate)
        {
            if (_shipHeroWebhooks.Exists(w => w.Name == name && w.ShopName == shopName))
            {
                return null;
            }

            var legacy = NextShipHeroId();
            var webhook = new ShipHeroWebhook(
                ShipHeroId.Of("Webhook", legacy), legacy, name, url, shopName,
                Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), TimeProvider.GetUtcNow());
            _shipHeroWebhooks.Add(webhook);
            return webhook;
        }
    }

    internal bool DeleteShipHeroWebhook(string name, string? shopName)
        => Read(() => _shipHeroWebhooks.RemoveAll(w => w.Name == name && (shopName is null || w.ShopName == shopName)) > 0);

    internal void RecordShipHeroDelivery(ShipHeroWebhookDelivery delivery) => Write(() => _shipHeroDeliveries.Add(delivery));

    /// <summary>The webhooks a trigger of <paramref name="name"/> in <paramref name="shopName"/> goes to (null: any shop).</summary>
    internal IReadOnlyList<ShipHeroWebhook> ShipHeroWebhooksFor(string name, string? shopName) => Read(() =>
        _suppressShipHeroWebhooks ? [] : (IReadOnlyList<ShipHeroWebhook>)[.. _shipHeroWebhooks.Where(w => w.Name == name && (shopName is null || w.ShopName is null || w.ShopName == shopName))]);

    private Task<IReadOnlyList<ShipHeroWebhookDelivery>> DeliverShipHeroInventoryUpdateAsync(string sku, long warehouse, CancellationToken ct)
        => ShipHeroWebhookSender.DeliverAsync(this, "Inventory Update", null, ShipHeroWebhookSender.InventoryUpdateBody(this, sku, FindShipHeroWarehouse(warehouse)!), ct);

    private string NewShipHeroAccessToken()
    {
        var now = TimeProvider.GetUtcNow();
        var expires = now.AddSeconds(ShipHeroTokenLifetimeSeconds);
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var payload = new JsonObject
        {
            ["iss"] = "https://login.shiphero.com/",
            ["sub"] = "auth0|sandbox-api-user",
            ["aud"] = "shiphero-public-api",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["scope"] = ShipHeroTokenScope,
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        var token = Part("{\"typ\":\"JWT\",\"alg\":\"RS256\"}") + "." + Part(payload.ToJsonString()) + "."
                    + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _shipHeroAccessTokens[token] = expires;
        return token;
    }

    private void RefillShipHeroCredits()
    {
        var now = TimeProvider.GetUtcNow();
        if (_shipHeroCreditsAt is { } last)
        {
            _shipHeroCredits = Math.Min(_shipHeroMaxCredits, _shipHeroCredits + ((now - last).TotalSeconds * _shipHeroRestoreRate));
        }

        _shipHeroCreditsAt = now;
    }

    private ShipHeroProduct EnsureShipHeroProduct(string sku, string name, bool autoCreated)
    {
        if (!_shipHeroProducts.TryGetValue(sku, out var product))
        {
            var legacy = NextShipHeroId();
            product = _shipHeroProducts[sku] = new ShipHeroProduct(ShipHeroId.Of("Product", legacy), legacy, sku, name, TimeProvider.GetUtcNow(), autoCreated);
        }

        return product;
    }

    private ShipHeroInventoryChange ApplyShipHeroChange(string sku, ShipHeroWarehouse warehouse, int delta, string? reason, string? locationId, bool allowNegative)
    {
        var current = _shipHeroOnHand.GetValueOrDefault((sku, warehouse.LegacyId));
        if (!allowNegative && current + delta < 0)
        {
            throw new ArgumentException($"Not enough inventory: {sku} has {current.ToString(CultureInfo.InvariantCulture)} on hand in {warehouse.Identifier}");
        }

        _shipHeroOnHand[(sku, warehouse.LegacyId)] = current + delta;
        var change = new ShipHeroInventoryChange(sku, warehouse.Id, current, delta, reason, locationId, TimeProvider.GetUtcNow());
        _shipHeroChanges.Add(change);
        return change;
    }

    private int AllocatedLocked(string sku, long warehouse)
    {
        var id = FindShipHeroWarehouse(warehouse)?.Id;
        return _shipHeroOrders.Where(o => o.WarehouseId == id && o.FulfillmentStatus is not ("canceled" or "fulfilled"))
            .SelectMany(o => o.LineItems).Where(l => l.Sku == sku).Sum(l => Math.Max(0, l.QuantityAllocated - l.QuantityShipped));
    }

    private int FindShipHeroOrderIndex(string id)
    {
        var legacy = ShipHeroId.LegacyOf(id, "Order");
        return _shipHeroOrders.FindIndex(o => o.Id == id || o.LegacyId == legacy);
    }

    private long LotId(string sku, string lotName)
    {
        var key = sku + "\n" + lotName;
        if (!_shipHeroLots.TryGetValue(key, out var id))
        {
            id = _shipHeroLots[key] = NextShipHeroId();
        }

        return id;
    }

    private long NextShipHeroId() => _shipHeroNextId++;

    private void ResetShipHero()
    {
        _shipHeroProducts.Clear();
        _shipHeroOnHand.Clear();
        _shipHeroOrders.Clear();
        _shipHeroShipments.Clear();
        _shipHeroChanges.Clear();
        _shipHeroWebhooks.Clear();
        _shipHeroDeliveries.Clear();
        _shipHeroAccessTokens.Clear();
        _shipHeroRefreshTokens.Clear();
        _shipHeroLots.Clear();
        _shipHeroNextId = 100_000;
        _shipHeroTokensIssued = 0;
        _shipHeroRefreshes = 0;
        _shipHeroGraphqlRequests = 0;
        _shipHeroThrottled = 0;
        _shipHeroMaxCredits = 4004;
        _shipHeroRestoreRate = 60;
        _shipHeroCredits = 4004;
        _shipHeroCreditsAt = null;
        _suppressShipHeroWebhooks = false;
        _shipHeroRejectUnknownSkus = false;
        _shipHeroWebhookRetryDelay = TimeSpan.FromMilliseconds(20);
        _shipHeroWebhookTimeout = TimeSpan.FromSeconds(10);
    }
}
