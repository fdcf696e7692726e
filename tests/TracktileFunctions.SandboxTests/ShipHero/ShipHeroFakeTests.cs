using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.ShipHero;

namespace TracktileFunctions.SandboxTests.ShipHero;

/// <summary>The fake ShipHero over real HTTP: tokens, GraphQL root fields, credits, webhooks with acknowledgements.</summary>
public sealed class ShipHeroFakeTests : IAsyncLifetime, IDisposable
{
    private const string CreateOrder = """
        mutation($data: CreateOrderInput!) {
          order_create(data: $data) { request_id complexity order { id legacy_id order_number partner_order_id line_items(first: 10) { edges { node { id sku partner_line_item_id quantity } } } } }
        }
        """;

    private SandboxServer _server = null!;
    private HttpClient _client = null!;

    private SandboxState State => _server.State;

    public async Task InitializeAsync()
    {
        _server = await SandboxServer.StartAsync();
        _client = new HttpClient { BaseAddress = _server.ShipHeroBaseAddress };
        State.SeedShipHeroProduct("SKU-1", "Widget", (SandboxState.ShipHeroWarehouseId, 10), (SandboxState.ShipHeroSecondWarehouseId, 3));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task AuthToken_RightCredentials_IssuesJwtAndRefreshThatKeepsRefreshToken()
    {
        var token = await PostJsonAsync("auth/token", new JsonObject { ["username"] = SandboxState.ShipHeroUsername, ["password"] = SandboxState.ShipHeroPassword });
        Assert.Equal(HttpStatusCode.OK, token.Status);
        Assert.Equal(3, token.Body["access_token"]!.GetValue<string>().Split('.').Length);
        Assert.Equal(SandboxState.ShipHeroTokenLifetimeSeconds, token.Body["expires_in"]!.GetValue<int>());
        Assert.Equal("Bearer", token.Body["token_type"]!.GetValue<string>());
        var refreshToken = token.Body["refresh_token"]!.GetValue<string>();

        var refreshed = await PostJsonAsync("auth/refresh", new JsonObject { ["refresh_token"] = refreshToken });
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.NotEqual(token.Body["access_token"]!.GetValue<string>(), refreshed.Body["access_token"]!.GetValue<string>());
        Assert.Null(refreshed.Body["refresh_token"]);
        Assert.Equal(1, State.ShipHeroTokensIssued);
        Assert.Equal(1, State.ShipHeroRefreshes);

        State.RevokeShipHeroRefreshToken(refreshToken);
        var revoked = await PostJsonAsync("auth/refresh", new JsonObject { ["refresh_token"] = refreshToken });
        Assert.Equal(HttpStatusCode.Forbidden, revoked.Status);
        Assert.Equal("invalid_grant", revoked.Body["error"]!.GetValue<string>());

        var call = Assert.Single(State.CallsTo("POST", "/shiphero/auth/token"));
        Assert.DoesNotContain(SandboxState.ShipHeroPassword, call.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(refreshToken, string.Join('\n', State.Calls.Select(c => c.Body)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthToken_WrongPassword_Answers403InvalidGrant()
    {
        var token = await PostJsonAsync("auth/token", new JsonObject { ["username"] = SandboxState.ShipHeroUsername, ["password"] = "nope" });
        Assert.Equal(HttpStatusCode.Forbidden, token.Status);
        Assert.Equal("invalid_grant", token.Body["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Graphql_NoTokenOrExpiredToken_Answers401()
    {
        using var none = await _client.PostAsJsonAsync("graphql", new { query = "{ orders { request_id } }" });
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);

        await AuthenticateAsync();
        State.ExpireShipHeroAccessTokens();
        var expired = await GraphqlAsync("{ orders { request_id } }");
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        Assert.NotNull(expired.Body["errors"]);
    }

    [Fact]
    public async Task OrderCreate_SamePartnerOrderIdTwice_CreatesTwoOrdersFoundByPartnerOrderId()
    {
        await AuthenticateAsync();
        var first = await GraphqlAsync(CreateOrder, new JsonObject { ["data"] = OrderInput("PO-1") });
        var second = await GraphqlAsync(CreateOrder, new JsonObject { ["data"] = OrderInput("PO-1") });
        Assert.Null(first.Body["errors"]);
        Assert.NotNull(first.Body["data"]!["order_create"]!["request_id"]);
        Assert.True(first.Body["data"]!["order_create"]!["complexity"]!.GetValue<int>() > 0);
        Assert.NotEqual(first.Body["data"]!["order_create"]!["order"]!["id"]!.GetValue<string>(), second.Body["data"]!["order_create"]!["order"]!["id"]!.GetValue<string>());
        Assert.Equal(2, State.ShipHeroOrdersWithPartnerId("PO-1").Count);

        var found = await GraphqlAsync("""
            query($p: String) { orders(partner_order_id: $p) { request_id complexity data(first: 5) { pageInfo { hasNextPage endCursor } edges { node { id partner_order_id ...Lines } } } } }
            fragment Lines on Order { line_items(first: 5) { edges { node { sku quantity quantity_allocated } } } }
            """, new JsonObject { ["p"] = "PO-1" });
        var edges = found.Body["data"]!["orders"]!["data"]!["edges"]!.AsArray();
        Assert.Equal(2, edges.Count);
        Assert.False(found.Body["data"]!["orders"]!["data"]!["pageInfo"]!["hasNextPage"]!.GetValue<bool>());
        Assert.Equal("SKU-1", edges[0]!["node"]!["line_items"]!["edges"]![0]!["node"]!["sku"]!.GetValue<string>());
    }

    [Fact]
    public async Task OrderCreate_LineWithoutPartnerLineItemId_AnswersErrorAndCreatesNothing()
    {
        await AuthenticateAsync();
        var input = OrderInput("PO-2");
        input["line_items"]![0]!.AsObject().Remove("partner_line_item_id");
        var answer = await GraphqlAsync(CreateOrder, new JsonObject { ["data"] = input });
        Assert.Contains("partner_line_item_id", answer.Body["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(State.ShipHeroOrders);
    }

    [Fact]
    public async Task OrderCancel_OpenOrder_SetsCanceled()
    {
        await AuthenticateAsync();
        var created = await GraphqlAsync(CreateOrder, new JsonObject { ["data"] = OrderInput("PO-3") });
        var id = created.Body["data"]!["order_create"]!["order"]!["id"]!.GetValue<string>();
        var canceled = await GraphqlAsync(
            "mutation($d: CancelOrderInput!) { order_cancel(data: $d) { request_id complexity order { id fulfillment_status } } }",
            new JsonObject { ["d"] = new JsonObject { ["order_id"] = id, ["reason"] = "Tracktile order cancelled" } });
        Assert.Equal("canceled", canceled.Body["data"]!["order_cancel"]!["order"]!["fulfillment_status"]!.GetValue<string>());
        Assert.Equal("canceled", State.ShipHeroOrders.Single().FulfillmentStatus);
    }

    [Fact]
    public async Task InventoryAddRemove_ChangeOnHandAndAppearInInventoryChanges()
    {
        await AuthenticateAsync();
        const string Mutation = "mutation($d: UpdateInventoryInput!) { inventory_add(data: $d) { request_id complexity warehouse_product { sku on_hand warehouse_id } } }";
        var added = await GraphqlAsync(Mutation, new JsonObject { ["d"] = Inventory(5, "tracktile:evt_1") });
        Assert.Equal(15, added.Body["data"]!["inventory_add"]!["warehouse_product"]!["on_hand"]!.GetValue<int>());
        var removed = await GraphqlAsync(Mutation.Replace("inventory_add", "inventory_remove", StringComparison.Ordinal), new JsonObject { ["d"] = Inventory(2, "tracktile:evt_2") });
        Assert.Equal(13, removed.Body["data"]!["inventory_remove"]!["warehouse_product"]!["on_hand"]!.GetValue<int>());
        Assert.Equal(13, State.ShipHeroOnHand("SKU-1", SandboxState.ShipHeroWarehouseId));

        var changes = await GraphqlAsync("""
            { inventory_changes(sku: "SKU-1", warehouse_id: "V2FyZWhvdXNlOjEyMzQ=") { request_id data(first: 10) { edges { node { sku warehouse_id previous_on_hand change_in_on_hand reason created_at } } } } }
            """);
        var nodes = changes.Body["data"]!["inventory_changes"]!["data"]!["edges"]!.AsArray().Select(e => e!["node"]!).ToList();
        Assert.Equal(["tracktile:evt_1", "tracktile:evt_2"], nodes.Select(n => n["reason"]!.GetValue<string>()));
        Assert.Equal([5, -2], nodes.Select(n => n["change_in_on_hand"]!.GetValue<int>()));
        Assert.Equal(10, nodes[0]["previous_on_hand"]!.GetValue<int>());
        await State.WaitForShipHeroWebhooksAsync();
    }

    [Fact]
    public async Task Graphql_BucketTooSmall_AnswersCode30WithTimeToWait()
    {
        await AuthenticateAsync();
        State.ShipHeroMaxCredits = 60;
        State.ShipHeroCreditRestoreRate = 0.5;
        var second = await GraphqlAsync(CreateOrder, new JsonObject { ["data"] = OrderInput("PO-T") });
        for (var i = 0; i < 10 && second.Body["errors"] is null; i++)
        {
            second = await GraphqlAsync(CreateOrder, new JsonObject { ["data"] = OrderInput("PO-T" + i) });
        }

        Assert.Equal(HttpStatusCode.OK, second.Status);
        var error = second.Body["errors"]![0]!;
        Assert.Equal(30, error["code"]!.GetValue<int>());
        Assert.Equal("order_create", error["operation"]!.GetValue<string>());
        Assert.True(error["required_credits"]!.GetValue<int>() > error["remaining_credits"]!.GetValue<int>());
        Assert.EndsWith(" seconds", error["time_remaining"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Try again in", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(second.Body["data"]!["order_create"]);
        Assert.Equal(1, State.ShipHeroThrottledCount);
        Assert.True(State.ShipHeroOrders.Count < 10);

        var analyzed = await GraphqlAsync("{ orders(analyze: true) { request_id complexity } }");
        Assert.True(analyzed.Body["data"]!["orders"]!["complexity"]!.GetValue<int>() > 0);
    }

    [Fact]
    public async Task WebhookCreate_RevealsSecretOnce_WebhooksHidesItAndDuplicateNameFails()
    {
        await AuthenticateAsync();
        const string Create = "mutation($d: CreateWebhookInput!) { webhook_create(data: $d) { request_id complexity webhook { id name url shop_name shared_signature_secret } } }";
        var input = new JsonObject { ["name"] = "Shipment Update", ["url"] = "http://127.0.0.1:9/hook", ["shop_name"] = SandboxState.ShipHeroShopName };
        var created = await GraphqlAsync(Create, new JsonObject { ["d"] = input });
        var secret = created.Body["data"]!["webhook_create"]!["webhook"]!["shared_signature_secret"]!.GetValue<string>();
        Assert.Equal(State.ShipHeroWebhooks.Single().SharedSignatureSecret, secret);

        var listed = await GraphqlAsync("{ webhooks { request_id data(first: 10) { edges { node { name url shared_signature_secret health } } } } }");
        var node = listed.Body["data"]!["webhooks"]!["data"]!["edges"]![0]!["node"]!;
        Assert.Null(node["shared_signature_secret"]);
        Assert.Equal("HEALTHY", node["health"]!.GetValue<string>());

        var duplicate = await GraphqlAsync(Create, new JsonObject { ["d"] = input.DeepClone() });
        Assert.NotNull(duplicate.Body["errors"]);
        Assert.Single(State.ShipHeroWebhooks);

        var deleted = await GraphqlAsync("mutation { webhook_delete(data: { name: \"Shipment Update\", shop_name: \"tracktile\" }) { request_id complexity } }");
        Assert.Null(deleted.Body["errors"]);
        Assert.Empty(State.ShipHeroWebhooks);
    }

    [Fact]
    public async Task Ship_AcknowledgingReceiver_GetsSignedShipmentUpdateWithLots()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/webhooks/shiphero", () => Results.Json(new JsonObject { ["code"] = "200", ["Status"] = "Success" }));
        await AuthenticateAsync();
        var secret = await RegisterAsync("Shipment Update", receiver.Url);
        var order = await CreateOrderAsync("PO-9");

        var shipped = await State.ShipShipHeroOrderAsync(order, [new ShipHeroShipLine("SKU-1", 2, "LOT-A", new DateOnly(2027, 1, 31))], "UPS", "1ZTEST");

        var delivery = Assert.Single(shipped.Deliveries, d => d.WebhookName == "Shipment Update");
        Assert.True(delivery.Acknowledged);
        var request = Assert.Single(receiver.Requests);
        Assert.Equal(SandboxState.SignShipHeroWebhook(request.Body, secret), request.Headers["X-ShipHero-HMAC-SHA256"]);
        Assert.True(Guid.TryParse(request.Headers["X-Shiphero-Message-ID"], out _));
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("Shipment Update", body["webhook_type"]!.GetValue<string>());
        Assert.Equal("PO-9", body["fulfillment"]!["partner_order_id"]!.GetValue<string>());
        Assert.Equal("1ZTEST", body["fulfillment"]!["tracking_number"]!.GetValue<string>());
        var line = body["fulfillment"]!["line_items"]![0]!;
        Assert.Equal("LOT-A", line["lot_name"]!.GetValue<string>());
        Assert.Equal("2027-01-31", line["lot_expiration"]!.GetValue<string>());
        Assert.Equal("PO-9-1", line["id"]!.GetValue<string>());
        Assert.Equal(8, State.ShipHeroOnHand("SKU-1", SandboxState.ShipHeroWarehouseId));

        var shipments = await GraphqlAsync("""
            { shipments(order_id: "ORDER") { request_id data(first: 5) { edges { node { id order_id created_date shipping_labels { tracking_number carrier } line_items(first: 5) { edges { node { quantity line_item { partner_line_item_id } lots { lot_name quantity } } } } } } } } }
            """.Replace("ORDER", order, StringComparison.Ordinal));
        var shipment = shipments.Body["data"]!["shipments"]!["data"]!["edges"]![0]!["node"]!;
        Assert.Equal(order, shipment["order_id"]!.GetValue<string>());
        Assert.Equal("1ZTEST", shipment["shipping_labels"]![0]!["tracking_number"]!.GetValue<string>());
        Assert.Equal("LOT-A", shipment["line_items"]!["edges"]![0]!["node"]!["lots"]![0]!["lot_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ship_ReceiverAnswers200WithWrongBody_IsRetriedAndRecordedNotAcknowledged()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/webhooks/shiphero", () => Results.Json(new JsonObject { ["ok"] = true }));
        await AuthenticateAsync();
        await RegisterAsync("Shipment Update", receiver.Url);
        var order = await CreateOrderAsync("PO-10");

        var shipped = await State.ShipShipHeroOrderAsync(order, [new ShipHeroShipLine("SKU-1", 2)]);

        var attempts = shipped.Deliveries.Where(d => d.WebhookName == "Shipment Update").ToList();
        Assert.Equal(1 + SandboxState.ShipHeroWebhookRetries, attempts.Count);
        Assert.All(attempts, a => Assert.False(a.Acknowledged));
        Assert.All(attempts, a => Assert.Equal(200, a.StatusCode));
        Assert.Single(attempts.Select(a => a.MessageId).Distinct());
        Assert.Equal(attempts.Count, receiver.Requests.Count);
        Assert.Equal("fulfilled", State.ShipHeroOrders.Single().FulfillmentStatus);
    }

    [Fact]
    public async Task SetInventory_InventoryUpdateWebhook_CarriesOnHandPerWarehouse()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/webhooks/shiphero", () => Results.Json(new JsonObject { ["code"] = "200", ["Status"] = "Success" }));
        await AuthenticateAsync();
        await RegisterAsync("Inventory Update", receiver.Url);

        var deliveries = await State.SetShipHeroInventoryAsync("SKU-1", SandboxState.ShipHeroSecondWarehouseId, 7);

        Assert.True(Assert.Single(deliveries).Acknowledged);
        var body = JsonNode.Parse(receiver.Requests.Single().Body)!;
        var item = body["inventory"]![0]!;
        Assert.Equal("17", item["on_hand"]!.GetValue<string>());
        Assert.Equal("7", item["updated_warehouse"]!["on_hand"]!.GetValue<string>());
        Assert.Equal(SandboxState.ShipHeroSecondWarehouseId, item["updated_warehouse"]!["warehouse_uuid"]!.GetValue<string>());
    }

    [Fact]
    public async Task SendWebhook_ForgedSecret_SignsWithGivenSecretAndMessageId()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/webhooks/shiphero", () => Results.Json(new JsonObject { ["code"] = "200", ["Status"] = "Success" }));
        var result = await State.SendShipHeroWebhookAsync("Shipment Update", new JsonObject { ["test"] = "1" }, receiver.Url, "msg-1", "forged");
        Assert.True(result.Acknowledged);
        var request = receiver.Requests.Single();
        Assert.Equal(SandboxState.SignShipHeroWebhook(request.Body, "forged"), request.Headers["X-ShipHero-HMAC-SHA256"]);
        Assert.Equal("msg-1", request.Headers["X-Shiphero-Message-ID"]);
    }

    [Fact]
    public async Task Graphql_UnknownRootField_AnswersNotImplemented()
    {
        await AuthenticateAsync();
        var answer = await GraphqlAsync("{ purchase_orders { request_id } }");
        Assert.Contains("sandbox: root field purchase_orders not implemented", answer.Body["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static JsonObject OrderInput(string partnerOrderId) => new()
    {
        ["order_number"] = "SO-" + partnerOrderId,
        ["partner_order_id"] = partnerOrderId,
        ["shop_name"] = SandboxState.ShipHeroShopName,
        ["fulfillment_status"] = "pending",
        ["order_date"] = "2026-01-15T10:30:00+00:00",
        ["shipping_address"] = new JsonObject
        {
            ["first_name"] = "Ada", ["last_name"] = "Lovelace", ["address1"] = "1 Main St", ["city"] = "Springfield",
            ["state"] = "IL", ["zip"] = "62701", ["country"] = "US",
        },
        ["line_items"] = new JsonArray(new JsonObject
        {
            ["sku"] = "SKU-1", ["partner_line_item_id"] = partnerOrderId + "-1", ["quantity"] = 2, ["price"] = "9.50", ["product_name"] = "Widget",
        }),
    };

    private static JsonObject Inventory(int quantity, string reason) => new()
    {
        ["sku"] = "SKU-1", ["warehouse_id"] = SandboxState.ShipHeroWarehouseId, ["quantity"] = quantity, ["reason"] = reason,
    };

    private async Task<string> CreateOrderAsync(string partnerOrderId)
    {
        var created = await GraphqlAsync(CreateOrder, new JsonObject { ["data"] = OrderInput(partnerOrderId) });
        return created.Body["data"]!["order_create"]!["order"]!["id"]!.GetValue<string>();
    }

    private async Task<string> RegisterAsync(string name, Uri url)
    {
        var created = await GraphqlAsync(
            "mutation($d: CreateWebhookInput!) { webhook_create(data: $d) { webhook { shared_signature_secret } } }",
            new JsonObject { ["d"] = new JsonObject { ["name"] = name, ["url"] = url.ToString(), ["shop_name"] = SandboxState.ShipHeroShopName } });
        return created.Body["data"]!["webhook_create"]!["webhook"]!["shared_signature_secret"]!.GetValue<string>();
    }

    private async Task AuthenticateAsync()
    {
        var token = await PostJsonAsync("auth/token", new JsonObject { ["username"] = SandboxState.ShipHeroUsername, ["password"] = SandboxState.ShipHeroPassword });
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Body["access_token"]!.GetValue<string>());
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> GraphqlAsync(string query, JsonObject? variables = null)
        => await PostJsonAsync("graphql", new JsonObject { ["query"] = query, ["variables"] = variables });

    private async Task<(HttpStatusCode Status, JsonNode Body)> PostJsonAsync(string path, JsonObject body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync(path, content);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }
}
