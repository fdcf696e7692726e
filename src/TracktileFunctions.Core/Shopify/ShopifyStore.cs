using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;

namespace TracktileFunctions.Shopify;

/// <summary>SKU -> inventory item id, per shop, for the process's life (a variant's inventory item never changes).</summary>
public sealed class ShopifyInventoryItems
{
    private readonly ConcurrentDictionary<(string Shop, string Sku), string> _items = new();

    /// <summary>The cached id, or null.</summary>
    public string? Find(string shop, string sku) => _items.TryGetValue((shop, sku), out var id) ? id : null;

    /// <summary>Remembers an id.</summary>
    public void Remember(string shop, string sku, string id) => _items[(shop, sku)] = id;

    /// <summary>Forgets an id Shopify no longer knows (a variant made again with the same SKU).</summary>
    public void Forget(string shop, string sku) => _items.TryRemove((shop, sku), out _);
}

/// <summary>
/// Shopify as the store (<see cref="IStore"/>): stock moved with <c>inventoryAdjustQuantities</c> (deltas, with
/// <c>changeFromQuantity: null</c> stated, as 2026-04 and later require) and set with <c>inventorySetQuantities</c>
/// (compare-and-set on <c>changeFromQuantity</c>), both under <c>@idempotent(key:)</c> with a key derived from the
/// movement's, so a repeat replays Shopify's first answer. SKUs are found with <c>productVariants(query: "sku:...")</c>,
/// filtered to the exact SKU (Shopify's search is not exact), and cached.
/// </summary>
public sealed class ShopifyStore(ShopifyClient shopify, ShopifyInventoryItems items, IOptions<ShopifyOptions> options) : IStore
{
    private readonly ShopifyOptions _options = options.Value;

    /// <inheritdoc />
    public string Name => "shopify";

    /// <inheritdoc />
    public IReadOnlyList<(string NodeId, StoreLocation Location)> Locations
        => [.. _options.Stock.Locations.Select(l => (l.Node, LocationOf(l.Node)!))];

    /// <inheritdoc />
    public StoreLocation? LocationOf(string nodeId)
        => _options.Stock.For(nodeId, _options) is { } found ? new StoreLocation(found.Shop, found.Location) : null;

    /// <summary>Shopify's idempotency key for one of our keys in one shop: a UUID derived from both (the same every time).</summary>
    public static string IdempotencyKey(string key, string shop)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{shop}\n{key}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5 (name-based, SHA)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash[..16], bigEndian: true).ToString("D");
    }

    /// <inheritdoc />
    public async Task<string> AdjustAsync(StoreStockAdjustment adjustment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(adjustment);
        var outcomes = new List<string>();
        var notSold = new List<string>();
        foreach (var shop in adjustment.Changes.GroupBy(c => c.Location.Shop, StringComparer.OrdinalIgnoreCase))
        {
            var changes = new JsonArray();
            foreach (var change in shop)
            {
                if (await ItemAsync(shop.Key, change.Sku, cancellationToken).ConfigureAwait(false) is not { } item)
                {
                    notSold.Add($"{change.Sku} is not sold in {shop.Key}");
                    continue;
                }

                changes.Add(new JsonObject
                {
                    ["inventoryItemId"] = item,
                    ["locationId"] = change.Location.Id,
                    ["delta"] = change.Delta,
                    ["changeFromQuantity"] = null, // a delta from wherever it is now; required to be stated in 2026-04+
                });
            }

            if (changes.Count == 0)
            {
                continue;
            }

            var input = new JsonObject
            {
                ["name"] = _options.Stock.QuantityName,
                ["reason"] = _options.Stock.Reason,
                ["referenceDocumentUri"] = adjustment.Reference.AbsoluteUri,
                ["changes"] = changes,
            };
            await AdjustOnceAsync(shop.Key, input, adjustment.IdempotencyKey, [.. shop.Select(c => c.Sku)], cancellationToken).ConfigureAwait(false);
            outcomes.Add($"{shop.Key}: {string.Join(", ", shop.Select(c => $"{c.Sku} {c.Delta:+0;-0} at {c.Location.Id}"))}");
        }

        var skipped = notSold.Count == 0 ? "" : $" ({string.Join("; ", notSold)})";
        return outcomes.Count == 0 ? $"nothing moved{skipped}" : $"moved {_options.Stock.QuantityName}: {string.Join("; ", outcomes)}{skipped}";
    }

    /// <summary>
    /// Sends one adjustment under keys derived from <paramref name="key"/>: the first, then (only when Shopify's answer
    /// proves nothing was applied under a key: a failed attempt, which Shopify would replay or refuse to retry) the
    /// next, up to <see cref="MaxKeyGenerations"/>. A later delivery walks the same chain and gets Shopify's replay of
    /// the key that succeeded, so it is never applied twice.
    /// </summary>
    private async Task AdjustOnceAsync(string shop, JsonObject input, string key, IReadOnlyList<string> skus, CancellationToken cancellationToken)
    {
        for (var generation = 0; ; generation++)
        {
            var variables = new JsonObject
            {
                ["input"] = input.DeepClone(),
                ["key"] = IdempotencyKey(generation == 0 ? key : $"{key}#{generation}", shop),
            };
            var data = await shopify.ExecuteAsync(shop, ShopifyDocuments.AdjustQuantities, variables, cancellationToken).ConfigureAwait(false);
            var payload = data.GetProperty("inventoryAdjustQuantities");
            var codes = UserErrorCodes(payload);
            if (codes.Count == 0)
            {
                return;
            }

            if (codes.All(NothingApplied.Contains) && generation + 1 < MaxKeyGenerations)
            {
                continue;
            }

            if (codes.Contains("INVALID_INVENTORY_ITEM"))
            {
                foreach (var sku in skus)
                {
                    items.Forget(shop, sku); // the next attempt looks the SKU up again
                }

                ShopifyClient.ThrowOnUserErrors(payload, "inventoryAdjustQuantities", "INVALID_INVENTORY_ITEM");
            }

            ShopifyClient.ThrowOnUserErrors(payload, "inventoryAdjustQuantities", [.. NothingApplied, "IDEMPOTENCY_CONCURRENT_REQUEST"]);
        }
    }

    /// <summary>How many keys one adjustment may walk through.</summary>
    public const int MaxKeyGenerations = 5;

    /// <summary>userError codes after which nothing was applied under that key, and a new key may try again.</summary>
    private static readonly string[] NothingApplied = ["IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED", "ADJUST_QUANTITIES_FAILED", "SERVICE_UNAVAILABLE"];

    private static List<string> UserErrorCodes(JsonElement payload)
        => payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("userErrors", out var errors) && errors.ValueKind == JsonValueKind.Array
            ? [.. errors.EnumerateArray().Select(e => e.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "")]
            : [];

    /// <inheritdoc />
    public async Task<bool> SellsAsync(string sku, CancellationToken cancellationToken)
    {
        foreach (var shop in Locations.Select(l => l.Location.Shop).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (await ItemAsync(shop, sku, cancellationToken).ConfigureAwait(false) is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoreStockLevel>> GetLevelsAsync(string sku, CancellationToken cancellationToken)
    {
        var levels = new List<StoreStockLevel>();
        foreach (var shop in Locations.Select(l => l.Location.Shop).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (await ItemAsync(shop, sku, cancellationToken).ConfigureAwait(false) is not { } item)
            {
                continue;
            }

            var data = await shopify.ExecuteAsync(shop, ShopifyDocuments.InventoryLevels,
                new JsonObject { ["id"] = item, ["names"] = new JsonArray(_options.Stock.RepairQuantityName) }, cancellationToken).ConfigureAwait(false);
            if (data.GetProperty("inventoryItem") is not { ValueKind: JsonValueKind.Object } inventoryItem)
            {
                continue;
            }

            foreach (var level in inventoryItem.GetProperty("inventoryLevels").GetProperty("nodes").EnumerateArray())
            {
                var location = level.GetProperty("location").GetProperty("id").GetString()!;
                var quantity = level.GetProperty("quantities").EnumerateArray()
                    .Where(q => q.GetProperty("name").GetString() == _options.Stock.RepairQuantityName)
                    .Select(q => q.GetProperty("quantity").GetInt32()).FirstOrDefault();
                levels.Add(new StoreStockLevel(new StoreLocation(shop, location), quantity));
            }
        }

        return levels;
    }

    /// <inheritdoc />
    public async Task<bool> SetAsync(StoreStockSet change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var set = change;
        var shop = set.Location.Shop;
        var item = await ItemAsync(shop, set.Sku, cancellationToken).ConfigureAwait(false)
            ?? throw new NotReadyException($"{set.Sku} is no longer sold in {shop}");
        var variables = new JsonObject
        {
            ["input"] = new JsonObject
            {
                ["name"] = _options.Stock.RepairQuantityName,
                ["reason"] = _options.Stock.RepairReason,
                ["referenceDocumentUri"] = set.Reference.AbsoluteUri,
                ["quantities"] = new JsonArray(new JsonObject
                {
                    ["inventoryItemId"] = item,
                    ["locationId"] = set.Location.Id,
                    ["quantity"] = set.Quantity,
                    ["changeFromQuantity"] = set.Expected,
                }),
            },
            ["key"] = IdempotencyKey(set.IdempotencyKey, shop),
        };
        var data = await shopify.ExecuteAsync(shop, ShopifyDocuments.SetQuantities, variables, cancellationToken).ConfigureAwait(false);
        var payload = data.GetProperty("inventorySetQuantities");
        if (payload.TryGetProperty("userErrors", out var errors) && errors.EnumerateArray().Any(e => e.TryGetProperty("code", out var c) && c.GetString() == "CHANGE_FROM_QUANTITY_STALE"))
        {
            return false;
        }

        ShopifyClient.ThrowOnUserErrors(payload, "inventorySetQuantities", "IDEMPOTENCY_CONCURRENT_REQUEST");
        return true;
    }

    private const int MaxSkuPages = 10;

    /// <summary>The inventory item of the variant whose SKU is exactly <paramref name="sku"/>, or null when the shop sells none.</summary>
    private async Task<string?> ItemAsync(string shop, string sku, CancellationToken cancellationToken)
    {
        if (items.Find(shop, sku) is { } cached)
        {
            return cached;
        }

        // Shopify's search is not exact (a SKU also finds longer ones): page through what it finds, keep the exact SKU.
        var exact = new List<string?>();
        string? after = null;
        for (var page = 0; page < MaxSkuPages; page++)
        {
            var data = await shopify.ExecuteAsync(shop, ShopifyDocuments.VariantsBySku,
                new JsonObject { ["query"] = ShopifyClient.SearchTerm("sku", sku), ["after"] = after }, cancellationToken).ConfigureAwait(false);
            var variants = data.GetProperty("productVariants");
            exact.AddRange(variants.GetProperty("nodes").EnumerateArray()
                .Where(v => v.TryGetProperty("sku", out var s) && s.GetString() == sku)
                .Select(v => v.GetProperty("inventoryItem").GetProperty("id").GetString()));
            var info = variants.GetProperty("pageInfo");
            after = info.GetProperty("hasNextPage").GetBoolean() ? info.GetProperty("endCursor").GetString() : null;
            if (after is null)
            {
                break;
            }
        }

        if (after is not null && exact.Count == 0)
        {
            throw new Processing.PermanentProcessingException($"{shop}: more than {MaxSkuPages * 50} variants match SKU {sku} and none exactly within them");
        }

        if (exact.Count > 1)
        {
            throw new PermanentProcessingException($"{shop} has {exact.Count} variants with SKU {sku}: stock cannot be matched to one");
        }

        if (exact.Count == 1 && exact[0] is { } id)
        {
            items.Remember(shop, sku, id);
            return id;
        }

        return null;
    }
}
