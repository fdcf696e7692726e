using System.Globalization;
using System.Text.Json.Nodes;
using GraphQLParser.AST;
using TracktileFunctions.Sandbox.Hosting;

namespace TracktileFunctions.Sandbox.Shopify;

/// <summary>The root fields the fake implements, over a snapshot of one shop (queries) or the state (mutations).</summary>
internal sealed class ShopifyResolvers(SandboxState state, string shop, string version, GqlExecutor executor)
{
    private static readonly HashSet<string> Mutations = new(StringComparer.Ordinal)
    {
        "inventoryAdjustQuantities", "inventorySetQuantities", "webhookSubscriptionCreate", "webhookSubscriptionDelete",
    };

    private ShopifySnapshot? _snapshot;

    private ShopifySnapshot Snapshot => _snapshot ??= state.ShopifySnapshotOf(shop);

    /// <summary>Resolves each root field and projects it; mutations run one after the other, as GraphQL requires.</summary>
    public async Task<JsonObject> ExecuteAsync(CancellationToken ct)
    {
        var rootType = executor.IsMutation ? "Mutation" : "QueryRoot";
        var data = new JsonObject();
        foreach (var (key, field) in executor.RootFields(rootType))
        {
            var name = field.Name.StringValue;
            var args = executor.Arguments(field);
            object? value = executor.IsMutation ? await MutateAsync(name, field, args, ct) : Query(name, args);
            data[key] = executor.Project(value, [field]);
            _snapshot = null; // a later field sees the effect of an earlier mutation
        }

        return data;
    }

    private object? Query(string name, GqlArgs args) => name switch
    {
        "__typename" => "QueryRoot",
        "shop" => Shop(),
        "locations" => GqlConnection.Create("LocationConnection", Snapshot.Locations.Where(l => args.Bool("includeInactive") == true || l.IsActive).ToList(),
            l => ShopifyFormat.SortKey(l.LegacyResourceId), Location, args),
        "location" => Snapshot.Locations.FirstOrDefault(l => l.Id == args.String("id")) is { } location ? Location(location) : null,
        "productVariants" => ProductVariants(args),
        "productVariant" => Snapshot.Variants.FirstOrDefault(v => v.Id == args.String("id")) is { } variant ? Variant(variant) : null,
        "inventoryItems" => InventoryItems(args),
        "inventoryItem" => Snapshot.Variants.FirstOrDefault(v => v.InventoryItemId == args.String("id")) is { } item ? InventoryItem(item) : null,
        "orders" => Orders(args),
        "order" => VisibleOrders().FirstOrDefault(o => o.GraphqlId == args.String("id")) is { } order ? Order(order) : null,
        "webhookSubscriptions" => WebhookSubscriptions(args),
        "webhookSubscription" => Snapshot.Subscriptions.FirstOrDefault(s => s.Id == args.String("id")) is { } subscription ? Subscription(subscription) : null,
        _ => throw new GqlException($"sandbox: root field {name} not implemented", "SANDBOX_NOT_IMPLEMENTED"),
    };

    private async Task<object?> MutateAsync(string name, GraphQLField field, GqlArgs args, CancellationToken ct)
    {
        if (!Mutations.Contains(name))
        {
            throw new GqlException($"sandbox: root field {name} not implemented", "SANDBOX_NOT_IMPLEMENTED");
        }

        var key = executor.Directive(field, "idempotent")?.String("key");
        if (key is not null && string.IsNullOrWhiteSpace(key))
        {
            throw new GqlException("The idempotency key cannot be an empty string or whitespace only.", "BAD_REQUEST");
        }

        if (key is null || name.StartsWith("webhook", StringComparison.Ordinal))
        {
            return await RunAsync(name, args, null, ct);
        }

        var begun = state.BeginShopifyIdempotent(shop, key, name + ":" + args.Fingerprint());
        switch (begun.State)
        {
            case ShopifyIdempotencyState.Replay:
                return begun.Stored!.Value;
            case ShopifyIdempotencyState.Mismatch:
                return InventoryPayload(name, null, [new ShopifyUserError(null, "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "The same idempotency key cannot be used with different operation parameters.")]);
            case ShopifyIdempotencyState.InFlight:
                return InventoryPayload(name, null, [new ShopifyUserError(null, "IDEMPOTENCY_CONCURRENT_REQUEST", "This request is currently in progress, please try again.")]);
        }

        try
        {
            var payload = await RunAsync(name, args, key, ct);
            state.CompleteShopifyIdempotent(shop, key, payload);
            return payload;
        }
        catch
        {
            state.AbandonShopifyIdempotent(shop, key);
            throw;
        }
    }

    private async Task<object?> RunAsync(string name, GqlArgs args, string? key, CancellationToken ct)
    {
        switch (name)
        {
            case "webhookSubscriptionCreate":
                return CreateSubscription(args);
            case "webhookSubscriptionDelete":
                var id = args.String("id") ?? string.Empty;
                var deleted = state.DeleteShopifySubscription(shop, id);
                return new GqlObject("WebhookSubscriptionDeletePayload")
                    .Set("deletedWebhookSubscriptionId", deleted ? id : null)
                    .Set("userErrors", deleted ? new List<GqlObject>() : [UserError(new ShopifyUserError(["id"], string.Empty, "Webhook subscription does not exist"), false)]);
        }

        if (state.ShopifyMutationDelay is { } delay)
        {
            await Task.Delay(delay, ct);
        }

        var input = args["input"] as JsonObject ?? [];
        var set = name == "inventorySetQuantities";
        var lines = (input[set ? "quantities" : "changes"] as JsonArray ?? []).OfType<JsonObject>().Select(line => new ShopifyInventoryLine(
            Str(line["inventoryItemId"]),
            Str(line["locationId"]),
            Int(line[set ? "quantity" : "delta"]) ?? 0,
            Int(line["changeFromQuantity"]),
            set && input["ignoreCompareQuantity"]?.GetValue<bool>() != true ? Int(line["compareQuantity"]) : null,
            Str(line["ledgerDocumentUri"]))).ToList();
        var notStocked = string.CompareOrdinal(version, "2026-10") >= 0 || set ? "INVALID_LOCATION" : "ITEM_NOT_STOCKED_AT_LOCATION";
        var result = state.ApplyShopifyInventory(shop, new ShopifyInventoryRequest(
            name, Str(input["name"]) ?? string.Empty, Str(input["reason"]) ?? string.Empty, Str(input["referenceDocumentUri"]), lines, key, notStocked));
        return InventoryPayload(name, result.Adjustment, result.Errors);
    }

    private GqlObject CreateSubscription(GqlArgs args)
    {
        var topic = args.String("topic") ?? string.Empty;
        var input = args["webhookSubscription"] as JsonObject ?? [];
        var uriField = input.ContainsKey("uri") ? "uri" : "callbackUrl";
        var uri = Str(input["uri"]) ?? Str(input["callbackUrl"]);
        var format = Str(input["format"]) ?? "JSON";
        var payload = new GqlObject("WebhookSubscriptionCreatePayload");
        string? problem = null;
        if (uri is null || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            problem = "Address is invalid";
        }
        else if (parsed.Scheme == Uri.UriSchemeHttp && !parsed.IsLoopback)
        {
            // Shopify delivers to HTTPS only; the sandbox allows http to loopback so tests can listen without TLS.
            problem = "Address protocol http:// is not supported";
        }
        else if (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
        {
            problem = $"Address protocol {parsed.Scheme}:// is not supported by the sandbox";
        }

        if (problem is null)
        {
            var (created, error) = state.CreateShopifySubscription(shop, topic, uri!, format, version);
            if (created is not null)
            {
                return payload.Set("webhookSubscription", Subscription(created)).Set("userErrors", new List<GqlObject>());
            }

            problem = error;
        }

        return payload.Set("webhookSubscription", null)
            .Set("userErrors", new List<GqlObject> { UserError(new ShopifyUserError(["webhookSubscription", uriField], string.Empty, problem!), false) });
    }

    private static GqlObject InventoryPayload(string mutation, ShopifyAdjustment? adjustment, IReadOnlyList<ShopifyUserError> errors)
        => new GqlObject(mutation == "inventorySetQuantities" ? "InventorySetQuantitiesPayload" : "InventoryAdjustQuantitiesPayload", 10)
            .Set("inventoryAdjustmentGroup", adjustment is null ? null : AdjustmentGroup(adjustment))
            .Set("userErrors", errors.Select(e => UserError(e, true)).ToList());

    private static GqlObject UserError(ShopifyUserError error, bool withCode)
    {
        var obj = new GqlObject(withCode ? "InventoryUserError" : "UserError", 0)
            .Set("field", error.Field is null ? null : error.Field.ToList())
            .Set("message", error.Message);
        return withCode ? obj.Set("code", error.Code) : obj;
    }

    private static GqlObject AdjustmentGroup(ShopifyAdjustment adjustment)
    {
        var group = new GqlObject("InventoryAdjustmentGroup")
            .Set("id", adjustment.Id)
            .Set("createdAt", adjustment.CreatedAt)
            .Set("reason", adjustment.Reason)
            .Set("referenceDocumentUri", adjustment.ReferenceDocumentUri)
            .Set("app", null)
            .Set("staffMember", null);
        group["changes"] = args =>
        {
            var names = args.Strings("quantityNames");
            return adjustment.Changes.Where(c => names is null || names.Contains(c.Name)).Select(c => new GqlObject("InventoryChange", 0)
                .Set("name", c.Name)
                .Set("delta", c.Delta)
                .Set("quantityAfterChange", c.QuantityAfterChange)
                .Set("ledgerDocumentUri", c.LedgerDocumentUri)
                .Set("item", new GqlObject("InventoryItem").Set("id", c.InventoryItemId))
                .Set("location", new GqlObject("Location").Set("id", c.LocationId))).ToList();
        };
        return group;
    }

    private GqlObject Shop() => new GqlObject("Shop")
        .Set("id", ShopifyGid.Of("Shop", 60_000_000 + (Snapshot.Domain.Length * 7)))
        .Set("name", Snapshot.Name)
        .Set("myshopifyDomain", Snapshot.Domain)
        .Set("currencyCode", Snapshot.Currency)
        .Set("ianaTimezone", Snapshot.Domain == SandboxState.ShopifyShop ? "America/New_York" : "Etc/UTC");

    private static GqlObject Location(ShopifyLocation location) => new GqlObject("Location")
        .Set("id", location.Id)
        .Set("legacyResourceId", location.LegacyResourceId.ToString(CultureInfo.InvariantCulture))
        .Set("name", location.Name)
        .Set("isActive", location.IsActive);

    private GqlObject ProductVariants(GqlArgs args)
    {
        var terms = ShopifySearch.Parse(args.String("query"));
        var items = Snapshot.Variants.Where(v => ShopifySearch.Matches(terms, v, VariantMatches)).ToList();
        items = Sort(items, args, v => ShopifyFormat.SortKey(v.LegacyResourceId), args.String("sortKey") switch
        {
            "SKU" => v => (v.Sku ?? string.Empty) + "\0" + ShopifyFormat.SortKey(v.LegacyResourceId),
            "TITLE" => v => v.Title + "\0" + ShopifyFormat.SortKey(v.LegacyResourceId),
            _ => null,
        });
        return GqlConnection.Create("ProductVariantConnection", items, Key(items), Variant, args);
    }

    private GqlObject InventoryItems(GqlArgs args)
    {
        var terms = ShopifySearch.Parse(args.String("query"));
        var items = Snapshot.Variants.Where(v => ShopifySearch.Matches(terms, v, VariantMatches)).ToList();
        return GqlConnection.Create("InventoryItemConnection", items, v => ShopifyFormat.SortKey(v.LegacyResourceId), InventoryItem, args);
    }

    private static bool VariantMatches(ShopifyVariant v, ShopifySearchTerm term) => term.Field switch
    {
        "sku" => ShopifySearch.TextMatches(v.Sku, term.Value),
        "title" => ShopifySearch.TextMatches(v.Title, term.Value),
        "id" => ShopifySearch.NumberMatches(v.LegacyResourceId, term),
        null => ShopifySearch.TextMatches(v.Sku, term.Value) || ShopifySearch.TextMatches(v.Title, term.Value),
        _ => true, // Shopify ignores a field it does not know (with a search warning)
    };

    private GqlObject Variant(ShopifyVariant v)
    {
        var variant = new GqlObject("ProductVariant")
            .Set("id", v.Id)
            .Set("legacyResourceId", v.LegacyResourceId.ToString(CultureInfo.InvariantCulture))
            .Set("sku", v.Sku)
            .Set("title", v.Title)
            .Set("displayName", v.Title);
        variant["inventoryItem"] = _ => InventoryItem(v);
        variant["product"] = _ => new GqlObject("Product").Set("id", v.ProductId).Set("title", v.Title);
        variant["inventoryQuantity"] = _ => Snapshot.Levels.GetValueOrDefault(Number(v.InventoryItemId))?.Values.Sum(q => Quantity(q, "available")) ?? 0;
        return variant;
    }

    private GqlObject InventoryItem(ShopifyVariant v)
    {
        var item = new GqlObject("InventoryItem")
            .Set("id", v.InventoryItemId)
            .Set("legacyResourceId", Number(v.InventoryItemId).ToString(CultureInfo.InvariantCulture))
            .Set("sku", v.Sku)
            .Set("tracked", v.Tracked);
        item["variant"] = _ => Variant(v);
        item["inventoryLevels"] = args =>
        {
            var levels = (Snapshot.Levels.GetValueOrDefault(Number(v.InventoryItemId)) ?? new Dictionary<long, IReadOnlyDictionary<string, int>>())
                .OrderBy(p => p.Key).ToList();
            return GqlConnection.Create("InventoryLevelConnection", levels, p => ShopifyFormat.SortKey(p.Key), p => Level(v, p.Key, p.Value), args);
        };
        item["inventoryLevel"] = args => ShopifyGid.TryParse(args.String("locationId"), "Location", out var location)
                                         && Snapshot.Levels.GetValueOrDefault(Number(v.InventoryItemId))?.TryGetValue(location, out var q) == true
            ? Level(v, location, q!)
            : null;
        return item;
    }

    private GqlObject Level(ShopifyVariant v, long location, IReadOnlyDictionary<string, int> quantities)
    {
        var level = new GqlObject("InventoryLevel")
            .Set("id", $"gid://shopify/InventoryLevel/{Number(v.InventoryItemId)}?inventory_item_id={Number(v.InventoryItemId)}&location_id={location}")
            .Set("isActive", true);
        level["location"] = _ => Snapshot.Locations.FirstOrDefault(l => l.LegacyResourceId == location) is { } l ? Location(l) : null;
        level["item"] = _ => InventoryItem(v);
        level["quantities"] = args =>
        {
            var names = args.Strings("names") ?? [];
            var unknown = names.FirstOrDefault(n => !SandboxState.ShopifyQuantityNamesPublic.Contains(n, StringComparer.Ordinal));
            if (unknown is not null)
            {
                throw new GqlException($"The quantity name '{unknown}' is not valid.", "BAD_REQUEST");
            }

            return names.Select(n => new GqlObject("InventoryQuantity", 0).Set("name", n).Set("quantity", Quantity(quantities, n))
                .Set("id", $"gid://shopify/InventoryQuantity/{Number(v.InventoryItemId)}?location_id={location}&name={n}")).ToList();
        };
        return level;
    }

    private IReadOnlyList<ShopifyOrder> VisibleOrders()
        => [.. Snapshot.Orders.Where(o => Snapshot.ReadAllOrders || o.CreatedAt >= Snapshot.Now.AddDays(-60))];

    private GqlObject Orders(GqlArgs args)
    {
        var terms = ShopifySearch.Parse(args.String("query"));
        var items = VisibleOrders().Where(o => ShopifySearch.Matches(terms, o, OrderMatches)).ToList();
        Func<ShopifyOrder, string> id = o => ShopifyFormat.SortKey(o.Id);
        items = Sort(items, args, id, (args.String("sortKey") ?? "PROCESSED_AT") switch
        {
            "UPDATED_AT" => o => ShopifyFormat.SortKey(o.UpdatedAt) + ":" + id(o),
            "CREATED_AT" or "PROCESSED_AT" => o => ShopifyFormat.SortKey(o.CreatedAt) + ":" + id(o),
            "ORDER_NUMBER" => o => ShopifyFormat.SortKey(o.OrderNumber) + ":" + id(o),
            _ => null,
        });
        return GqlConnection.Create("OrderConnection", items, Key(items), Order, args);
    }

    private static bool OrderMatches(ShopifyOrder o, ShopifySearchTerm term) => term.Field switch
    {
        "updated_at" => ShopifySearch.TimeMatches(o.UpdatedAt, term),
        "created_at" or "processed_at" => ShopifySearch.TimeMatches(o.CreatedAt, term),
        "id" => ShopifySearch.NumberMatches(o.Id, term),
        "name" => string.Equals(o.Name.TrimStart('#'), term.Value.TrimStart('#'), StringComparison.OrdinalIgnoreCase),
        "email" => string.Equals(o.Email, term.Value, StringComparison.OrdinalIgnoreCase),
        "sku" => o.LineItems.Any(l => ShopifySearch.TextMatches(l.Sku, term.Value)),
        "financial_status" => string.Equals(o.FinancialStatus, term.Value, StringComparison.OrdinalIgnoreCase),
        "status" => term.Value.ToLowerInvariant() switch
        {
            "any" => true,
            "cancelled" => o.CancelledAt is not null,
            "open" or "not_closed" => o.CancelledAt is null,
            "closed" => false,
            _ => false,
        },
        null => string.Equals(o.Name.TrimStart('#'), term.Value.TrimStart('#'), StringComparison.OrdinalIgnoreCase)
                || string.Equals(o.Email, term.Value, StringComparison.OrdinalIgnoreCase),
        _ => true,
    };

    private static GqlObject Order(ShopifyOrder o)
    {
        var order = new GqlObject("Order")
            .Set("id", o.GraphqlId)
            .Set("legacyResourceId", o.Id.ToString(CultureInfo.InvariantCulture))
            .Set("name", o.Name)
            .Set("createdAt", o.CreatedAt)
            .Set("updatedAt", o.UpdatedAt)
            .Set("processedAt", o.CreatedAt)
            .Set("cancelledAt", o.CancelledAt)
            .Set("cancelReason", o.CancelReason?.ToUpperInvariant())
            .Set("closed", false)
            .Set("test", false)
            .Set("displayFinancialStatus", o.FinancialStatus.ToUpperInvariant())
            .Set("displayFulfillmentStatus", o.FulfillmentStatus switch { "fulfilled" => "FULFILLED", "partial" => "PARTIALLY_FULFILLED", _ => "UNFULFILLED" })
            .Set("currencyCode", o.Currency)
            .Set("email", o.Email)
            .Set("customer", o.Customer is { } c ? new GqlObject("Customer")
                .Set("id", ShopifyGid.Of("Customer", c.Id)).Set("email", c.Email).Set("firstName", c.FirstName).Set("lastName", c.LastName) : null)
            .Set("shippingAddress", o.ShippingAddress is { } a ? new GqlObject("MailingAddress")
                .Set("firstName", a.FirstName).Set("lastName", a.LastName).Set("address1", a.Address1).Set("address2", a.Address2)
                .Set("city", a.City).Set("province", a.Province).Set("zip", a.Zip).Set("country", a.Country)
                .Set("countryCodeV2", a.CountryCode).Set("phone", a.Phone).Set("company", a.Company) : null);
        order["lineItems"] = args => GqlConnection.Create("LineItemConnection", o.LineItems, l => ShopifyFormat.SortKey(l.Id), l => LineItem(o, l), args);
        return order;
    }

    private static GqlObject LineItem(ShopifyOrder o, ShopifyLineItem l)
    {
        GqlObject MoneyBag(decimal amount) => new GqlObject("MoneyBag", 0)
            .Set("shopMoney", new GqlObject("MoneyV2", 0).Set("amount", ShopifyFormat.Money(amount)).Set("currencyCode", o.Currency))
            .Set("presentmentMoney", new GqlObject("MoneyV2", 0).Set("amount", ShopifyFormat.Money(amount)).Set("currencyCode", o.Currency));
        return new GqlObject("LineItem")
            .Set("id", ShopifyGid.Of("LineItem", l.Id))
            .Set("sku", l.Sku)
            .Set("name", l.Title)
            .Set("title", l.Title)
            .Set("quantity", l.Quantity)
            .Set("currentQuantity", l.Quantity)
            .Set("unfulfilledQuantity", l.FulfillableQuantity)
            .Set("variant", l.VariantId is { } v ? new GqlObject("ProductVariant")
                .Set("id", ShopifyGid.Of("ProductVariant", v)).Set("legacyResourceId", v.ToString(CultureInfo.InvariantCulture)).Set("sku", l.Sku) : null)
            .Set("originalUnitPriceSet", MoneyBag(l.Price));
    }

    private GqlObject WebhookSubscriptions(GqlArgs args)
    {
        var topics = args.Strings("topics");
        var uri = args.String("uri") ?? args.String("callbackUrl");
        var items = Snapshot.Subscriptions
            .Where(s => (topics is null || topics.Contains(s.Topic)) && (uri is null || s.Uri == uri)
                        && (args.String("format") is not { } format || s.Format == format))
            .ToList();
        items = Sort(items, args, s => ShopifyFormat.SortKey(Number(s.Id)), args.String("sortKey") == "ID" ? s => ShopifyFormat.SortKey(Number(s.Id)) : null);
        return GqlConnection.Create("WebhookSubscriptionConnection", items, Key(items), Subscription, args);
    }

    private static GqlObject Subscription(ShopifyWebhookSubscription s) => new GqlObject("WebhookSubscription")
        .Set("id", s.Id)
        .Set("legacyResourceId", Number(s.Id).ToString(CultureInfo.InvariantCulture))
        .Set("topic", s.Topic)
        .Set("uri", s.Uri)
        .Set("callbackUrl", s.Uri)
        .Set("format", s.Format)
        .Set("createdAt", s.CreatedAt)
        .Set("updatedAt", s.CreatedAt)
        .Set("includeFields", new List<string>())
        .Set("metafieldNamespaces", new List<string>())
        .Set("filter", null)
        .Set("name", null)
        .Set("apiVersion", new GqlObject("ApiVersion", 0).Set("handle", s.ApiVersion).Set("displayName", s.ApiVersion).Set("supported", true))
        .Set("endpoint", new GqlObject("WebhookHttpEndpoint").Set("callbackUrl", s.Uri));

    /// <summary>Sorts by <paramref name="sortKey"/> (the id when null), reversed when asked; the cursor key follows the order.</summary>
    private List<T> Sort<T>(List<T> items, GqlArgs args, Func<T, string> id, Func<T, string>? sortKey)
    {
        var key = sortKey ?? id;
        var sorted = items.OrderBy(key, StringComparer.Ordinal).ToList();
        if (args.Bool("reverse") == true)
        {
            sorted.Reverse();
        }

        _sortKey = item => key((T)item!);
        return sorted;
    }

    private Func<object?, string> _sortKey = _ => string.Empty;

    private Func<T, string> Key<T>(IReadOnlyList<T> items) => item => _sortKey(item);

    private static int Quantity(IReadOnlyDictionary<string, int> q, string name)
    {
        var unavailable = q["damaged"] + q["quality_control"] + q["reserved"] + q["safety_stock"];
        return name switch
        {
            "on_hand" => q["available"] + q["committed"] + unavailable,
            "unavailable" => unavailable,
            _ => q.GetValueOrDefault(name),
        };
    }

    private static long Number(string gid) => long.Parse(gid.AsSpan(gid.LastIndexOf('/') + 1), CultureInfo.InvariantCulture);

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static int? Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var n) ? (int)Math.Clamp(n, int.MinValue, int.MaxValue)
        : node is JsonValue d && d.TryGetValue<double>(out var f) ? (int)f
        : node is JsonValue m && m.TryGetValue<decimal>(out var dm) ? (int)dm : null;
}
