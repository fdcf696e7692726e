namespace TracktileFunctions.Shopify;

/// <summary>
/// Every GraphQL document the connector sends, in one place: a test validates each of them, with the variables the
/// connector builds, against Shopify's published schema of the pinned version (and the two rules the types cannot
/// say: <c>changeFromQuantity</c> present in each change, <c>@idempotent</c> on the inventory mutations).
/// </summary>
public static class ShopifyDocuments
{
    /// <summary>Variants whose SKU matches a search (Shopify's search is not exact: the connector filters).</summary>
    public const string VariantsBySku = """
        query VariantsBySku($query: String!, $after: String) {
          productVariants(first: 50, after: $after, query: $query) {
            pageInfo { hasNextPage endCursor }
            nodes { id sku inventoryItem { id } }
          }
        }
        """;

    /// <summary>One inventory item's quantities at its locations.</summary>
    public const string InventoryLevels = """
        query InventoryLevels($id: ID!, $names: [String!]!) {
          inventoryItem(id: $id) {
            id
            inventoryLevels(first: 50) {
              nodes { location { id } quantities(names: $names) { name quantity } }
            }
          }
        }
        """;

    /// <summary>Moves quantities by deltas, once per key (Shopify replays the first answer to a repeated key).</summary>
    public const string AdjustQuantities = """
        mutation AdjustQuantities($input: InventoryAdjustQuantitiesInput!, $key: String!) {
          inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
            inventoryAdjustmentGroup { id reason referenceDocumentUri changes { name delta quantityAfterChange } }
            userErrors { code field message }
          }
        }
        """;

    /// <summary>Sets quantities, compare-and-set on <c>changeFromQuantity</c>.</summary>
    public const string SetQuantities = """
        mutation SetQuantities($input: InventorySetQuantitiesInput!, $key: String!) {
          inventorySetQuantities(input: $input) @idempotent(key: $key) {
            inventoryAdjustmentGroup { id reason referenceDocumentUri changes { name delta quantityAfterChange } }
            userErrors { code field message }
          }
        }
        """;

    /// <summary>
    /// The ids of the orders updated since a time, oldest change first, 100 a page (cost about 100 of the single query's
    /// 1,000: the orders themselves are read one by one with <see cref="OrderForImport"/>).
    /// </summary>
    public const string OrdersUpdatedSince = """
        query OrdersUpdatedSince($query: String!, $after: String) {
          orders(first: 100, after: $after, query: $query, sortKey: UPDATED_AT) {
            pageInfo { hasNextPage endCursor }
            nodes { id updatedAt }
          }
        }
        """;

    /// <summary>One order as the import needs it, its lines 100 a page (cost about 400).</summary>
    public const string OrderForImport = """
        query OrderForImport($id: ID!, $after: String) {
          order(id: $id) {
            id legacyResourceId name createdAt updatedAt cancelledAt currencyCode email
            customer { email }
            lineItems(first: 100, after: $after) {
              pageInfo { hasNextPage endCursor }
              nodes {
                sku quantity
                variant { legacyResourceId }
                originalUnitPriceSet { shopMoney { amount } }
              }
            }
          }
        }
        """;

    /// <summary>The app's webhook subscriptions in one shop.</summary>
    public const string WebhookSubscriptions = """
        query WebhookSubscriptions($after: String) {
          webhookSubscriptions(first: 100, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes { id topic uri }
          }
        }
        """;

    /// <summary>Subscribes one topic to this app's webhook URL.</summary>
    public const string CreateWebhookSubscription = """
        mutation CreateWebhookSubscription($topic: WebhookSubscriptionTopic!, $subscription: WebhookSubscriptionInput!) {
          webhookSubscriptionCreate(topic: $topic, webhookSubscription: $subscription) {
            webhookSubscription { id topic uri }
            userErrors { field message }
          }
        }
        """;

    /// <summary>Every document, by operation name.</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["VariantsBySku"] = VariantsBySku,
        ["InventoryLevels"] = InventoryLevels,
        ["AdjustQuantities"] = AdjustQuantities,
        ["SetQuantities"] = SetQuantities,
        ["OrdersUpdatedSince"] = OrdersUpdatedSince,
        ["OrderForImport"] = OrderForImport,
        ["WebhookSubscriptions"] = WebhookSubscriptions,
        ["CreateWebhookSubscription"] = CreateWebhookSubscription,
    };

    /// <summary>The operation name of <paramref name="document"/> (the word after <c>query</c>/<c>mutation</c>).</summary>
    public static string NameOf(string document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var words = document.Split([' ', '(', '{', '\n', '\r'], 3, StringSplitOptions.RemoveEmptyEntries);
        return words.Length >= 2 ? words[1] : throw new ArgumentException("not a named operation", nameof(document));
    }
}
