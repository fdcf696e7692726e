using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.BusinessCentral;
using TracktileFunctions.Sandbox.Faults;

namespace TracktileFunctions.SandboxTests;

/// <summary>The fake Business Central (API v2.0, webhooks, the lot journal extension) and its fake Entra token endpoint.</summary>
public sealed class BusinessCentralSideTests : BusinessCentralTestBase
{
    // ---- Entra token endpoint --------------------------------------------------------------------------------

    [Fact]
    public async Task Token_ClientSecret_ReturnsBearerTokenValidForAnHour()
    {
        using var entra = EntraClient(Server);

        using var response = await entra.PostAsync($"{Tenant}/oauth2/v2.0/token", TokenForm());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(3599, body.GetProperty("expires_in").GetInt32());
        Assert.Equal(3599, body.GetProperty("ext_expires_in").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("access_token").GetString()));
    }

    [Fact]
    public async Task Token_WrongSecret_Answers401InvalidClientAndKeepsNoSecret()
    {
        using var entra = EntraClient(Server);

        using var response = await entra.PostAsync($"{Tenant}/oauth2/v2.0/token", TokenForm(secret: "wrong-secret"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.StartsWith("AADSTS7000215: Invalid client secret provided.", body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        Assert.Equal([7000215], body.GetProperty("error_codes").EnumerateArray().Select(c => c.GetInt32()));
        Assert.True(body.TryGetProperty("trace_id", out _) && body.TryGetProperty("correlation_id", out _) && body.TryGetProperty("timestamp", out _));
        var call = Assert.Single(State.CallsTo("POST", $"/{Tenant}/oauth2/v2.0/token"));
        Assert.Contains("client_secret=***", call.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret", call.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_OtherScope_Answers400InvalidScope()
    {
        using var entra = EntraClient(Server);

        using var response = await entra.PostAsync($"{Tenant}/oauth2/v2.0/token", TokenForm(scope: "https://graph.microsoft.com/.default"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.Equal("invalid_scope", body.GetProperty("error").GetString());
        Assert.Equal(70011, body.GetProperty("error_codes")[0].GetInt32());
    }

    [Fact]
    public async Task Token_ClientAssertionIssuedByTheClient_ReturnsToken()
    {
        using var entra = EntraClient(Server);
        var assertion = string.Join('.', Base64Url("""{"alg":"RS256","typ":"JWT"}"""),
            Base64Url($$"""{"iss":"{{ClientId}}","sub":"{{ClientId}}","aud":"x","exp":{{DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds()}}}"""), "c2ln");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["scope"] = BcScope,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = assertion,
        });

        using var response = await entra.PostAsync($"{Tenant}/oauth2/v2.0/token", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(assertion, Assert.Single(State.Calls).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientSecretCredential_AuthorityHostWithoutInstanceDiscovery_GetsTokenTheApiAccepts()
    {
        var certificate = Server.Certificate.GetCertHashString();
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && c.GetCertHashString() == certificate },
        });
        var credential = new ClientSecretCredential(Tenant, ClientId, ClientSecret, new ClientSecretCredentialOptions
        {
            AuthorityHost = Server.EntraAuthorityHost,
            DisableInstanceDiscovery = true,
            Transport = new HttpClientTransport(http),
        });

        var token = await credential.GetTokenAsync(new TokenRequestContext([BcScope]), CancellationToken.None);
        using var bc = ApiClient(token.Token);
        using var companies = await bc.GetAsync("companies");

        Assert.Equal(HttpStatusCode.OK, companies.StatusCode);
        Assert.True(token.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(50));
        // With instance discovery off, MSAL calls nothing but the token endpoint (no discovery, no OpenID configuration).
        Assert.Equal([$"POST /{Tenant}/oauth2/v2.0/token", "GET /bc/v2.0/sandbox-tenant/production/api/v2.0/companies"],
            State.Calls.Select(c => $"{c.Method} {c.Path}"));
        Assert.Contains("client_secret=***", State.Calls[0].Body, StringComparison.Ordinal);
    }

    // ---- authentication and routing ------------------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer not-issued-by-the-sandbox")]
    [InlineData("Basic QkNVU0VSOndyb25nLWtleQ==")]
    public async Task Api_WithoutValidCredentials_Answers401WithBcErrorAndWwwAuthenticate(string? authorization)
    {
        using var bc = new HttpClient { BaseAddress = ApiBase(Server) };
        if (authorization is not null)
        {
            bc.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }

        using var response = await bc.GetAsync("companies");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        await AssertBcErrorAsync(response, "Authentication_InvalidCredentials", "The server has rejected the client credentials.");
    }

    [Fact]
    public async Task Api_RevokedToken_Answers401()
    {
        using var bc = await BcClientAsync();
        State.RevokeBcTokens();

        using var response = await bc.GetAsync("companies");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_BasicWithWebServiceAccessKey_Accepted()
    {
        using var bc = new HttpClient { BaseAddress = ApiBase(Server) };
        bc.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("BCUSER:bc-sandbox-access-key")));

        using var response = await bc.GetAsync("companies");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("other-tenant/production/api/v2.0/companies")]
    [InlineData("sandbox-tenant/sandbox/api/v2.0/companies")]
    [InlineData("sandbox-tenant/production/api/v2.0/unknownEntities")]
    public async Task Api_OtherTenantEnvironmentOrResource_Answers404WithBcError(string path)
    {
        using var bc = await BcClientAsync();

        using var response = await bc.GetAsync(new Uri(Server.BusinessCentralBaseAddress, path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await AssertBcErrorAsync(response, "BadRequest_NotFound");
    }

    // ---- companies and items -------------------------------------------------------------------------------

    [Fact]
    public async Task Companies_FilterByName_ReturnsSeededCompanyWithContext()
    {
        using var bc = await BcClientAsync();

        using var response = await bc.GetAsync("companies?$filter=name eq 'CRONUS USA, Inc.'");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.EndsWith("/api/v2.0/$metadata#companies", body.GetProperty("@odata.context").GetString(), StringComparison.Ordinal);
        var company = Assert.Single(body.GetProperty("value").EnumerateArray());
        Assert.Equal(State.BcCompanyId, company.GetProperty("id").GetGuid());
        Assert.Equal("CRONUS USA, Inc.", company.GetProperty("name").GetString());
        Assert.StartsWith("W/\"", company.GetProperty("@odata.etag").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Items_Post_Answers201WithETagLocationAndCodeUpperCased()
    {
        using var bc = await BcClientAsync();

        using var response = await SendAsync(bc, HttpMethod.Post, $"{Company}/items",
            """{ "number": "flour-25", "displayName": "Flour 25 kg", "type": "Inventory", "baseUnitOfMeasureCode": "KG", "unitPrice": 12.5 }""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var item = await ReadJsonAsync(response);
        var etag = item.GetProperty("@odata.etag").GetString();
        Assert.Matches("^W/\"JzE[A-Za-z0-9+/=]+\"$", etag);
        Assert.Equal(etag, response.Headers.ETag?.ToString());
        Assert.Equal("FLOUR-25", item.GetProperty("number").GetString());
        Assert.Equal(0m, item.GetProperty("inventory").GetDecimal());
        Assert.EndsWith($"{Company}/items({item.GetProperty("id").GetGuid()})", response.Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Equal("Flour 25 kg", Assert.Single(State.BcItems).DisplayName);
    }

    [Fact]
    public async Task Items_PatchWithoutIfMatch_Answers400InvalidToken()
    {
        using var bc = await BcClientAsync();
        var id = State.SeedBcItem("1000", "Flour");

        using var response = await SendAsync(bc, HttpMethod.Patch, $"{Company}/items({id})", """{ "displayName": "Rye flour" }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertBcErrorAsync(response, "BadRequest_InvalidToken",
            "Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.");
        Assert.Equal("Flour", Assert.Single(State.BcItems).DisplayName);
    }

    [Fact]
    public async Task Items_PatchWithStaleETag_Answers409EntityChanged()
    {
        using var bc = await BcClientAsync();
        var id = State.SeedBcItem("1000", "Flour");
        var stale = Assert.Single(State.BcItems).ETag;
        State.EditBcItem(id, i => i with { UnitPrice = 3 });

        using var response = await SendAsync(bc, HttpMethod.Patch, $"{Company}/items({id})", """{ "displayName": "Rye flour" }""", stale);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        await AssertBcErrorAsync(response, "Request_EntityChanged", "Another user has already changed the record.");
    }

    [Fact]
    public async Task Items_PatchWithCurrentETag_Answers200WithNewETag()
    {
        using var bc = await BcClientAsync();
        var id = State.SeedBcItem("1000", "Flour");
        using var get = await bc.GetAsync($"{Company}/items({id})");
        var etag = (await ReadJsonAsync(get)).GetProperty("@odata.etag").GetString()!;

        using var response = await SendAsync(bc, HttpMethod.Patch, $"{Company}/items({id})", """{ "displayName": "Rye flour" }""", etag);
        using var star = await SendAsync(bc, HttpMethod.Patch, $"{Company}/items({id})", """{ "unitPrice": 4 }""", "*");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = await ReadJsonAsync(response);
        Assert.Equal("Rye flour", item.GetProperty("displayName").GetString());
        Assert.NotEqual(etag, item.GetProperty("@odata.etag").GetString());
        Assert.Equal(HttpStatusCode.OK, star.StatusCode);
        Assert.Equal(4m, Assert.Single(State.BcItems).UnitPrice);
    }

    [Fact]
    public async Task Items_PostWithInventory_Answers400AndCreatesNothing()
    {
        using var bc = await BcClientAsync();

        using var response = await SendAsync(bc, HttpMethod.Post, $"{Company}/items", """{ "number": "1000", "displayName": "Flour", "inventory": 10 }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertBcErrorAsync(response, "Application_DialogException", "Inventory cannot be changed during on insert.");
        Assert.Empty(State.BcItems);
    }

    [Fact]
    public async Task Items_PatchInventory_PostsAdjustmentForTheDifference()
    {
        using var bc = await BcClientAsync();
        var id = State.SeedBcItem("1000", "Flour", inventory: 10);

        using var response = await SendAsync(bc, HttpMethod.Patch, $"{Company}/items({id})", """{ "inventory": 4 }""", "*");

        Assert.Equal(4m, (await ReadJsonAsync(response)).GetProperty("inventory").GetDecimal());
        Assert.Equal([10m, -6m], State.BcItemLedgerEntries.Select(e => e.Quantity));
    }

    [Fact]
    public async Task Items_PostDuplicateNumber_Answers400EntityWithSameKeyExists()
    {
        using var bc = await BcClientAsync();
        State.SeedBcItem("1000", "Flour");

        using var response = await SendAsync(bc, HttpMethod.Post, $"{Company}/items", """{ "number": "1000", "displayName": "Another flour" }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertBcErrorAsync(response, "Internal_EntityWithSameKeyExists");
        Assert.Single(State.BcItems);
    }

    [Theory]
    [InlineData("""{ "number": "123456789012345678901", "displayName": "Too long" }""", "Application_StringExceededLength")]
    [InlineData("""{ "displayName": "Bad type", "type": "Gadget" }""", "BadRequest")]
    [InlineData("""{ "displayName": "Bad price", "unitPrice": "cheap" }""", "BadRequest")]
    [InlineData("""{ "displayName": "Unknown field", "colour": "red" }""", "BadRequest")]
    [InlineData("""{ "displayName": "Read-only", "lastModifiedDateTime": "2024-01-01T00:00:00Z" }""", "BadRequest_InvalidOperation")]
    public async Task Items_PostInvalid_Answers400WithBcCode(string json, string code)
    {
        using var bc = await BcClientAsync();

        using var response = await SendAsync(bc, HttpMethod.Post, $"{Company}/items", json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertBcErrorAsync(response, code);
        Assert.Empty(State.BcItems);
    }

    [Fact]
    public async Task Items_PostWithoutNumber_NumberFromSeries()
    {
        using var bc = await BcClientAsync();

        using var response = await SendAsync(bc, HttpMethod.Post, $"{Company}/items", """{ "displayName": "Sugar" }""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(string.IsNullOrEmpty((await ReadJsonAsync(response)).GetProperty("number").GetString()));
    }

    [Fact]
    public async Task Items_FilterByNumberAndLastModified_ReturnsMatchesOnly()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 1, 15, 10, 0, 0, TimeSpan.Zero));
        await using var server = await SandboxServer.StartAsync(new SandboxOptions { TimeProvider = clock });
        server.State.SeedBcItem("1000", "Flour");
        clock.Advance(TimeSpan.FromHours(1));
        server.State.SeedBcItem("O'NEIL-1", "O'Neil's oats");
        using var bc = ApiClient(await TokenAsync(server), server);

        using var byNumber = await bc.GetAsync($"companies({server.State.BcCompanyId})/items?$filter=number eq 'o''neil-1'");
        using var since = await bc.GetAsync($"companies({server.State.BcCompanyId})/items?$filter=lastModifiedDateTime gt 2024-01-15T10:30:00Z and type eq 'Inventory'&$top=5");

        Assert.Equal(["O'NEIL-1"], (await ReadJsonAsync(byNumber)).GetProperty("value").EnumerateArray().Select(i => i.GetProperty("number").GetString()));
        Assert.Equal(["O'NEIL-1"], (await ReadJsonAsync(since)).GetProperty("value").EnumerateArray().Select(i => i.GetProperty("number").GetString()));
    }

    [Fact]
    public async Task Customers_PostThenPatch_Answers201Then200()
    {
        using var bc = await BcClientAsync();

        using var created = await SendAsync(bc, HttpMethod.Post, $"{Company}/customers",
            """{ "displayName": "Acme Bakery", "email": "orders@acme.test", "currencyCode": "EUR", "blocked": " " }""");
        var customer = await ReadJsonAsync(created);
        using var patched = await SendAsync(bc, HttpMethod.Patch, $"{Company}/customers({customer.GetProperty("id").GetGuid()})",
            """{ "blocked": "Ship" }""", customer.GetProperty("@odata.etag").GetString());

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("C00010", customer.GetProperty("number").GetString());
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(("EUR", "Ship"), (State.BcCustomers[0].CurrencyCode, State.BcCustomers[0].Blocked));
    }

    // ---- sales orders --------------------------------------------------------------------------------------

    [Fact]
    public async Task SalesOrders_DeepInsert_Answers201WithNumberStatusAndLines()
    {
        using var bc = await BcClientAsync();
        State.SeedBcCustomer("10000", "Acme Bakery");
        State.SeedBcItem("1000", "Flour", unitPrice: 9.5m, baseUnitOfMeasureCode: "KG");

        using var response = await SendAsync(bc, HttpMethod.Post, $"{Company}/salesOrders", OrderJson("SO-1001", "1000"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var order = await ReadJsonAsync(response);
        Assert.Equal("S-ORD101001", order.GetProperty("number").GetString());
        Assert.Equal("Draft", order.GetProperty("status").GetString());
        Assert.False(order.GetProperty("fullyShipped").GetBoolean());
        Assert.Equal("10000", order.GetProperty("customerNumber").GetString());
        var line = Assert.Single(order.GetProperty("salesOrderLines").EnumerateArray());
        Assert.Equal(("1000", 2m, 9.5m, "KG", 10000), (line.GetProperty("lineObjectNumber").GetString(), line.GetProperty("quantity").GetDecimal(),
            line.GetProperty("unitPrice").GetDecimal(), line.GetProperty("unitOfMeasureCode").GetString(), line.GetProperty("sequence").GetInt32()));
        Assert.Equal(19m, Assert.Single(State.BcSalesOrders).TotalAmountExcludingTax);
    }

    [Fact]
    public async Task SalesOrders_DeepInsertWithUnknownItem_Answers400AndCreatesNothing()
    {
        using var bc = await BcClientAsync();
        State.SeedBcCustomer("10000", "Acme Bakery");
        State.SeedBcItem("1000", "Flour");

        using var response = await SendAsync(bc, HttpMethod.Post, $"{Company}/salesOrders",
            """
            { "customerNumber": "10000", "externalDocumentNumber": "SO-1001",
              "salesOrderLines": [ { "lineType": "Item", "lineObjectNumber": "1000", "quantity": 1 },
                                   { "lineType": "Item", "lineObjectNumber": "NO-SUCH-ITEM", "quantity": 1 } ] }
            """);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertBcErrorAsync(response, "Internal_RecordNotFound");
        Assert.Empty(State.BcSalesOrders);
        using var list = await bc.GetAsync($"{Company}/salesOrders");
        Assert.Empty((await ReadJsonAsync(list)).GetProperty("value").EnumerateArray());
    }

    [Theory]
    [InlineData("""{ "externalDocumentNumber": "SO-1" }""", "A \"customerNumber\" or a \"customerId\" must be provided.")]
    [InlineData("""{ "customerNumber": "99999" }""", "The sell-to customer cannot be found.")]
    public async Task SalesOrders_WithoutKnownCustomer_Answers400DialogException(string json, string message)
    {
        using var bc = await BcClientAsync();

        using var response = await SendAsync(bc, HttpMethod.Post, $"{Company}/salesOrders", json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertBcErrorAsync(response, "Application_DialogException", message);
    }

    [Fact]
    public async Task SalesOrders_ExternalDocumentNumberOver35_Answers400()
    {
        using var bc = await BcClientAsync();
        State.SeedBcCustomer("10000", "Acme Bakery");

        using var response = await SendAsync(bc, HttpMethod.Post, $"{Company}/salesOrders",
            $$"""{ "customerNumber": "10000", "externalDocumentNumber": "{{new string('X', 36)}}" }""");

        await AssertBcErrorAsync(response, "Application_StringExceededLength");
    }

    [Fact]
    public async Task SalesOrders_FilterByExternalDocumentNumberWithExpand_FindsOrderWithLines()
    {
        using var bc = await BcClientAsync();
        State.SeedBcCustomer("10000", "Acme Bakery");
        State.SeedBcItem("1000", "Flour");
        using var first = await SendAsync(bc, HttpMethod.Post, $"{Company}/salesOrders", OrderJson("SO-1001", "1000"));
        using var second = await SendAsync(bc, HttpMethod.Post, $"{Company}/salesOrders", OrderJson("SO-1002", "1000"));

        using var response = await bc.GetAsync($"{Company}/salesOrders?$filter=externalDocumentNumber eq 'so-1002'&$expand=salesOrderLines");

        var order = Assert.Single((await ReadJsonAsync(response)).GetProperty("value").EnumerateArray());
        Assert.Equal("SO-1002", order.GetProperty("externalDocumentNumber").GetString());
        Assert.Single(order.GetProperty("salesOrderLines").EnumerateArray());
    }

    [Fact]
    public async Task SalesOrders_PatchNumber_Answers400ReadOnly()
    {
        using var bc = await BcClientAsync();
        var order = await CreateOrderAsync(bc);

        using var response = await SendAsync(bc, HttpMethod.Patch, $"{Company}/salesOrders({order.GetProperty("id").GetGuid()})",
            """{ "number": "S-ORD999999" }""", "*");

        await AssertBcErrorAsync(response, "BadRequest_InvalidOperation");
    }

    [Fact]
    public async Task SalesOrderLines_WithoutDocumentIdFilter_Answers400()
    {
        using var bc = await BcClientAsync();
        var order = await CreateOrderAsync(bc);

        using var orphan = await bc.GetAsync($"{Company}/salesOrderLines");
        using var filtered = await bc.GetAsync($"{Company}/salesOrderLines?$filter=documentId eq {order.GetProperty("id").GetGuid()}");
        using var nested = await bc.GetAsync($"{Company}/salesOrders({order.GetProperty("id").GetGuid()})/salesOrderLines");

        await AssertBcErrorAsync(orphan, "Application_DialogException", "You must specify a document id to get the lines.");
        Assert.Single((await ReadJsonAsync(filtered)).GetProperty("value").EnumerateArray());
        Assert.Single((await ReadJsonAsync(nested)).GetProperty("value").EnumerateArray());
    }

    [Fact]
    public async Task ShipAndInvoice_OpenOrder_Answers204PostsShipmentAndInvoiceAndDeletesOrder()
    {
        using var bc = await BcClientAsync();
        State.SeedBcItem("1000", "Flour", inventory: 5);
        var order = await CreateOrderAsync(bc);
        var id = order.GetProperty("id").GetGuid();

        using var ship = await bc.PostAsync($"{Company}/salesOrders({id})/Microsoft.NAV.shipAndInvoice", null);

        Assert.Equal(HttpStatusCode.NoContent, ship.StatusCode);
        Assert.Empty(await ship.Content.ReadAsByteArrayAsync());
        using var gone = await bc.GetAsync($"{Company}/salesOrders({id})");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        await AssertBcErrorAsync(gone, "BadRequest_NotFound");
        using var shipments = await bc.GetAsync($"{Company}/salesShipments?$filter=externalDocumentNumber eq 'SO-1001'&$expand=salesShipmentLines");
        var shipment = Assert.Single((await ReadJsonAsync(shipments)).GetProperty("value").EnumerateArray());
        Assert.Equal("S-ORD101001", shipment.GetProperty("orderNumber").GetString());
        var line = Assert.Single(shipment.GetProperty("salesShipmentLines").EnumerateArray());
        Assert.Equal(("1000", 2m), (line.GetProperty("lineObjectNumber").GetString(), line.GetProperty("quantity").GetDecimal()));
        using var invoices = await bc.GetAsync($"{Company}/salesInvoices?$filter=orderNumber eq 'S-ORD101001'");
        Assert.Single((await ReadJsonAsync(invoices)).GetProperty("value").EnumerateArray());
        Assert.Equal(3m, Assert.Single(State.BcItems).Inventory);
    }

    [Fact]
    public async Task ShipAndInvoice_PartialShipQuantity_KeepsOrderWithShippedQuantity()
    {
        using var bc = await BcClientAsync();
        var order = await CreateOrderAsync(bc);
        var id = order.GetProperty("id").GetGuid();
        var line = order.GetProperty("salesOrderLines")[0];
        using var patch = await SendAsync(bc, HttpMethod.Patch, $"{Company}/salesOrders({id})/salesOrderLines({line.GetProperty("id").GetGuid()})",
            """{ "shipQuantity": 1 }""", line.GetProperty("@odata.etag").GetString());

        using var ship = await bc.PostAsync($"{Company}/salesOrders({id})/Microsoft.NAV.shipAndInvoice", null);

        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, ship.StatusCode);
        var remaining = Assert.Single(Assert.Single(State.BcSalesOrders).Lines);
        Assert.Equal((1m, 1m, 1m), (remaining.ShippedQuantity, remaining.InvoicedQuantity, remaining.ShipQuantity));
        Assert.Equal(1m, Assert.Single(Assert.Single(State.BcShipments).Lines).Quantity);
    }

    [Fact]
    public async Task ShipAndInvoice_OrderWithoutLines_Answers400NothingToPost()
    {
        using var bc = await BcClientAsync();
        State.SeedBcCustomer("10000", "Acme Bakery");
        using var created = await SendAsync(bc, HttpMethod.Post, $"{Company}/salesOrders", """{ "customerNumber": "10000" }""");
        var id = (await ReadJsonAsync(created)).GetProperty("id").GetGuid();

        using var ship = await bc.PostAsync($"{Company}/salesOrders({id})/Microsoft.NAV.shipAndInvoice", null);

        await AssertBcErrorAsync(ship, "Application_DialogException", "There is nothing to post.");
        Assert.Empty(State.BcShipments);
    }

    // ---- paging and concurrency ----------------------------------------------------------------------------

    [Fact]
    public async Task Paging_PreferMaxPageSize_NextLinksReachEveryRecordOnce()
    {
        using var bc = await BcClientAsync();
        for (var i = 0; i < 12; i++)
        {
            State.SeedBcCustomer($"C{i:D3}", $"Customer {i}");
        }

        var numbers = new List<string>();
        var pages = 0;
        Uri? next = new(bc.BaseAddress!, $"{Company}/customers");
        while (next is not null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            request.Headers.TryAddWithoutValidation("Prefer", "odata.maxpagesize=5");
            using var response = await bc.SendAsync(request);
            Assert.Equal("odata.maxpagesize=5", response.Headers.GetValues("Preference-Applied").Single());
            var body = await ReadJsonAsync(response);
            numbers.AddRange(body.GetProperty("value").EnumerateArray().Select(c => c.GetProperty("number").GetString()!));
            next = body.TryGetProperty("@odata.nextLink", out var link) ? new Uri(link.GetString()!) : null;
            Assert.True(next is null || next.IsAbsoluteUri);
            pages++;
        }

        Assert.Equal(3, pages);
        Assert.Equal(State.BcCustomers.Select(c => c.Number), numbers);
    }

    [Fact]
    public async Task Paging_ServerPageSizeSmall_NextLinkWithoutPrefer()
    {
        using var bc = await BcClientAsync();
        State.BcMaxPageSize = 2;
        State.SeedBcItem("1", "A");
        State.SeedBcItem("2", "B");
        State.SeedBcItem("3", "C");

        using var response = await bc.GetAsync($"{Company}/items?$filter=type eq 'Inventory'");

        var body = await ReadJsonAsync(response);
        Assert.Equal(2, body.GetProperty("value").GetArrayLength());
        Assert.Contains("$skiptoken=", body.GetProperty("@odata.nextLink").GetString(), StringComparison.Ordinal);
        Assert.Contains("$filter=", body.GetProperty("@odata.nextLink").GetString(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Preference-Applied"));
    }

    [Fact]
    public async Task Concurrency_MoreThanMaxInFlightWithoutQueue_Answers429WithBcBodyAndNoRetryAfter()
    {
        using var bc = await BcClientAsync();
        State.BcMaxQueued = 0;
        State.BcProcessingDelay = TimeSpan.FromMilliseconds(600);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => bc.GetAsync("companies")));

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(3, limited.Count);
        Assert.Null(limited[0].Headers.RetryAfter);
        await AssertBcErrorAsync(limited[0], "Application_TooManyRequests");
        Assert.Equal(5, State.BcMaxObservedInFlight);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Concurrency_BurstWithinQueue_AllAnsweredNeverMoreThanFiveInFlight()
    {
        using var bc = await BcClientAsync();
        State.BcProcessingDelay = TimeSpan.FromMilliseconds(300);

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => bc.GetAsync("companies")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(5, State.BcMaxObservedInFlight);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    // ---- webhooks ------------------------------------------------------------------------------------------

    [Fact]
    public async Task Subscriptions_ReceiverEchoesToken_HandshakeIsPostAnd201()
    {
        await using var receiver = await Receiver.StartAsync();
        using var bc = await BcClientAsync();

        using var response = await SubscribeAsync(bc, receiver.Url, "customers");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var subscription = await ReadJsonAsync(response);
        var handshake = Assert.Single(receiver.Handshakes);
        Assert.Equal("POST", handshake.Method);
        Assert.Equal(0, handshake.BodyLength);
        Assert.Equal(Assert.Single(State.BcHandshakes).ValidationToken, handshake.Token);
        Assert.Equal("secret-state", subscription.GetProperty("clientState").GetString());
        var expires = subscription.GetProperty("expirationDateTime").GetDateTimeOffset();
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromDays(3) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(3));
        Assert.False(string.IsNullOrEmpty(subscription.GetProperty("@odata.etag").GetString()));
        using var get = await bc.GetAsync($"subscriptions('{subscription.GetProperty("subscriptionId").GetString()}')");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    [Theory]
    [InlineData(HandshakeMode.WrongBody)]
    [InlineData(HandshakeMode.Status500)]
    public async Task Subscriptions_ReceiverFailsHandshake_Answers400AndNoSubscription(HandshakeMode mode)
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Mode = mode;
        using var bc = await BcClientAsync();

        using var response = await SubscribeAsync(bc, receiver.Url, "customers");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertBcErrorAsync(response, "BadRequest");
        Assert.Empty(State.BcSubscriptions);
        Assert.False(Assert.Single(State.BcHandshakes).Succeeded);
    }

    [Theory]
    [InlineData("salesShipments")]
    [InlineData("itemLedgerEntries")]
    public async Task Subscriptions_ResourceWithoutWebhooks_Answers400WithoutHandshake(string set)
    {
        await using var receiver = await Receiver.StartAsync();
        using var bc = await BcClientAsync();

        using var response = await SubscribeAsync(bc, receiver.Url, set);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(receiver.Handshakes);
    }

    [Fact]
    public async Task Subscriptions_Patch_RepeatsHandshakeAndExtendsExpiryFromNow()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 1, 15, 10, 0, 0, TimeSpan.Zero));
        await using var server = await SandboxServer.StartAsync(new SandboxOptions { TimeProvider = clock });
        await using var receiver = await Receiver.StartAsync();
        using var bc = ApiClient(await TokenAsync(server), server);
        using var created = await SubscribeAsync(bc, receiver.Url, "items", server);
        var subscription = await ReadJsonAsync(created);
        var id = subscription.GetProperty("subscriptionId").GetString();
        clock.Advance(TimeSpan.FromDays(2));
        using var later = ApiClient(await TokenAsync(server), server); // the first token expired an hour after it was issued
        using var fresh = await later.GetAsync("subscriptions");
        using var stale = await bc.GetAsync("subscriptions");

        using var withoutIfMatch = await SendAsync(later, HttpMethod.Patch, $"subscriptions('{id}')", "{}");
        using var renewed = await SendAsync(later, HttpMethod.Patch, $"subscriptions('{id}')", """{ "clientState": "rotated" }""",
            subscription.GetProperty("@odata.etag").GetString());

        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, withoutIfMatch.StatusCode);
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.Equal(2, receiver.Handshakes.Count);
        var after = await ReadJsonAsync(renewed);
        Assert.Equal(new DateTimeOffset(2024, 1, 20, 10, 0, 0, TimeSpan.Zero), after.GetProperty("expirationDateTime").GetDateTimeOffset());
        Assert.Equal("rotated", after.GetProperty("clientState").GetString());
    }

    [Fact]
    public async Task Subscriptions_Delete_Answers204()
    {
        await using var receiver = await Receiver.StartAsync();
        using var bc = await BcClientAsync();
        using var created = await SubscribeAsync(bc, receiver.Url, "customers");
        var id = (await ReadJsonAsync(created)).GetProperty("subscriptionId").GetString();

        using var deleted = await bc.DeleteAsync($"subscriptions('{id}')");
        using var gone = await bc.GetAsync($"subscriptions('{id}')");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Notifications_ChangesOnTwoSubscriptionsToOneUrl_OnePostWithBothEntries()
    {
        await using var receiver = await Receiver.StartAsync();
        using var bc = await BcClientAsync();
        using var customers = await SubscribeAsync(bc, receiver.Url, "customers");
        using var items = await SubscribeAsync(bc, receiver.Url, "items");
        var customerId = State.SeedBcCustomer("10000", "Acme Bakery");
        State.EditBcCustomer(customerId, c => c with { Email = "new@acme.test" });
        State.EditBcCustomer(customerId, c => c with { PhoneNumber = "555-0100" });
        var itemId = State.SeedBcItem("1000", "Flour");

        var deliveries = await Server.DeliverBcNotificationsAsync();

        var delivery = Assert.Single(deliveries);
        Assert.Equal((200, BcDeliveryOutcome.Delivered), (delivery.StatusCode, delivery.Outcome));
        var value = JsonDocument.Parse(Assert.Single(receiver.Notifications)).RootElement.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(
            [
                ("created", $"/api/v2.0/{Company}/customers({customerId})"),
                ("updated", $"/api/v2.0/{Company}/customers({customerId})"),
                ("created", $"/api/v2.0/{Company}/items({itemId})"),
            ],
            value.Select(v => (v.GetProperty("changeType").GetString(), v.GetProperty("resource").GetString())));
        Assert.All(value, v => Assert.Equal("secret-state", v.GetProperty("clientState").GetString()));
        Assert.Empty(State.BcPendingNotifications);
        Assert.Empty(await Server.DeliverBcNotificationsAsync());
    }

    [Fact]
    public async Task Notifications_ApiWritesAndShipAndInvoice_NotifyHeaderAndDeletion()
    {
        await using var receiver = await Receiver.StartAsync();
        using var bc = await BcClientAsync();
        using var subscribed = await SubscribeAsync(bc, receiver.Url, "salesOrders");
        var order = await CreateOrderAsync(bc);
        using var ship = await bc.PostAsync($"{Company}/salesOrders({order.GetProperty("id").GetGuid()})/Microsoft.NAV.shipAndInvoice", null);

        await Server.DeliverBcNotificationsAsync();

        var changes = JsonDocument.Parse(Assert.Single(receiver.Notifications)).RootElement.GetProperty("value").EnumerateArray()
            .Select(v => v.GetProperty("changeType").GetString());
        Assert.Equal(["created", "deleted"], changes);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    public async Task Notifications_ReceiverAnswersOther4xx_SubscriptionDeleted(int status)
    {
        await using var receiver = await Receiver.StartAsync();
        using var bc = await BcClientAsync();
        using var subscribed = await SubscribeAsync(bc, receiver.Url, "customers");
        receiver.NotificationStatuses.Enqueue(status);
        State.SeedBcCustomer("10000", "Acme Bakery");

        var delivery = Assert.Single(await Server.DeliverBcNotificationsAsync());

        Assert.Equal(BcDeliveryOutcome.SubscriptionsDeleted, delivery.Outcome);
        Assert.Empty(State.BcSubscriptions);
        State.SeedBcCustomer("20000", "Later Bakery");
        Assert.Empty(await Server.DeliverBcNotificationsAsync());
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(408)]
    public async Task Notifications_ReceiverAnswersRetryableStatus_SameChangesRedeliveredNextTime(int status)
    {
        await using var receiver = await Receiver.StartAsync();
        using var bc = await BcClientAsync();
        using var subscribed = await SubscribeAsync(bc, receiver.Url, "customers");
        receiver.NotificationStatuses.Enqueue(status);
        var id = State.SeedBcCustomer("10000", "Acme Bakery");

        var first = Assert.Single(await Server.DeliverBcNotificationsAsync());
        var second = Assert.Single(await Server.DeliverBcNotificationsAsync());

        Assert.Equal((status, BcDeliveryOutcome.Retry), (first.StatusCode, first.Outcome));
        Assert.Equal(BcDeliveryOutcome.Delivered, second.Outcome);
        Assert.Equal(first.Body, second.Body);
        Assert.Contains($"customers({id})", second.Body, StringComparison.Ordinal);
        Assert.Single(State.BcSubscriptions);
    }

    [Fact]
    public async Task Notifications_MoreChangesThanThreshold_OneCollectionWithLastModifiedFilter()
    {
        await using var receiver = await Receiver.StartAsync();
        using var bc = await BcClientAsync();
        using var subscribed = await SubscribeAsync(bc, receiver.Url, "customers");
        State.BcCollectionThreshold = 3;
        var before = DateTimeOffset.UtcNow;
        for (var i = 0; i < 4; i++)
        {
            State.SeedBcCustomer($"C{i}", $"Customer {i}");
        }

        await Server.DeliverBcNotificationsAsync();

        var entry = Assert.Single(JsonDocument.Parse(Assert.Single(receiver.Notifications)).RootElement.GetProperty("value").EnumerateArray());
        Assert.Equal("collection", entry.GetProperty("changeType").GetString());
        var resource = entry.GetProperty("resource").GetString()!;
        Assert.StartsWith($"/api/v2.0/{Company}/customers?$filter=lastModifiedDateTime%20gt%20", resource, StringComparison.Ordinal);
        var since = DateTimeOffset.Parse(resource[(resource.LastIndexOf("%20", StringComparison.Ordinal) + 3)..], CultureInfo.InvariantCulture);
        Assert.True(since < State.BcCustomers.Min(c => c.LastModifiedDateTime) && since > before.AddSeconds(-1), $"filter from {since}");
    }

    [Fact]
    public async Task Notifications_ThresholdChanges_StaySingle()
    {
        await using var receiver = await Receiver.StartAsync();
        using var bc = await BcClientAsync();
        using var subscribed = await SubscribeAsync(bc, receiver.Url, "customers");
        State.BcCollectionThreshold = 3;
        for (var i = 0; i < 3; i++)
        {
            State.SeedBcCustomer($"C{i}", $"Customer {i}");
        }

        await Server.DeliverBcNotificationsAsync();

        Assert.Equal(3, JsonDocument.Parse(Assert.Single(receiver.Notifications)).RootElement.GetProperty("value").GetArrayLength());
    }

    [Fact]
    public async Task Notifications_Suppressed_LostForGood()
    {
        await using var receiver = await Receiver.StartAsync();
        using var bc = await BcClientAsync();
        using var subscribed = await SubscribeAsync(bc, receiver.Url, "customers");
        State.SuppressBcNotifications(1);
        State.SeedBcCustomer("10000", "Lost");
        var kept = State.SeedBcCustomer("20000", "Kept");

        await Server.DeliverBcNotificationsAsync();

        var entry = Assert.Single(JsonDocument.Parse(Assert.Single(receiver.Notifications)).RootElement.GetProperty("value").EnumerateArray());
        Assert.EndsWith($"customers({kept})", entry.GetProperty("resource").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notifications_ExpiredSubscription_DeletedAndNotNotified()
    {
        await using var receiver = await Receiver.StartAsync();
        using var bc = await BcClientAsync();
        using var subscribed = await SubscribeAsync(bc, receiver.Url, "customers");
        State.ExpireBcSubscriptions();
        State.SeedBcCustomer("10000", "Acme Bakery");

        Assert.Empty(await Server.DeliverBcNotificationsAsync());

        Assert.Empty(State.BcSubscriptions);
        Assert.Empty(receiver.Notifications);
    }

    [Fact]
    public async Task Notifications_BackgroundDelaySet_DeliveredWithoutAskingAndDeliveryTwiceIsSafe()
    {
        await using var server = await SandboxServer.StartAsync(new SandboxOptions { BcNotificationDelay = TimeSpan.FromMilliseconds(100) });
        await using var receiver = await Receiver.StartAsync();
        using var bc = ApiClient(await TokenAsync(server), server);
        using var subscribed = await SubscribeAsync(bc, receiver.Url, "customers", server);
        server.State.SeedBcCustomer("10000", "Acme Bakery");

        var clock = Stopwatch.StartNew();
        while (receiver.Notifications.Count == 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        await server.DeliverBcNotificationsAsync();
        Assert.Single(receiver.Notifications);
        Assert.Single(server.State.BcNotificationDeliveries);
    }

    // ---- lot journal extension -----------------------------------------------------------------------------

    [Fact]
    public async Task LotJournal_ExtensionNotInstalled_Answers404BcError()
    {
        using var bc = await BcClientAsync();

        using var response = await bc.GetAsync(LotJournalPath());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await AssertBcErrorAsync(response, "BadRequest_NotFound");
    }

    [Fact]
    public async Task LotJournal_Installed_PostLineThenPostAction_RecordsLotMovementOnce()
    {
        using var bc = await BcClientAsync();
        State.EnableBcLotJournal();
        State.SeedBcItem("1000", "Flour", baseUnitOfMeasureCode: "KG");

        using var receipt = await SendAsync(bc, HttpMethod.Post, LotJournalPath(),
            """{ "documentNumber": "TT-EVT-1", "itemNumber": "1000", "lotNumber": "batch-001", "quantity": 120, "locationCode": "WH1" }""");
        var receiptId = (await ReadJsonAsync(receipt)).GetProperty("id").GetGuid();
        using var postReceipt = await bc.PostAsync($"{LotJournalPath()}({receiptId})/Microsoft.NAV.post", null);
        using var transfer = await SendAsync(bc, HttpMethod.Post, LotJournalPath(),
            """{ "documentNumber": "TT-EVT-2", "itemNumber": "1000", "lotNumber": "BATCH-001", "quantity": 20, "locationCode": "WH1", "newLocationCode": "WH2", "entryType": "Transfer" }""");
        var transferId = (await ReadJsonAsync(transfer)).GetProperty("id").GetGuid();
        using var postTransfer = await bc.PostAsync($"{LotJournalPath()}({transferId})/Microsoft.NAV.post", null);
        using var again = await bc.PostAsync($"{LotJournalPath()}({receiptId})/Microsoft.NAV.post", null);
        using var lookup = await bc.GetAsync($"{LotJournalPath()}?$filter=documentNumber eq 'TT-EVT-1'");

        Assert.Equal(HttpStatusCode.Created, receipt.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, postReceipt.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, postTransfer.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        var line = Assert.Single((await ReadJsonAsync(lookup)).GetProperty("value").EnumerateArray());
        Assert.True(line.GetProperty("posted").GetBoolean());
        Assert.Equal(("Positive Adjmt.", "BATCH-001", "KG"), (line.GetProperty("entryType").GetString(), line.GetProperty("lotNumber").GetString(),
            line.GetProperty("unitOfMeasureCode").GetString()));
        Assert.Equal([("WH1", 120m), ("WH1", -20m), ("WH2", 20m)], State.BcItemLedgerEntries.Select(e => (e.LocationCode, e.Quantity)));
        Assert.All(State.BcItemLedgerEntries, e => Assert.Equal("BATCH-001", e.LotNumber));
        Assert.Equal(120m, Assert.Single(State.BcItems).Inventory);
    }

    [Fact]
    public async Task LotJournal_NegativeAdjustmentBeyondLotStock_PostAnswers400()
    {
        using var bc = await BcClientAsync();
        State.EnableBcLotJournal();
        State.SeedBcItem("1000", "Flour");
        using var writeOff = await SendAsync(bc, HttpMethod.Post, LotJournalPath(),
            """{ "documentNumber": "TT-EVT-3", "itemNumber": "1000", "lotNumber": "BATCH-404", "quantity": -5, "locationCode": "WH1" }""");
        var id = (await ReadJsonAsync(writeOff)).GetProperty("id").GetGuid();

        using var post = await bc.PostAsync($"{LotJournalPath()}({id})/Microsoft.NAV.post", null);

        Assert.Equal("Negative Adjmt.", Assert.Single(State.BcLotJournalLines).EntryType);
        await AssertBcErrorAsync(post, "Application_DialogException");
        Assert.Empty(State.BcItemLedgerEntries);
    }

    // ---- faults and admin ----------------------------------------------------------------------------------

    [Fact]
    public async Task Faults_OnBcPaths_AnswerInBcErrorShape()
    {
        using var bc = await BcClientAsync();
        State.AddFault(FaultRule.Error("GET", "/bc/", 500));
        State.AddFault(FaultRule.Error("GET", "/bc/", 429));
        State.AddFault(FaultRule.Error("GET", "/bc/", 503, errorCode: "Internal_ServiceUnavailable", message: "Down for maintenance."));

        using var error = await bc.GetAsync("companies");
        using var limited = await bc.GetAsync("companies");
        using var named = await bc.GetAsync("companies");

        await AssertBcErrorAsync(error, "Internal_ServerError");
        await AssertBcErrorAsync(limited, "Application_TooManyRequests");
        await AssertBcErrorAsync(named, "Internal_ServiceUnavailable", "Down for maintenance.");
        Assert.Equal(FaultKind.Error, State.Calls[^1].Fault);
    }

    [Fact]
    public async Task Faults_OnTokenEndpoint_AnswerInEntraShape()
    {
        using var entra = EntraClient(Server);
        State.AddFault(FaultRule.Error("POST", $"/{Tenant}/oauth2", 503));

        using var response = await entra.PostAsync($"{Tenant}/oauth2/v2.0/token", TokenForm());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("server_error", (await ReadJsonAsync(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Admin_Bc_ReturnsSnapshotAsJson()
    {
        State.SeedBcItem("1000", "Flour");
        using var admin = new HttpClient { BaseAddress = Server.BaseAddress };

        using var response = await admin.GetAsync("_sandbox/bc");

        var body = await ReadJsonAsync(response);
        Assert.Equal("1000", body.GetProperty("items")[0].GetProperty("number").GetString());
        Assert.Equal(5, body.GetProperty("settings").GetProperty("maxInFlight").GetInt32());
    }

    [Fact]
    public void Reset_AfterBcChanges_BackToSeededCompanyAndDefaults()
    {
        State.SeedBcItem("1000", "Flour");
        State.BcMaxInFlight = 2;
        State.EnableBcLotJournal();

        State.Reset();

        Assert.Empty(State.BcItems);
        Assert.Equal(5, State.BcMaxInFlight);
        Assert.False(State.BcLotJournalEnabled);
        Assert.Single(State.BcCompanies);
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    public enum HandshakeMode
    {
        Echo,
        WrongBody,
        Status500,
    }

    private static string Base64Url(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string json, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return client.SendAsync(request);
    }

    private static async Task AssertBcErrorAsync(HttpResponseMessage response, string code, string? message = null)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        AssertBcErrorObject((await ReadJsonAsync(response)).GetProperty("error"), code, message);
    }

    private static string OrderJson(string externalDocumentNumber, string itemNumber)
        => $$"""
           { "customerNumber": "10000", "externalDocumentNumber": "{{externalDocumentNumber}}", "orderDate": "2024-02-01",
             "salesOrderLines": [ { "lineType": "Item", "lineObjectNumber": "{{itemNumber}}", "quantity": 2 } ] }
           """;

    private string LotJournalPath()
        => new Uri(Server.BusinessCentralBaseAddress, $"{Tenant}/production/api/tracktile/inventory/v1.0/{Company}/itemJournalLines").ToString();

    private async Task<JsonElement> CreateOrderAsync(HttpClient bc)
    {
        if (State.BcCustomers.Count == 0)
        {
            State.SeedBcCustomer("10000", "Acme Bakery");
        }

        if (State.BcItems.Count == 0)
        {
            State.SeedBcItem("1000", "Flour", unitPrice: 9.5m);
        }

        using var response = await SendAsync(bc, HttpMethod.Post, $"{Company}/salesOrders", OrderJson("SO-1001", "1000"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await ReadJsonAsync(response);
    }

    private Task<HttpResponseMessage> SubscribeAsync(HttpClient bc, Uri notificationUrl, string entitySet, SandboxServer? server = null)
        => SendAsync(bc, HttpMethod.Post, "subscriptions", JsonSerializer.Serialize(new
        {
            notificationUrl = notificationUrl.ToString(),
            resource = $"/api/v2.0/companies({(server ?? Server).State.BcCompanyId})/{entitySet}",
            clientState = "secret-state",
        }));

    /// <summary>A webhook receiver on 127.0.0.1: answers the handshake per <see cref="Mode"/>, notifications per <see cref="NotificationStatuses"/> (200 when empty).</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Receiver(WebApplication app, Uri url)
        {
            _app = app;
            Url = url;
        }

        public Uri Url { get; }

        public HandshakeMode Mode { get; set; } = HandshakeMode.Echo;

        public ConcurrentQueue<int> NotificationStatuses { get; } = new();

        public IReadOnlyList<(string Method, string Token, long BodyLength)> Handshakes => [.. _handshakes];

        public IReadOnlyList<string> Notifications => [.. _notifications];

        private readonly ConcurrentQueue<(string Method, string Token, long BodyLength)> _handshakes = new();
        private readonly ConcurrentQueue<string> _notifications = new();

        public static async Task<Receiver> StartAsync()
        {
            Receiver? receiver = null;
            var (app, address) = await LoopbackServer.StartAsync(app => app.Map("/bc-hook", (HttpRequest request) => receiver!.HandleAsync(request)));
            receiver = new Receiver(app, new Uri(address + "/bc-hook"));
            return receiver;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();

        private async Task<IResult> HandleAsync(HttpRequest request)
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            if (request.Query.TryGetValue("validationToken", out var token))
            {
                _handshakes.Enqueue((request.Method, token.ToString(), body.Length));
                return Mode switch
                {
                    HandshakeMode.Echo => Results.Text(token.ToString(), "text/plain"),
                    HandshakeMode.WrongBody => Results.Text("not-the-token", "text/plain"),
                    _ => Results.StatusCode(500),
                };
            }

            _notifications.Enqueue(body);
            return Results.StatusCode(NotificationStatuses.TryDequeue(out var status) ? status : 200);
        }
    }
}
