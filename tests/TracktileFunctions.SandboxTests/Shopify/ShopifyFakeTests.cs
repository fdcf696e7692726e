using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Shopify;

namespace TracktileFunctions.SandboxTests.Shopify;

/// <summary>The fake Shopify over real HTTP: token grant, GraphQL validation, idempotency, CAS, throttling, search, paging, webhooks.</summary>
public sealed class ShopifyFakeTests : IAsyncLifetime
{
    private const string Version = "2026-04";
    private const string AdjustMutation = """
        mutation Adjust($input: InventoryAdjustQuantitiesInput!, $key: String!) {
          inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
            inventoryAdjustmentGroup { id reason referenceDocumentUri changes { name delta quantityAfterChange item { id } location { id } } }
            userErrors { code field message }
          }
        }
        """;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private SandboxServer _server = null!;
    private HttpClient Http { get; set; } = null!;

    private SandboxState State => _server.State;

    public async Task InitializeAsync()
    {
        _server = await SandboxServer.StartAsync(new SandboxOptions { TimeProvider = _time });
        Http = new HttpClient { BaseAddress = _server.ShopifyShopAddress() };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Token_ClientCredentials_IssuesExpiringTokenThatWorks()
    {
        using var response = await Http.PostAsync("admin/oauth/access_token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = SandboxState.ShopifyClientId,
            ["client_secret"] = SandboxState.ShopifyClientSecret,
        }));
        var body = await ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = body["access_token"]!.GetValue<string>();
        Assert.StartsWith("shpat_", token, StringComparison.Ordinal);
        Assert.Equal(86399, body["expires_in"]!.GetValue<int>());
        Assert.Equal(SandboxState.ShopifyScopes, body["scope"]!.GetValue<string>());
        Assert.Equal(1, State.ShopifyTokensIssued);
        Assert.DoesNotContain(SandboxState.ShopifyClientSecret, State.Calls.Single().Body, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await GraphqlAsync("{ shop { name } }", token: token)).Status);
        _time.Advance(TimeSpan.FromSeconds(86400));
        Assert.Equal(HttpStatusCode.Unauthorized, (await GraphqlAsync("{ shop { name } }", token: token)).Status);
    }

    [Fact]
    public async Task Token_JsonBodyWithWrongSecret_Returns400InvalidClient()
    {
        using var response = await Http.PostAsJsonAsync("admin/oauth/access_token", new
        {
            grant_type = "client_credentials", client_id = SandboxState.ShopifyClientId, client_secret = "wrong",
        });
        var body = await ReadAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_client", body["error"]!.GetValue<string>());
        Assert.Equal(0, State.ShopifyTokensIssued);
    }

    [Fact]
    public async Task Graphql_WithoutToken_Returns401WithShopifyBody()
    {
        var (status, body, _) = await GraphqlAsync("{ shop { name } }", token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("[API] Invalid API key or access token (unrecognized login or wrong password)", body["errors"]!.GetValue<string>());
    }

    [Fact]
    public async Task Graphql_OldVersion_FallsForwardAndSaysSo()
    {
        var (status, body, headers) = await GraphqlAsync("{ shop { myshopifyDomain currencyCode } }", version: "2024-01");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("2025-10", headers.GetValues("X-Shopify-API-Version").Single());
        Assert.Equal(SandboxState.ShopifyShop, body["data"]!["shop"]!["myshopifyDomain"]!.GetValue<string>());
        Assert.NotNull(body["extensions"]!["cost"]!["throttleStatus"]!["currentlyAvailable"]);
    }

    [Fact]
    public async Task Graphql_InvalidDocument_AnswersErrorsAndAppliesNothing()
    {
        var variant = State.SeedShopifyVariant(SandboxState.ShopifyShop, "ABC-1", [new ShopifyStock(SandboxState.ShopifyMainLocationId, 10)]);
        var input = AdjustInput(variant, 5, changeFrom: 10);
        var broken = AdjustMutation.Replace("userErrors { code field message }", "userErrors { code field message bogus }", StringComparison.Ordinal);

        var (status, body, _) = await GraphqlAsync(broken, new JsonObject { ["input"] = input, ["key"] = Guid.NewGuid().ToString() });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(body["data"]);
        Assert.NotEmpty(body["errors"]!.AsArray());
        Assert.Equal(10, State.ShopifyQuantity(SandboxState.ShopifyShop, variant.InventoryItemId, SandboxState.ShopifyMainLocationId, "available"));
        Assert.Empty(State.ShopifyAdjustments);
    }

    [Fact]
    public async Task Graphql_UnimplementedRootField_AnswersSandboxError()
    {
        var (_, body, _) = await GraphqlAsync("{ products(first: 1) { nodes { id } } }");

        Assert.Contains("sandbox: root field products not implemented", body["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Adjust_SameKeySameInput_AppliesOnceAndReplaysTheSameBody()
    {
        var variant = State.SeedShopifyVariant(SandboxState.ShopifyShop, "ABC-1", [new ShopifyStock(SandboxState.ShopifyMainLocationId, 10)]);
        var variables = new JsonObject { ["input"] = AdjustInput(variant, -3, changeFrom: 10), ["key"] = Guid.NewGuid().ToString() };

        var first = await GraphqlAsync(AdjustMutation, variables);
        var replay = await GraphqlAsync(AdjustMutation, variables);

        var payload = first.Body["data"]!["inventoryAdjustQuantities"]!;
        Assert.Empty(payload["userErrors"]!.AsArray());
        Assert.Equal(payload.ToJsonString(), replay.Body["data"]!["inventoryAdjustQuantities"]!.ToJsonString());
        Assert.Equal(7, State.ShopifyQuantity(SandboxState.ShopifyShop, variant.InventoryItemId, SandboxState.ShopifyMainLocationId, "available"));
        Assert.Single(State.ShopifyAdjustments);
        var changes = payload["inventoryAdjustmentGroup"]!["changes"]!.AsArray();
        Assert.Contains(changes, c => c!["name"]!.GetValue<string>() == "available" && c["delta"]!.GetValue<int>() == -3 && c["quantityAfterChange"]!.GetValue<int>() == 7);
        Assert.Contains(changes, c => c!["name"]!.GetValue<string>() == "on_hand" && c["delta"]!.GetValue<int>() == -3);
    }

    [Fact]
    public async Task Adjust_SameKeyOtherInput_ReturnsParameterMismatchAndAppliesNothing()
    {
        var variant = State.SeedShopifyVariant(SandboxState.ShopifyShop, "ABC-1", [new ShopifyStock(SandboxState.ShopifyMainLocationId, 10)]);
        var key = Guid.NewGuid().ToString();
        await GraphqlAsync(AdjustMutation, new JsonObject { ["input"] = AdjustInput(variant, 1, changeFrom: 10), ["key"] = key });

        var (_, body, _) = await GraphqlAsync(AdjustMutation, new JsonObject { ["input"] = AdjustInput(variant, 2, changeFrom: 11), ["key"] = key });

        var payload = body["data"]!["inventoryAdjustQuantities"]!;
        Assert.Null(payload["inventoryAdjustmentGroup"]);
        Assert.Equal("IDEMPOTENCY_KEY_PARAMETER_MISMATCH", payload["userErrors"]![0]!["code"]!.GetValue<string>());
        Assert.Equal(11, State.ShopifyQuantity(SandboxState.ShopifyShop, variant.InventoryItemId, SandboxState.ShopifyMainLocationId, "available"));
    }

    [Fact]
    public async Task Adjust_WithoutKeyOn202604_IsRefusedByTheSchemaRules()
    {
        var variant = State.SeedShopifyVariant(SandboxState.ShopifyShop, "ABC-1", [new ShopifyStock(SandboxState.ShopifyMainLocationId, 10)]);
        var mutation = AdjustMutation.Replace(" @idempotent(key: $key)", string.Empty, StringComparison.Ordinal).Replace(", $key: String!", string.Empty, StringComparison.Ordinal);

        var (_, body, _) = await GraphqlAsync(mutation, new JsonObject { ["input"] = AdjustInput(variant, 1, changeFrom: 10) });

        Assert.Equal("IDEMPOTENCY_KEY_REQUIRED", body["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Empty(State.ShopifyAdjustments);
    }

    [Fact]
    public async Task Adjust_StaleChangeFromQuantity_ReturnsStaleAndAppliesNothing()
    {
        var variant = State.SeedShopifyVariant(SandboxState.ShopifyShop, "ABC-1", [new ShopifyStock(SandboxState.ShopifyMainLocationId, 10)]);

        var (_, body, _) = await GraphqlAsync(AdjustMutation, new JsonObject { ["input"] = AdjustInput(variant, 5, changeFrom: 9), ["key"] = Guid.NewGuid().ToString() });

        var error = body["data"]!["inventoryAdjustQuantities"]!["userErrors"]![0]!;
        Assert.Equal("CHANGE_FROM_QUANTITY_STALE", error["code"]!.GetValue<string>());
        Assert.Equal(10, State.ShopifyQuantity(SandboxState.ShopifyShop, variant.InventoryItemId, SandboxState.ShopifyMainLocationId, "available"));
    }

    [Fact]
    public async Task SetQuantities_CompareAndSet_SetsOnHandAndRefusesStale()
    {
        var variant = State.SeedShopifyVariant(SandboxState.ShopifyShop, "ABC-1", [new ShopifyStock(SandboxState.ShopifyMainLocationId, 10, Committed: 2)]);
        const string mutation = """
            mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
              inventorySetQuantities(input: $input) @idempotent(key: $key) { inventoryAdjustmentGroup { id } userErrors { code field message } }
            }
            """;
        JsonObject Input(int quantity, int? changeFrom) => new()
        {
            ["name"] = "on_hand", ["reason"] = "cycle_count_available", ["referenceDocumentUri"] = "tracktile://lot/BATCH-1",
            ["quantities"] = new JsonArray(new JsonObject
            {
                ["inventoryItemId"] = variant.InventoryItemId, ["locationId"] = SandboxState.ShopifyMainLocationId, ["quantity"] = quantity, ["changeFromQuantity"] = changeFrom,
            }),
        };

        var ok = await GraphqlAsync(mutation, new JsonObject { ["input"] = Input(20, 12), ["key"] = Guid.NewGuid().ToString() });
        var stale = await GraphqlAsync(mutation, new JsonObject { ["input"] = Input(25, 12), ["key"] = Guid.NewGuid().ToString() });

        Assert.Empty(ok.Body["data"]!["inventorySetQuantities"]!["userErrors"]!.AsArray());
        Assert.Equal("CHANGE_FROM_QUANTITY_STALE", stale.Body["data"]!["inventorySetQuantities"]!["userErrors"]![0]!["code"]!.GetValue<string>());
        Assert.Equal(20, State.ShopifyQuantity(SandboxState.ShopifyShop, variant.InventoryItemId, SandboxState.ShopifyMainLocationId, "on_hand"));
        Assert.Equal(18, State.ShopifyQuantity(SandboxState.ShopifyShop, variant.InventoryItemId, SandboxState.ShopifyMainLocationId, "available"));
    }

    [Fact]
    public async Task Graphql_BucketTooSmall_AnswersThrottledWith200ThenWith429InThatMode()
    {
        State.ShopifyMaximumAvailable = 10;
        State.ShopifyRestoreRate = 1;
        const string query = "{ locations(first: 50) { nodes { id name } } }";

        var throttled = await GraphqlAsync(query);
        State.ShopifyThrottleStatusCode = 429;
        var throttled429 = await GraphqlAsync(query);

        Assert.Equal(HttpStatusCode.OK, throttled.Status);
        Assert.Equal("THROTTLED", throttled.Body["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.True(throttled.Body["extensions"]!["cost"]!["requestedQueryCost"]!.GetValue<int>() > 10);
        Assert.Equal((HttpStatusCode)429, throttled429.Status);
        Assert.Equal("1", throttled429.Headers.GetValues("Retry-After").Single());
        Assert.Equal(2, State.ShopifyThrottledCount);
    }

    [Fact]
    public async Task Graphql_Cost_IsChargedAndRefundedAndRestoredOverTime()
    {
        var (_, body, _) = await GraphqlAsync("{ locations(first: 50) { nodes { id name } } }");

        var cost = body["extensions"]!["cost"]!;
        var requested = cost["requestedQueryCost"]!.GetValue<int>();
        var actual = cost["actualQueryCost"]!.GetValue<int>();
        Assert.True(actual < requested, $"actual {actual} should be refunded below requested {requested} (2 locations, not 50)");
        Assert.Equal(2000 - actual, cost["throttleStatus"]!["currentlyAvailable"]!.GetValue<double>());
        Assert.Equal(2000, cost["throttleStatus"]!["maximumAvailable"]!.GetValue<double>());
        Assert.Equal(100, cost["throttleStatus"]!["restoreRate"]!.GetValue<double>());
    }

    [Fact]
    public async Task ProductVariants_SkuSearch_ReturnsNonExactMatchesToo()
    {
        State.SeedShopifyVariant(SandboxState.ShopifyShop, "ABC-1");
        State.SeedShopifyVariant(SandboxState.ShopifyShop, "ABC-10");
        State.SeedShopifyVariant(SandboxState.ShopifyShop, "XYZ-1");
        State.SeedShopifyVariant(SandboxState.ShopifySecondShop, "ABC-1");

        var (_, body, _) = await GraphqlAsync("""
            query($q: String) { productVariants(first: 10, query: $q) { nodes { id sku inventoryItem { id tracked } } pageInfo { hasNextPage } } }
            """, new JsonObject { ["q"] = "sku:'ABC-1'" });

        var skus = body["data"]!["productVariants"]!["nodes"]!.AsArray().Select(n => n!["sku"]!.GetValue<string>()).ToList();
        Assert.Equal(["ABC-1", "ABC-10"], skus);
    }

    [Fact]
    public async Task Orders_UpdatedAtFilter_PagesByCursor()
    {
        for (var i = 0; i < 4; i++)
        {
            await State.CreateShopifyOrderAsync(SandboxState.ShopifyShop, new ShopifyOrderSeed([new ShopifyLineItemSeed("ABC-1", 1, 9.5m)]));
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        const string query = """
            query($after: String) {
              orders(first: 2, after: $after, query: "updated_at:>='2026-03-01T12:00:30Z'", sortKey: UPDATED_AT) {
                edges { cursor node { id name updatedAt lineItems(first: 5) { nodes { sku quantity originalUnitPriceSet { shopMoney { amount currencyCode } } } } } }
                pageInfo { hasNextPage endCursor }
              }
            }
            """;
        var page1 = (await GraphqlAsync(query)).Body["data"]!["orders"]!;
        var page2 = (await GraphqlAsync(query, new JsonObject { ["after"] = page1["pageInfo"]!["endCursor"]!.GetValue<string>() })).Body["data"]!["orders"]!;

        Assert.Equal(["#1002", "#1003"], page1["edges"]!.AsArray().Select(e => e!["node"]!["name"]!.GetValue<string>()));
        Assert.True(page1["pageInfo"]!["hasNextPage"]!.GetValue<bool>());
        Assert.Equal(["#1004"], page2["edges"]!.AsArray().Select(e => e!["node"]!["name"]!.GetValue<string>()));
        Assert.False(page2["pageInfo"]!["hasNextPage"]!.GetValue<bool>());
        Assert.Equal("9.50", page1["edges"]![0]!["node"]!["lineItems"]!["nodes"]![0]!["originalUnitPriceSet"]!["shopMoney"]!["amount"]!.GetValue<string>());
    }

    [Fact]
    public async Task WebhookSubscription_OrderCreated_DeliversSignedWebhookWithShopifyHeaders()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/webhooks/shopify");
        const string create = """
            mutation($uri: String!) {
              webhookSubscriptionCreate(topic: ORDERS_CREATE, webhookSubscription: { uri: $uri, format: JSON }) {
                webhookSubscription { id topic uri } userErrors { field message }
              }
            }
            """;
        var created = await GraphqlAsync(create, new JsonObject { ["uri"] = receiver.Url.AbsoluteUri });
        var duplicate = await GraphqlAsync(create, new JsonObject { ["uri"] = receiver.Url.AbsoluteUri });

        var change = await State.CreateShopifyOrderAsync(SandboxState.ShopifyShop, new ShopifyOrderSeed(
            [new ShopifyLineItemSeed("ABC-1", 2, 4.25m)], Customer: new ShopifyCustomerSeed("a@example.com", "Ada", "Lovelace")));

        Assert.Equal("ORDERS_CREATE", created.Body["data"]!["webhookSubscriptionCreate"]!["webhookSubscription"]!["topic"]!.GetValue<string>());
        Assert.Equal("Address for this topic has already been taken", duplicate.Body["data"]!["webhookSubscriptionCreate"]!["userErrors"]![0]!["message"]!.GetValue<string>());
        var delivery = Assert.Single(change.Deliveries);
        Assert.True(delivery.IsSuccess);
        var received = Assert.Single(receiver.Requests);
        Assert.Equal("orders/create", received.Headers["X-Shopify-Topic"]);
        Assert.Equal(SandboxState.ShopifyShop, received.Headers["X-Shopify-Shop-Domain"]);
        Assert.Equal(Version, received.Headers["X-Shopify-API-Version"]);
        Assert.True(Guid.TryParse(received.Headers["X-Shopify-Webhook-Id"], out _));
        Assert.True(Guid.TryParse(received.Headers["X-Shopify-Event-Id"], out _));
        Assert.True(DateTimeOffset.TryParse(received.Headers["X-Shopify-Triggered-At"], out _));
        Assert.StartsWith("application/json", received.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal(SandboxState.SignShopifyWebhook(received.Body, SandboxState.ShopifyClientSecret), received.Headers["X-Shopify-Hmac-Sha256"]);
        var payload = JsonNode.Parse(received.Body)!;
        Assert.Equal(change.Order.GraphqlId, payload["admin_graphql_api_id"]!.GetValue<string>());
        Assert.Equal("4.25", payload["line_items"]![0]!["price"]!.GetValue<string>());
        Assert.Equal("Ada", payload["customer"]!["first_name"]!.GetValue<string>());

        var resent = await State.SendShopifyWebhookAsync(SandboxState.ShopifyShop, "orders/create", change.Order, receiver.Url, webhookId: delivery.WebhookId);
        Assert.True(resent.IsSuccess);
        Assert.Equal(delivery.WebhookId, receiver.Requests[1].Headers["X-Shopify-Webhook-Id"]);
    }

    [Fact]
    public async Task Webhooks_Suppressed_DeliverNothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/webhooks/shopify");
        await GraphqlAsync("""mutation($uri: String!) { webhookSubscriptionCreate(topic: ORDERS_CREATE, webhookSubscription: { uri: $uri, format: JSON }) { userErrors { message } } }""",
            new JsonObject { ["uri"] = receiver.Url.AbsoluteUri });
        State.SuppressShopifyWebhooks = true;

        var change = await State.CreateShopifyOrderAsync(SandboxState.ShopifyShop, new ShopifyOrderSeed([new ShopifyLineItemSeed("ABC-1", 1, 1m)]));

        Assert.Empty(change.Deliveries);
        Assert.Empty(receiver.Requests);
    }

    private static JsonObject AdjustInput(ShopifyVariant variant, int delta, int? changeFrom) => new()
    {
        ["name"] = "available",
        ["reason"] = "correction",
        ["referenceDocumentUri"] = "tracktile://lot/BATCH-001",
        ["changes"] = new JsonArray(new JsonObject
        {
            ["inventoryItemId"] = variant.InventoryItemId,
            ["locationId"] = SandboxState.ShopifyMainLocationId,
            ["delta"] = delta,
            ["changeFromQuantity"] = changeFrom,
        }),
    };

    private async Task<(HttpStatusCode Status, JsonNode Body, System.Net.Http.Headers.HttpResponseHeaders Headers)> GraphqlAsync(
        string query, JsonObject? variables = null, string? token = SandboxState.ShopifyStaticToken, string version = Version)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"admin/api/{version}/graphql.json")
        {
            Content = new StringContent(new JsonObject { ["query"] = query, ["variables"] = variables?.DeepClone() }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Add("X-Shopify-Access-Token", token);
        }

        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await ReadAsync(response), response.Headers);
    }

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
}
