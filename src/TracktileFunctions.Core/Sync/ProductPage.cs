using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Sync;

/// <summary>One product version in a page: its own event id (the product's id and version) and the product as Tracktile returned it.</summary>
/// <param name="EventId">The product version's id: what its upsert is keyed by, and what a poisoned product is listed and replayed by.</param>
/// <param name="Product">The product.</param>
public sealed record PageProduct(string EventId, JsonElement Product);

/// <summary>
/// A page of changed products: what one queue message of the product batch carries (<see cref="ProductPage.Kind"/>),
/// applied to a target in one invocation. A product that fails is retried on its own, in a smaller page.
/// </summary>
/// <param name="Id">The page's id (the message's event id).</param>
/// <param name="Products">The products, in the order Tracktile returned them.</param>
/// <param name="Full">A forced full resync: write every product, even a version sync state says the target has.</param>
public sealed record ProductPage(string Id, IReadOnlyList<PageProduct> Products, bool Full)
{
    /// <summary>The kind of a page message.</summary>
    public const string Kind = "product.page";

    /// <summary>The kind of a one-product message from before pages (still read: they may wait in a queue or in poison).</summary>
    public const string SingleProductKind = "product.changed";

    private static readonly JsonEncodedText FullName = JsonEncodedText.Encode("full");
    private static readonly JsonEncodedText ProductsName = JsonEncodedText.Encode("products");
    private static readonly JsonEncodedText EventIdName = JsonEncodedText.Encode("eventId");
    private static readonly JsonEncodedText ProductName = JsonEncodedText.Encode("product");

    /// <summary>
    /// The event id of one product version: the product's id and its <c>modifiedAt</c>, so a repeat of the same version
    /// (an overlapping run) is known as one. A product without a readable <c>modifiedAt</c> gets one per run, so a later
    /// change is never taken for a repeat; a forced resync gets its own per run.
    /// </summary>
    public static string VersionId(string? productId, DateTimeOffset? modifiedAt, ReadOnlySpan<byte> productJson, DateTimeOffset runStartedAt, bool full)
    {
        var version = modifiedAt?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)
            ?? $"{Convert.ToHexStringLower(SHA256.HashData(productJson))[..16]}-{runStartedAt.UtcTicks}";
        return $"{productId ?? "no-id"}@{version}" + (full ? $"@full-{runStartedAt.UtcTicks}" : "");
    }

    /// <summary>The message payload: <c>{"full": bool, "products": [{"eventId": "...", "product": {...}}]}</c>.</summary>
    /// <param name="products">Each product's event id and its JSON (written as it is, byte for byte).</param>
    /// <param name="full">A forced full resync.</param>
    public static byte[] Encode(IEnumerable<(string EventId, ReadOnlyMemory<byte> Json)> products, bool full)
    {
        ArgumentNullException.ThrowIfNull(products);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBoolean(FullName, full);
            writer.WriteStartArray(ProductsName);
            foreach (var (eventId, json) in products)
            {
                writer.WriteStartObject();
                writer.WriteString(EventIdName, eventId);
                writer.WritePropertyName(ProductName);
                writer.WriteRawValue(json.Span, skipInputValidation: true);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The payload of a page made of some of this page's products (a retry, a poisoned product).</summary>
    public static byte[] Encode(IEnumerable<PageProduct> products, bool full)
        => Encode(products.Select(p => (p.EventId, (ReadOnlyMemory<byte>)JsonSerializer.SerializeToUtf8Bytes(p.Product))), full);

    /// <summary>Reads the page a queue message carries: a page, or one product from before pages.</summary>
    /// <exception cref="PermanentProcessingException">The message is neither.</exception>
    public static ProductPage Read(WebhookEventReceived evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        if (evt.Kind == SingleProductKind)
        {
            return new ProductPage(evt.EventId, [new PageProduct(evt.EventId, evt.Payload)], evt.EventId.Contains("@full-", StringComparison.Ordinal));
        }

        var payload = evt.Payload;
        if (evt.Kind != Kind || payload.ValueKind != JsonValueKind.Object
            || !payload.TryGetProperty("products", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw new PermanentProcessingException($"not a product page: kind {evt.Kind}, expected {Kind} with a 'products' array");
        }

        var full = payload.TryGetProperty("full", out var f) && f.ValueKind == JsonValueKind.True;
        var products = new List<PageProduct>(items.GetArrayLength());
        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("eventId", out var id) || id.GetString() is not { Length: > 0 } eventId
                || !item.TryGetProperty("product", out var product))
            {
                throw new PermanentProcessingException($"product page {evt.EventId}: entry {products.Count} has no 'eventId' or 'product'");
            }

            products.Add(new PageProduct(eventId, product));
        }

        return new ProductPage(evt.EventId, products, full);
    }
}

/// <summary>What became of one product of a page: applied (with a short outcome for the logs) or failed.</summary>
public readonly record struct ProductOutcome(string? Applied, Exception? Error)
{
    /// <summary>Written, or found up to date.</summary>
    public static ProductOutcome Done(string outcome) => new(outcome, null);

    /// <summary>Failed: retried on its own (transient) or poisoned (permanent).</summary>
    public static ProductOutcome Failed(Exception error) => new(null, error);
}

/// <summary>
/// One system's handling of the product batch's pages (the ERP's items, the SKU index). Writing a product is
/// idempotent by nature (a replace, or a look-up then a write), so a page needs no ledger claim: the target keeps its
/// own version guard, read and written per page.
/// </summary>
public interface IProductPageTarget
{
    /// <summary>The target's name, for the logs.</summary>
    string Name { get; }

    /// <summary>Applies the page; returns one outcome per product, in the page's order. Throws only when nothing was applied.</summary>
    Task<IReadOnlyList<ProductOutcome>> ApplyAsync(ProductPage page, CancellationToken cancellationToken);
}
