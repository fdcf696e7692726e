using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.QuickBooks;

namespace TracktileFunctions.SandboxTests.QuickBooks;

/// <summary>
/// The fake QuickBooks Online over real HTTP: OAuth, the Accounting API, query, CDC, limits, requestid and webhooks.
/// One sandbox serves the whole class (its first request is the slow one), reset before every test; its clock is fake.
/// </summary>
public sealed class QuickBooksFakeTests(QuickBooksSandboxFixture fixture) : QuickBooksSandboxTestBase(fixture)
{
    // ---- OAuth ----

    [Fact]
    public async Task Authorize_RegisteredRedirect_RedirectsWithCodeStateAndRealmId()
    {
        using var answer = await Http.GetAsync(AuthorizeUrl(RedirectUri, "st-123"));
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        var location = answer.Headers.Location!;
        Assert.StartsWith(RedirectUri + "?", location.ToString(), StringComparison.Ordinal);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        Assert.False(string.IsNullOrEmpty(query["code"]));
        Assert.Equal("st-123", query["state"].ToString());
        Assert.Equal(Realm, query["realmId"].ToString());
        Assert.True(answer.Headers.Contains("intuit_tid"));
    }

    [Fact]
    public async Task Authorize_UnregisteredRedirectOrMissingScope_Answers400WithoutRedirect()
    {
        using var unregistered = await Http.GetAsync(AuthorizeUrl("https://evil.test/cb", "s"));
        Assert.Equal(HttpStatusCode.BadRequest, unregistered.StatusCode);
        Assert.Null(unregistered.Headers.Location);

        using var noScope = await Http.GetAsync(AuthorizeUrl(RedirectUri, "s", scope: "openid"));
        Assert.Equal(HttpStatusCode.BadRequest, noScope.StatusCode);

        using var wrongClient = await Http.GetAsync(AuthorizeUrl(RedirectUri, "s", clientId: "other"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongClient.StatusCode);
    }

    [Fact]
    public async Task Authorize_UserDenies_RedirectsWithAccessDenied()
    {
        State.QuickBooksConsent = QuickBooksConsent.Deny;
        using var answer = await Http.GetAsync(AuthorizeUrl(RedirectUri, "st-9"));
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(answer.Headers.Location!.Query);
        Assert.Equal("access_denied", query["error"].ToString());
        Assert.Equal("st-9", query["state"].ToString());
        Assert.False(query.ContainsKey("code"));
    }

    [Fact]
    public async Task Token_CodeUsedTwice_SecondAnswersInvalidGrant()
    {
        var code = await AuthorizeCodeAsync();
        var first = await TokenAsync(new() { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = RedirectUri });
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("bearer", first.Body["token_type"]!.GetValue<string>());
        Assert.Equal(3600, first.Body["expires_in"]!.GetValue<int>());
        Assert.Equal(8_726_400, first.Body["x_refresh_token_expires_in"]!.GetValue<long>());
        Assert.StartsWith("RT1-", first.Body["refresh_token"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(first.Body["x_refresh_token_hard_expires_in"]);

        var second = await TokenAsync(new() { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = RedirectUri });
        Assert.Equal(HttpStatusCode.BadRequest, second.Status);
        Assert.Equal("invalid_grant", second.Body["error"]!.GetValue<string>());
        Assert.Equal(1, State.QuickBooksInvalidGrants);
    }

    [Fact]
    public async Task Token_ExpiredCodeOtherRedirectOrWrongSecret_Refused()
    {
        var code = await AuthorizeCodeAsync();
        var otherRedirect = await TokenAsync(new() { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = RedirectUri + "/x" });
        Assert.Equal("invalid_grant", otherRedirect.Body["error"]!.GetValue<string>());

        var late = await AuthorizeCodeAsync();
        Time.Advance(TimeSpan.FromMinutes(11));
        var expired = await TokenAsync(new() { ["grant_type"] = "authorization_code", ["code"] = late, ["redirect_uri"] = RedirectUri });
        Assert.Equal(HttpStatusCode.BadRequest, expired.Status);
        Assert.Equal("invalid_grant", expired.Body["error"]!.GetValue<string>());

        var fresh = await AuthorizeCodeAsync();
        var wrongSecret = await TokenAsync(
            new() { ["grant_type"] = "authorization_code", ["code"] = fresh, ["redirect_uri"] = RedirectUri }, secret: "nope");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.Status);
        Assert.Equal("invalid_client", wrongSecret.Body["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Token_RefreshInAlwaysMode_RotatesAndRefusesOldRefreshToken()
    {
        var (_, refresh) = await ConnectAsync();
        var refreshed = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        var next = refreshed.Body["refresh_token"]!.GetValue<string>();
        Assert.NotEqual(refresh, next);

        var old = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
        Assert.Equal(HttpStatusCode.BadRequest, old.Status);
        Assert.Equal("invalid_grant", old.Body["error"]!.GetValue<string>());
        Assert.Equal(1, State.QuickBooksRefreshes);

        using var api = Api(refreshed.Body["access_token"]!.GetValue<string>());
        using var read = await api.GetAsync("account/79?minorversion=75");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task Token_RefreshWithGrace_SameTokenForADayThenOldOneStillWorksForADay()
    {
        State.QuickBooksRotation = QuickBooksRotation.WhenOldWithGrace;
        var (_, refresh) = await ConnectAsync();
        Time.Advance(TimeSpan.FromHours(2));
        var same = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
        Assert.Equal(refresh, same.Body["refresh_token"]!.GetValue<string>());
        Assert.Equal(8_726_400 - 7200, same.Body["x_refresh_token_expires_in"]!.GetValue<long>());

        Time.Advance(TimeSpan.FromHours(23));
        var rotated = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
        var newer = rotated.Body["refresh_token"]!.GetValue<string>();
        Assert.NotEqual(refresh, newer);

        var graced = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
        Assert.Equal(HttpStatusCode.OK, graced.Status);
        Assert.Equal(newer, graced.Body["refresh_token"]!.GetValue<string>());

        Time.Advance(TimeSpan.FromHours(25));
        var late = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
        Assert.Equal("invalid_grant", late.Body["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Token_ConcurrentRefreshInAlwaysMode_OneWinsTheOtherGetsInvalidGrant()
    {
        var (_, refresh) = await ConnectAsync();
        var form = new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh };
        var answers = await Task.WhenAll(TokenAsync(form), TokenAsync(form));
        Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        Assert.Single(answers, a => a.Status == HttpStatusCode.BadRequest && a.Body["error"]!.GetValue<string>() == "invalid_grant");
    }

    [Fact]
    public async Task Revoke_Connection_ApiAnswers401AndRefreshInvalidGrant()
    {
        var (access, refresh) = await ConnectAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, Server.QuickBooksRevokeAddress)
        {
            Content = new StringContent(new JsonObject { ["token"] = refresh }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = BasicAuth();
        using var revoked = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);

        using var api = Api(access);
        using var read = await api.GetAsync("customer/1?minorversion=75");
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        var again = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
        Assert.Equal("invalid_grant", again.Body["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task RevokeQuickBooksConnection_UserDisconnects_TokensStopWorking()
    {
        var (access, refresh) = await ConnectAsync();
        State.RevokeQuickBooksConnection();
        using var api = Api(access);
        using var read = await api.GetAsync("account/79");
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        var again = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
        Assert.Equal("invalid_grant", again.Body["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Recording_TokenRequests_NoCodeOrTokenIsRecorded()
    {
        var code = await AuthorizeCodeAsync();
        var issued = await TokenAsync(new() { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = RedirectUri });
        var refresh = issued.Body["refresh_token"]!.GetValue<string>();
        var refreshed = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
        var access = refreshed.Body["access_token"]!.GetValue<string>();
        using var revoke = new HttpRequestMessage(HttpMethod.Post, Server.QuickBooksRevokeAddress)
        {
            Content = new StringContent(new JsonObject { ["token"] = access }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        revoke.Headers.Authorization = BasicAuth();
        using var _ = await Http.SendAsync(revoke);

        var recorded = string.Join('\n', State.Calls.Select(c => c.Path + c.Query + " " + c.Body));
        Assert.Equal(3, State.CallsTo("POST", "/quickbooks/oauth2").Count);
        foreach (var secret in new[] { code, refresh, refreshed.Body["refresh_token"]!.GetValue<string>(), access, SandboxState.QuickBooksClientSecret })
        {
            Assert.DoesNotContain(secret, recorded, StringComparison.Ordinal);
        }

        Assert.Contains("code=***", recorded, StringComparison.Ordinal);
        Assert.Contains("\"token\":\"***\"", recorded, StringComparison.Ordinal);
        Assert.All(State.CallsTo("POST", "/quickbooks/oauth2"), c => Assert.Equal("Basic", c.AuthorizationScheme));
    }

    // ---- API basics ----

    [Fact]
    public async Task Api_NoOrExpiredBearer_Answers401WithLowercaseAuthenticationFault()
    {
        using var anonymous = new HttpClient { BaseAddress = CompanyAddress() };
        anonymous.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var none = await anonymous.GetAsync("customer/1?minorversion=75");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        var body = JsonNode.Parse(await none.Content.ReadAsStringAsync())!;
        Assert.Null(body["Fault"]);
        Assert.Equal("3200", body["fault"]!["error"]![0]!["code"]!.GetValue<string>());
        Assert.Equal("AUTHENTICATION", body["fault"]!["type"]!.GetValue<string>());
        Assert.StartsWith("message=AuthenticationFailed; errorCode=003200", body["fault"]!["error"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var (access, _) = await ConnectAsync();
        Time.Advance(TimeSpan.FromSeconds(3601));
        using var api = Api(access);
        using var expired = await api.GetAsync("account/79?minorversion=75");
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);

        var (fresh, _) = await ConnectAsync();
        using var freshApi = Api(fresh);
        using var otherRealm = new HttpRequestMessage(HttpMethod.Get, new Uri(Server.QuickBooksBaseAddress, "v3/company/123/account/79"));
        using var forbidden = await freshApi.SendAsync(otherRealm);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        AssertFault(JsonNode.Parse(await forbidden.Content.ReadAsStringAsync())!, "3100");

        State.ExpireQuickBooksAccessTokens();
        using var forced = await freshApi.GetAsync("account/79?minorversion=75");
        Assert.Equal(HttpStatusCode.Unauthorized, forced.StatusCode);
        Assert.Empty(State.QuickBooksApiCalls);
    }

    [Fact]
    public async Task Api_WithoutAcceptJson_AnswersXml()
    {
        var (access, _) = await ConnectAsync();
        using var api = Api(access, json: false);
        using var read = await api.GetAsync("account/79?minorversion=75");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("application/xml", read.Content.Headers.ContentType!.MediaType);
        var xml = XDocument.Parse(await read.Content.ReadAsStringAsync());
        XNamespace ns = "http://schema.intuit.com/finance/v3";
        Assert.Equal(ns + "IntuitResponse", xml.Root!.Name);
        var account = xml.Root.Element(ns + "Account")!;
        Assert.Equal("QBO", account.Attribute("domain")!.Value);
        Assert.Equal("Sales of Product Income", account.Element(ns + "Name")!.Value);
        Assert.Equal("USD", account.Element(ns + "CurrencyRef")!.Value);
    }

    [Fact]
    public async Task Api_MinorVersion_RecordedAndMissingOnesCounted()
    {
        var api = await ConnectedApiAsync();
        using (await api.GetAsync("account/79?minorversion=75"))
        using (await api.GetAsync("account/79?minorversion=12"))
        using (await api.GetAsync("account/79"))
        {
        }

        Assert.Equal(["75", "12", null], State.QuickBooksMinorVersions);
        Assert.Equal(1, State.QuickBooksCallsWithoutMinorVersion);
        Assert.All(State.QuickBooksApiCalls, c => Assert.Equal(75, c.ServedMinorVersion));
    }

    [Fact]
    public async Task Read_UnknownId_Answers400ObjectNotFound()
    {
        var api = await ConnectedApiAsync();
        var answer = await SendAsync(api, HttpMethod.Get, "customer/999?minorversion=75");
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        AssertFault(answer.Body, "610");
        Assert.NotNull(answer.Body["time"]);
    }

    // ---- Customer ----

    [Fact]
    public async Task CustomerCreate_DuplicateDisplayName_Answers6240()
    {
        var api = await ConnectedApiAsync();
        var created = await SendAsync(api, HttpMethod.Post, "customer?minorversion=75", new JsonObject
        {
            ["DisplayName"] = "Acme Foods",
            ["PrimaryEmailAddr"] = new JsonObject { ["Address"] = "orders@acme.test" },
            ["BillAddr"] = new JsonObject { ["Line1"] = "1 Main St", ["City"] = "Springfield", ["CountrySubDivisionCode"] = "IL", ["PostalCode"] = "62701" },
            ["Misspelt"] = "dropped",
        });
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var customer = created.Body["Customer"]!;
        Assert.Equal("0", customer["SyncToken"]!.GetValue<string>());
        Assert.Equal("QBO", customer["domain"]!.GetValue<string>());
        Assert.False(customer["sparse"]!.GetValue<bool>());
        Assert.True(customer["Active"]!.GetValue<bool>());
        Assert.Null(customer["Misspelt"]);
        var createTime = DateTimeOffset.Parse(customer["MetaData"]!["CreateTime"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromHours(-7), createTime.Offset);
        Assert.Equal(Time.GetUtcNow().ToUnixTimeSeconds(), createTime.ToUnixTimeSeconds());
        Assert.Equal("Springfield", customer["BillAddr"]!["City"]!.GetValue<string>());

        var duplicate = await SendAsync(api, HttpMethod.Post, "customer?minorversion=75", new JsonObject { ["DisplayName"] = "ACME foods" });
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.Status);
        AssertFault(duplicate.Body, "6240", "Duplicate Name Exists Error");
        Assert.Single(State.QuickBooksCustomers);
    }

    [Fact]
    public async Task CustomerUpdate_Sparse_ChangesOnlyGivenFieldsAndIncrementsSyncToken()
    {
        var api = await ConnectedApiAsync();
        var id = State.SeedQuickBooksCustomer("Acme Foods", "orders@acme.test", new JsonObject { ["Notes"] = "VIP" });
        Time.Advance(TimeSpan.FromMinutes(5));
        var updated = await SendAsync(api, HttpMethod.Post, "customer?minorversion=75",
            new JsonObject { ["Id"] = id, ["SyncToken"] = "0", ["sparse"] = true, ["CompanyName"] = "Acme Foods LLC" });
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        var customer = updated.Body["Customer"]!;
        Assert.Equal("1", customer["SyncToken"]!.GetValue<string>());
        Assert.Equal("Acme Foods LLC", customer["CompanyName"]!.GetValue<string>());
        Assert.Equal("VIP", customer["Notes"]!.GetValue<string>());
        Assert.Equal("orders@acme.test", customer["PrimaryEmailAddr"]!["Address"]!.GetValue<string>());
        Assert.NotEqual(customer["MetaData"]!["CreateTime"]!.GetValue<string>(), customer["MetaData"]!["LastUpdatedTime"]!.GetValue<string>());
    }

    [Fact]
    public async Task CustomerUpdate_StaleSyncToken_Answers5010()
    {
        var api = await ConnectedApiAsync();
        var id = State.SeedQuickBooksCustomer("Acme Foods");
        State.EditQuickBooksCustomer(id, new JsonObject { ["Notes"] = "edited by a person" });
        var stale = await SendAsync(api, HttpMethod.Post, "customer?minorversion=75",
            new JsonObject { ["Id"] = id, ["SyncToken"] = "0", ["sparse"] = true, ["Notes"] = "mine" });
        Assert.Equal(HttpStatusCode.BadRequest, stale.Status);
        AssertFault(stale.Body, "5010", "Stale Object Error");
        Assert.Equal("edited by a person", State.QuickBooksCustomers.Single()["Notes"]!.GetValue<string>());

        var missing = await SendAsync(api, HttpMethod.Post, "customer?minorversion=75", new JsonObject { ["Id"] = id, ["sparse"] = true, ["Notes"] = "x" });
        AssertFault(missing.Body, "2020");
    }

    [Fact]
    public async Task CustomerUpdate_Full_ClearsOmittedWritableFields()
    {
        var api = await ConnectedApiAsync();
        var id = State.SeedQuickBooksCustomer("Acme Foods", "orders@acme.test", new JsonObject { ["Notes"] = "VIP", ["CompanyName"] = "Acme" });
        var full = await SendAsync(api, HttpMethod.Post, "customer?minorversion=75",
            new JsonObject { ["Id"] = id, ["SyncToken"] = "0", ["DisplayName"] = "Acme Foods", ["Notes"] = "still VIP" });
        var customer = full.Body["Customer"]!;
        Assert.Equal("still VIP", customer["Notes"]!.GetValue<string>());
        Assert.Null(customer["PrimaryEmailAddr"]);
        Assert.Null(customer["CompanyName"]);
        Assert.Equal(id, customer["Id"]!.GetValue<string>());
        Assert.Equal("1", customer["SyncToken"]!.GetValue<string>());
    }

    [Fact]
    public async Task CustomerDeactivate_SparseActiveFalse_NameMarkedDeletedAndHiddenFromDefaultQuery()
    {
        var api = await ConnectedApiAsync();
        var id = State.SeedQuickBooksCustomer("Acme Foods");
        var off = await SendAsync(api, HttpMethod.Post, "customer?minorversion=75", new JsonObject { ["Id"] = id, ["SyncToken"] = "0", ["sparse"] = true, ["Active"] = false });
        Assert.Equal("Acme Foods (deleted)", off.Body["Customer"]!["DisplayName"]!.GetValue<string>());
        var delete = await SendAsync(api, HttpMethod.Post, "customer?operation=delete&minorversion=75", new JsonObject { ["Id"] = id, ["SyncToken"] = "1" });
        AssertFault(delete.Body, "500", "Unsupported Operation");

        var hidden = await QueryAsync(api, "select * from Customer");
        Assert.Null(hidden["QueryResponse"]!["Customer"]);
        var all = await QueryAsync(api, "select * from Customer where Active in (true, false)");
        Assert.Single(all["QueryResponse"]!["Customer"]!.AsArray());
    }

    // ---- Item ----

    [Fact]
    public async Task ItemCreate_IncomeAccountAndInventoryFields_RequiredAndChecked()
    {
        var api = await ConnectedApiAsync();
        var noIncome = await SendAsync(api, HttpMethod.Post, "item?minorversion=75", new JsonObject { ["Name"] = "Flour 25 kg", ["Type"] = "NonInventory", ["Sku"] = "FLOUR-25" });
        Assert.Equal(HttpStatusCode.BadRequest, noIncome.Status);
        AssertFault(noIncome.Body, "2020");
        Assert.Equal("IncomeAccountRef", noIncome.Body["Fault"]!["Error"]![0]!["element"]!.GetValue<string>());

        var expenseAsIncome = await SendAsync(api, HttpMethod.Post, "item?minorversion=75",
            new JsonObject { ["Name"] = "Flour 25 kg", ["Type"] = "Service", ["IncomeAccountRef"] = new JsonObject { ["value"] = SandboxState.QuickBooksExpenseAccountId } });
        AssertFault(expenseAsIncome.Body, "6000");

        var inventoryWithoutAsset = await SendAsync(api, HttpMethod.Post, "item?minorversion=75", new JsonObject
        {
            ["Name"] = "Sugar", ["Type"] = "Inventory", ["TrackQtyOnHand"] = true, ["QtyOnHand"] = 10, ["InvStartDate"] = "2026-01-01",
            ["IncomeAccountRef"] = new JsonObject { ["value"] = "79" }, ["ExpenseAccountRef"] = new JsonObject { ["value"] = "80" },
        });
        AssertFault(inventoryWithoutAsset.Body, "2020");

        var created = await SendAsync(api, HttpMethod.Post, "item?minorversion=75", new JsonObject
        {
            ["Name"] = "Flour 25 kg", ["Type"] = "NonInventory", ["Sku"] = "FLOUR-25", ["UnitPrice"] = 12.5,
            ["IncomeAccountRef"] = new JsonObject { ["value"] = "79" },
        });
        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal("Sales of Product Income", created.Body["Item"]!["IncomeAccountRef"]!["name"]!.GetValue<string>());
        Assert.Equal(12.5m, created.Body["Item"]!["UnitPrice"]!.GetValue<decimal>());

        var duplicate = await SendAsync(api, HttpMethod.Post, "item?minorversion=75",
            new JsonObject { ["Name"] = "flour 25 KG", ["Type"] = "Service", ["IncomeAccountRef"] = new JsonObject { ["value"] = "79" } });
        AssertFault(duplicate.Body, "6240");
        Assert.Single(State.QuickBooksItems);
    }

    // ---- Invoice ----

    [Fact]
    public async Task InvoiceCreate_SalesLines_ComputesTotalsLineIdsAndSubTotalLine()
    {
        var api = await ConnectedApiAsync();
        var customer = State.SeedQuickBooksCustomer("Acme Foods");
        var item = State.SeedQuickBooksItem("Flour 25 kg", "FLOUR-25", 12.5m);
        var created = await SendAsync(api, HttpMethod.Post, "invoice?minorversion=75", new JsonObject
        {
            ["CustomerRef"] = new JsonObject { ["value"] = customer },
            ["DocNumber"] = "SO-1001",
            ["PrivateNote"] = "tracktile:ord_1",
            ["Line"] = new JsonArray(
                SalesLine(item, 2, 12.5m, 25m),
                SalesLine(item, 3, 1.333m, 4m)),
        });
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var invoice = created.Body["Invoice"]!;
        Assert.Equal(29m, invoice["TotalAmt"]!.GetValue<decimal>());
        Assert.Equal(29m, invoice["Balance"]!.GetValue<decimal>());
        Assert.Equal("Acme Foods", invoice["CustomerRef"]!["name"]!.GetValue<string>());
        var lines = invoice["Line"]!.AsArray();
        Assert.Equal(3, lines.Count);
        Assert.Equal(["1", "2"], lines.Take(2).Select(l => l!["Id"]!.GetValue<string>()));
        Assert.Equal([1, 2], lines.Take(2).Select(l => l!["LineNum"]!.GetValue<int>()));
        Assert.Equal("SubTotalLineDetail", lines[2]!["DetailType"]!.GetValue<string>());
        Assert.Equal(29m, lines[2]!["Amount"]!.GetValue<decimal>());
        Assert.Equal(Time.GetUtcNow().ToOffset(TimeSpan.FromHours(-7)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), invoice["TxnDate"]!.GetValue<string>());
        Assert.Equal(29m, State.QuickBooksCustomers.Single()["Balance"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task InvoiceCreate_AmountNotQtyTimesUnitPriceOrUnknownItem_Refused()
    {
        var api = await ConnectedApiAsync();
        var customer = State.SeedQuickBooksCustomer("Acme Foods");
        var item = State.SeedQuickBooksItem("Flour 25 kg");
        var mismatch = await SendAsync(api, HttpMethod.Post, "invoice?minorversion=75", new JsonObject
        {
            ["CustomerRef"] = new JsonObject { ["value"] = customer },
            ["Line"] = new JsonArray(SalesLine(item, 2, 12.5m, 24m)),
        });
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.Status);
        AssertFault(mismatch.Body, "6070");

        var unknownItem = await SendAsync(api, HttpMethod.Post, "invoice?minorversion=75", new JsonObject
        {
            ["CustomerRef"] = new JsonObject { ["value"] = customer },
            ["Line"] = new JsonArray(SalesLine("999", 1, 1m, 1m)),
        });
        AssertFault(unknownItem.Body, "2500");

        var longDoc = await SendAsync(api, HttpMethod.Post, "invoice?minorversion=75", new JsonObject
        {
            ["CustomerRef"] = new JsonObject { ["value"] = customer },
            ["DocNumber"] = new string('9', 22),
            ["Line"] = new JsonArray(SalesLine(item, 1, 1m, 1m)),
        });
        AssertFault(longDoc.Body, "2050");
        Assert.Empty(State.QuickBooksInvoices);
    }

    [Fact]
    public async Task InvoiceCreate_DuplicateDocNumber_AllowedByDefaultRefusedWhenEnforced()
    {
        var api = await ConnectedApiAsync();
        var customer = State.SeedQuickBooksCustomer("Acme Foods");
        var item = State.SeedQuickBooksItem("Flour 25 kg");
        JsonObject Body() => new() { ["CustomerRef"] = new JsonObject { ["value"] = customer }, ["DocNumber"] = "SO-1", ["Line"] = new JsonArray(SalesLine(item, 1, 5m, 5m)) };
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(api, HttpMethod.Post, "invoice?minorversion=75", Body())).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(api, HttpMethod.Post, "invoice?minorversion=75", Body())).Status);
        Assert.Equal(2, State.QuickBooksInvoiceCount("SO-1"));

        State.QuickBooksEnforceUniqueDocNumber = true;
        var third = await SendAsync(api, HttpMethod.Post, "invoice?minorversion=75", Body());
        AssertFault(third.Body, "6140");
        Assert.Equal(2, State.QuickBooksInvoiceCount("SO-1"));
    }

    [Fact]
    public async Task Create_RepeatedRequestId_ReplaysFirstAnswerAndCreatesNothing()
    {
        var api = await ConnectedApiAsync();
        var customer = State.SeedQuickBooksCustomer("Acme Foods");
        var item = State.SeedQuickBooksItem("Flour 25 kg");
        var body = new JsonObject { ["CustomerRef"] = new JsonObject { ["value"] = customer }, ["DocNumber"] = "SO-7", ["Line"] = new JsonArray(SalesLine(item, 1, 5m, 5m)) };
        var first = await SendRawAsync(api, HttpMethod.Post, "invoice?requestid=evt-123&minorversion=75", body);
        Time.Advance(TimeSpan.FromSeconds(5));
        var second = await SendRawAsync(api, HttpMethod.Post, "invoice?requestid=evt-123&minorversion=75", body);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(1, State.QuickBooksInvoiceCount("SO-7"));
        Assert.Equal(1, State.QuickBooksRequestIdReplays);
        Assert.True(State.QuickBooksApiCalls[^1].Replayed);

        // A validation fault executed too: its repeat replays the fault.
        var bad = new JsonObject { ["CustomerRef"] = new JsonObject { ["value"] = "999" }, ["Line"] = new JsonArray(SalesLine(item, 1, 5m, 5m)) };
        var faulted = await SendRawAsync(api, HttpMethod.Post, "invoice?requestid=evt-124&minorversion=75", bad);
        var repeat = await SendRawAsync(api, HttpMethod.Post, "invoice?requestid=evt-124&minorversion=75", body);
        Assert.Equal(HttpStatusCode.BadRequest, repeat.Status);
        Assert.Equal(faulted.Text, repeat.Text);
        Assert.Single(State.QuickBooksInvoices);
    }

    [Fact]
    public async Task Create_LostAnswerThenRetryWithSameRequestId_ReplaysAndCreatesOnce()
    {
        var api = await ConnectedApiAsync();
        var customer = State.SeedQuickBooksCustomer("Acme Foods");
        var item = State.SeedQuickBooksItem("Flour 25 kg");
        var body = new JsonObject { ["CustomerRef"] = new JsonObject { ["value"] = customer }, ["DocNumber"] = "SO-8", ["Line"] = new JsonArray(SalesLine(item, 1, 5m, 5m)) };
        State.AddFault(FaultRule.LostAnswer("POST", "/quickbooks/v3", TimeSpan.FromMilliseconds(50)));
        await Assert.ThrowsAsync<HttpRequestException>(() => SendRawAsync(api, HttpMethod.Post, "invoice?requestid=evt-lost&minorversion=75", body));
        Assert.Equal(1, State.QuickBooksInvoiceCount("SO-8"));

        var retry = await SendAsync(api, HttpMethod.Post, "invoice?requestid=evt-lost&minorversion=75", body);
        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.Equal("SO-8", retry.Body["Invoice"]!["DocNumber"]!.GetValue<string>());
        Assert.Equal(1, State.QuickBooksInvoiceCount("SO-8"));
        Assert.Equal(1, State.QuickBooksRequestIdReplays);
    }

    [Fact]
    public async Task Create_ThrottledOrFaultedRequestId_NotRememberedSoTheRetryRuns()
    {
        var api = await ConnectedApiAsync();
        State.AddFault(FaultRule.Error("POST", "/quickbooks/v3", 503));
        var faulted = await SendAsync(api, HttpMethod.Post, "customer?requestid=evt-9&minorversion=75", new JsonObject { ["DisplayName"] = "Acme" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, faulted.Status);

        using (await api.GetAsync("account/79?minorversion=75"))
        {
        }

        State.QuickBooksRequestsPerMinute = 1; // the read used the minute's one request (the faulted one never reached QuickBooks)
        var throttled = await SendRawAsync(api, HttpMethod.Post, "customer?requestid=evt-9&minorversion=75", new JsonObject { ["DisplayName"] = "Acme" });
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.Status);

        State.QuickBooksRequestsPerMinute = 500;
        var created = await SendAsync(api, HttpMethod.Post, "customer?requestid=evt-9&minorversion=75", new JsonObject { ["DisplayName"] = "Acme" });
        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Single(State.QuickBooksCustomers);
        Assert.Equal(0, State.QuickBooksRequestIdReplays);
    }

    [Fact]
    public async Task InvoiceVoid_ZeroesAmountsAndMarksVoided()
    {
        var api = await ConnectedApiAsync();
        var customer = State.SeedQuickBooksCustomer("Acme Foods");
        var item = State.SeedQuickBooksItem("Flour 25 kg");
        var id = State.SeedQuickBooksInvoice(customer, "SO-9", (item, 2, 10m));
        var stale = await SendAsync(api, HttpMethod.Post, "invoice?operation=void&minorversion=75", new JsonObject { ["Id"] = id, ["SyncToken"] = "3" });
        AssertFault(stale.Body, "5010");

        var voided = await SendAsync(api, HttpMethod.Post, "invoice?operation=void&minorversion=75", new JsonObject { ["Id"] = id, ["SyncToken"] = "0" });
        Assert.Equal(HttpStatusCode.OK, voided.Status);
        var invoice = voided.Body["Invoice"]!;
        Assert.Equal(0m, invoice["TotalAmt"]!.GetValue<decimal>());
        Assert.Equal(0m, invoice["Balance"]!.GetValue<decimal>());
        Assert.All(invoice["Line"]!.AsArray(), l => Assert.Equal(0m, l!["Amount"]!.GetValue<decimal>()));
        Assert.StartsWith("Voided", invoice["PrivateNote"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("1", invoice["SyncToken"]!.GetValue<string>());
        Assert.Equal(1, State.QuickBooksInvoiceCount("SO-9"));
    }

    // ---- query ----

    [Fact]
    public async Task Query_WhereDocNumberSkuAndQuotedDisplayName_FindsExactEntities()
    {
        var api = await ConnectedApiAsync();
        var obrien = State.SeedQuickBooksCustomer("O'Brien's Bakery");
        State.SeedQuickBooksCustomer("Acme Foods");
        var flour = State.SeedQuickBooksItem("Flour 25 kg", "FLOUR-25");
        State.SeedQuickBooksItem("Flour 10 kg", "FLOUR-10");
        State.SeedQuickBooksInvoice(obrien, "SO-1001", (flour, 1, 2m));
        State.SeedQuickBooksInvoice(obrien, "SO-1002", (flour, 1, 3m));

        var customer = await QueryAsync(api, "select * from Customer where DisplayName = 'O\\'Brien\\'s Bakery'");
        Assert.Equal(obrien, customer["QueryResponse"]!["Customer"]!.AsArray().Single()!["Id"]!.GetValue<string>());
        Assert.Equal(1, customer["QueryResponse"]!["startPosition"]!.GetValue<int>());
        Assert.Equal(1, customer["QueryResponse"]!["maxResults"]!.GetValue<int>());

        var item = await QueryAsync(api, "SELECT * FROM Item WHERE Sku = 'FLOUR-25' AND Active = true");
        Assert.Equal(flour, item["QueryResponse"]!["Item"]!.AsArray().Single()!["Id"]!.GetValue<string>());

        var invoice = await QueryAsync(api, $"select * from Invoice where DocNumber = 'SO-1002' and CustomerRef = '{obrien}'");
        Assert.Equal(3m, invoice["QueryResponse"]!["Invoice"]!.AsArray().Single()!["TotalAmt"]!.GetValue<decimal>());

        var both = await QueryAsync(api, "select * from Invoice where DocNumber in ('SO-1001', 'SO-1002') orderby DocNumber desc startposition 1 maxresults 1");
        Assert.Equal("SO-1002", both["QueryResponse"]!["Invoice"]![0]!["DocNumber"]!.GetValue<string>());

        var count = await QueryAsync(api, "select count(*) from Item where Name like 'Flour%'");
        Assert.Equal(2, count["QueryResponse"]!["totalCount"]!.GetValue<int>());

        using var posted = new HttpRequestMessage(HttpMethod.Post, "query?minorversion=75")
        {
            Content = new StringContent("select * from Item where Sku = 'FLOUR-10'", Encoding.UTF8, "application/text"),
        };
        using var postedAnswer = await api.SendAsync(posted);
        var postedBody = JsonNode.Parse(await postedAnswer.Content.ReadAsStringAsync())!;
        Assert.Equal("Flour 10 kg", postedBody["QueryResponse"]!["Item"]![0]!["Name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Query_NoMatch_AnswersEmptyQueryResponse()
    {
        var api = await ConnectedApiAsync();
        var empty = await QueryAsync(api, "select * from Invoice where DocNumber = 'nope'");
        Assert.Empty(empty["QueryResponse"]!.AsObject());
        Assert.NotNull(empty["time"]);
    }

    [Theory]
    [InlineData("select * from Customer where DisplayName = 'a' or DisplayName = 'b'", "4000")]
    [InlineData("select Id, DisplayName from Customer", "4000")]
    [InlineData("select * from Customer where DisplayName != 'a'", "4000")]
    [InlineData("select * from Invoice where PrivateNote = 'x'", "4001")]
    [InlineData("select * from customer", "4001")]
    [InlineData("select * from Payment", "4001")]
    public async Task Query_UnsupportedSyntax_Answers400QueryFault(string query, string code)
    {
        var api = await ConnectedApiAsync();
        var answer = await SendAsync(api, HttpMethod.Get, "query?minorversion=75&query=" + Uri.EscapeDataString(query));
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        AssertFault(answer.Body, code);
    }

    // ---- CDC ----

    [Fact]
    public async Task Cdc_ChangedAndDeletedSince_ReturnsEntitiesAndTombstones()
    {
        var api = await ConnectedApiAsync();
        var customer = State.SeedQuickBooksCustomer("Acme Foods");
        var item = State.SeedQuickBooksItem("Flour 25 kg");
        var kept = State.SeedQuickBooksInvoice(customer, "SO-1", (item, 1, 5m));
        var gone = State.SeedQuickBooksInvoice(customer, "SO-2", (item, 1, 5m));
        Time.Advance(TimeSpan.FromMinutes(30));
        var since = Time.GetUtcNow();
        Time.Advance(TimeSpan.FromMinutes(1));
        State.EditQuickBooksCustomer(customer, new JsonObject { ["Notes"] = "changed" });
        var deleted = await SendAsync(api, HttpMethod.Post, "invoice?operation=delete&minorversion=75", new JsonObject { ["Id"] = gone, ["SyncToken"] = "0" });
        Assert.Equal("Deleted", deleted.Body["Invoice"]!["status"]!.GetValue<string>());
        Assert.Equal(gone, deleted.Body["Invoice"]!["Id"]!.GetValue<string>());

        var cdc = await SendAsync(api, HttpMethod.Get, $"cdc?entities=Customer,Invoice,Item&changedSince={Uri.EscapeDataString(since.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture))}&minorversion=75");
        Assert.Equal(HttpStatusCode.OK, cdc.Status);
        var responses = cdc.Body["CDCResponse"]![0]!["QueryResponse"]!.AsArray();
        Assert.Equal(3, responses.Count);
        Assert.Equal("changed", responses[0]!["Customer"]![0]!["Notes"]!.GetValue<string>());
        var tombstone = responses[1]!["Invoice"]!.AsArray().Single()!;
        Assert.Equal("Deleted", tombstone["status"]!.GetValue<string>());
        Assert.Equal(gone, tombstone["Id"]!.GetValue<string>());
        Assert.Empty(responses[2]!.AsObject());

        var read = await SendAsync(api, HttpMethod.Get, $"invoice/{gone}?minorversion=75");
        AssertFault(read.Body, "610");
        var query = await QueryAsync(api, "select * from Invoice");
        Assert.Equal(kept, query["QueryResponse"]!["Invoice"]!.AsArray().Single()!["Id"]!.GetValue<string>());

        var tooOld = await SendAsync(api, HttpMethod.Get, $"cdc?entities=Invoice&changedSince={Time.GetUtcNow().AddDays(-31):yyyy-MM-dd}&minorversion=75");
        Assert.Equal(HttpStatusCode.BadRequest, tooOld.Status);
        Assert.Contains("older than", tooOld.Body["Fault"]!["Error"]![0]!["Detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    // ---- limits and faults ----

    [Fact]
    public async Task Api_OverRequestsPerMinute_Answers429ThrottleFault()
    {
        var api = await ConnectedApiAsync();
        State.QuickBooksRequestsPerMinute = 3;
        var statuses = new List<HttpStatusCode>();
        string? last = null;
        for (var i = 0; i < 4; i++)
        {
            using var answer = await api.GetAsync("account/79?minorversion=75");
            statuses.Add(answer.StatusCode);
            last = await answer.Content.ReadAsStringAsync();
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        var xml = XDocument.Parse(last!);
        XNamespace ns = "http://schema.intuit.com/finance/v3";
        var error = xml.Root!.Element(ns + "Fault")!.Element(ns + "Error")!;
        Assert.Equal("3001", error.Attribute("code")!.Value);
        Assert.Equal(1, State.QuickBooksThrottledCount);

        Time.Advance(TimeSpan.FromSeconds(61));
        using var later = await api.GetAsync("account/79?minorversion=75");
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Fact]
    public async Task Api_OverConcurrencyLimit_Answers429()
    {
        var api = await ConnectedApiAsync();
        State.QuickBooksMaxConcurrent = 2;
        State.QuickBooksProcessingDelay = TimeSpan.FromMilliseconds(300);
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => api.GetAsync("account/79?minorversion=75")));
        try
        {
            Assert.Equal(2, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
            Assert.Equal(2, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
            Assert.Equal(2, State.QuickBooksMaxObservedInFlight);
        }
        finally
        {
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }
    }

    [Fact]
    public async Task FaultInjection_ErrorOnApi_AnswersQuickBooksFaultWithTid()
    {
        var api = await ConnectedApiAsync();
        State.AddFault(FaultRule.Error("POST", "/quickbooks/v3", 500));
        State.AddFault(FaultRule.Error("GET", "/quickbooks/v3", 400, errorCode: "5010", message: "Stale Object Error"));
        var server = await SendAsync(api, HttpMethod.Post, "customer?minorversion=75", new JsonObject { ["DisplayName"] = "Acme" });
        Assert.Equal(HttpStatusCode.InternalServerError, server.Status);
        Assert.Equal("SystemFault", server.Body["Fault"]!["type"]!.GetValue<string>());
        Assert.Empty(State.QuickBooksCustomers);

        var coded = await SendAsync(api, HttpMethod.Get, "account/79?minorversion=75");
        AssertFault(coded.Body, "5010");
        Assert.Equal(FaultKind.Error, State.CallsTo("GET", "/quickbooks/v3").Single().Fault);
    }

    // ---- webhooks ----

    [Fact]
    public async Task Webhook_EditCustomer_SendsSignedCloudEvents()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/qbo");
        State.QuickBooksWebhookUrl = receiver.Url;
        var id = State.SeedQuickBooksCustomer("Acme Foods");
        State.EditQuickBooksCustomer(id, new JsonObject { ["Notes"] = "changed in QuickBooks" });
        await State.FlushQuickBooksWebhooksAsync();

        var request = Assert.Single(receiver.Requests);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SandboxState.QuickBooksDefaultVerifierToken), request.Body));
        Assert.Equal(expected, request.Headers["intuit-signature"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        var events = JsonNode.Parse(request.Body)!.AsArray();
        var cloudEvent = Assert.Single(events)!;
        Assert.Equal("1.0", cloudEvent["specversion"]!.GetValue<string>());
        Assert.Equal("qbo.customer.updated.v1", cloudEvent["type"]!.GetValue<string>());
        Assert.Equal(id, cloudEvent["intuitentityid"]!.GetValue<string>());
        Assert.Equal(Realm, cloudEvent["intuitaccountid"]!.GetValue<string>());
        Assert.StartsWith("intuit.", cloudEvent["source"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(Guid.TryParse(cloudEvent["id"]!.GetValue<string>(), out _));
        Assert.True(State.QuickBooksWebhookDeliveries.Single().Delivered);
    }

    [Fact]
    public async Task Webhook_LegacyFormatApiCreate_SendsEventNotifications()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/qbo");
        State.QuickBooksWebhookUrl = receiver.Url;
        State.QuickBooksWebhookFormat = QuickBooksWebhookFormat.Legacy;
        var api = await ConnectedApiAsync();
        var created = await SendAsync(api, HttpMethod.Post, "customer?minorversion=75", new JsonObject { ["DisplayName"] = "Acme" });
        await State.FlushQuickBooksWebhooksAsync();

        var body = JsonNode.Parse(Assert.Single(receiver.Requests).Body)!;
        var notification = body["eventNotifications"]![0]!;
        Assert.Equal(Realm, notification["realmId"]!.GetValue<string>());
        var entity = notification["dataChangeEvent"]!["entities"]![0]!;
        Assert.Equal("Customer", entity["name"]!.GetValue<string>());
        Assert.Equal(created.Body["Customer"]!["Id"]!.GetValue<string>(), entity["id"]!.GetValue<string>());
        Assert.Equal("Create", entity["operation"]!.GetValue<string>());
        Assert.NotNull(entity["lastUpdated"]);
    }

    [Fact]
    public async Task Webhook_ReceiverFailsThenSucceeds_RetriedWithSameEventIds()
    {
        var calls = 0;
        await using var receiver = await WebhookReceiver.StartAsync("/qbo", () => Interlocked.Increment(ref calls) < 3 ? Results.StatusCode(503) : Results.Ok());
        State.QuickBooksWebhookUrl = receiver.Url;
        var id = State.SeedQuickBooksCustomer("Acme Foods");
        State.EditQuickBooksCustomer(id, new JsonObject { ["Notes"] = "x" });
        await State.FlushQuickBooksWebhooksAsync();

        Assert.Equal([503, 503, 200], State.QuickBooksWebhookDeliveries.Select(d => d.StatusCode ?? 0));
        Assert.Equal([1, 2, 3], State.QuickBooksWebhookDeliveries.Select(d => d.Attempt));
        Assert.Single(receiver.Requests.Select(r => Encoding.UTF8.GetString(r.Body)).Distinct());
    }

    [Fact]
    public async Task Webhook_Suppressed_NothingSentButCdcSeesTheChange()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/qbo");
        State.QuickBooksWebhookUrl = receiver.Url;
        State.SuppressQuickBooksWebhooks = true;
        var api = await ConnectedApiAsync();
        var id = State.SeedQuickBooksCustomer("Acme Foods");
        var since = Time.GetUtcNow();
        State.EditQuickBooksCustomer(id, new JsonObject { ["Notes"] = "x" });
        await State.FlushQuickBooksWebhooksAsync();
        Assert.Empty(receiver.Requests);

        var cdc = await SendAsync(api, HttpMethod.Get, $"cdc?entities=Customer&changedSince={Uri.EscapeDataString(since.ToString("o", System.Globalization.CultureInfo.InvariantCulture))}");
        Assert.Equal(id, cdc.Body["CDCResponse"]![0]!["QueryResponse"]![0]!["Customer"]![0]!["Id"]!.GetValue<string>());
    }

    [Fact]
    public async Task SendQuickBooksWebhook_ForgedSignature_SentAsGiven()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/qbo", () => Results.StatusCode(401));
        var body = State.QuickBooksWebhookBody([new QuickBooksChange("e-1", "Invoice", "130", "Void", Time.GetUtcNow())]);
        var delivery = await State.SendQuickBooksWebhookAsync(body, receiver.Url, signature: "forged");
        Assert.Equal(401, delivery.StatusCode);
        Assert.Equal("forged", receiver.Requests.Single().Headers["intuit-signature"]);
        Assert.Equal("qbo.invoice.voided.v1", JsonNode.Parse(receiver.Requests.Single().Body)![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Reset_AfterUse_ForgetsQuickBooks()
    {
        var (access, _) = await ConnectAsync();
        State.SeedQuickBooksCustomer("Acme Foods");
        State.QuickBooksRequestsPerMinute = 1;
        State.Reset();
        Assert.Empty(State.QuickBooksCustomers);
        Assert.Equal(500, State.QuickBooksRequestsPerMinute);
        Assert.Equal(0, State.QuickBooksTokensIssued);
        Assert.Contains(State.QuickBooksAccounts, a => a["Id"]!.GetValue<string>() == "79");
        using var api = Api(access);
        using var read = await api.GetAsync("account/79");
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);

        State.SeedQuickBooksCustomer("Seen Over HTTP");
        using var admin = await Http.GetAsync(new Uri(Server.BaseAddress, "_sandbox/quickbooks"));
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Contains("Seen Over HTTP", await admin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    // ---- helpers ----

    private static JsonObject SalesLine(string itemId, decimal qty, decimal unitPrice, decimal amount) => new()
    {
        ["DetailType"] = "SalesItemLineDetail",
        ["Amount"] = amount,
        ["SalesItemLineDetail"] = new JsonObject { ["ItemRef"] = new JsonObject { ["value"] = itemId }, ["Qty"] = qty, ["UnitPrice"] = unitPrice },
    };

    private static void AssertFault(JsonNode body, string code, string? message = null)
    {
        var error = body["Fault"]!["Error"]![0]!;
        Assert.Equal(code, error["code"]!.GetValue<string>());
        if (message is not null)
        {
            Assert.Equal(message, error["Message"]!.GetValue<string>());
        }
    }

    private static async Task<JsonNode> QueryAsync(HttpClient api, string query)
    {
        var (status, body) = await SendAsync(api, HttpMethod.Get, "query?minorversion=75&query=" + Uri.EscapeDataString(query));
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }
}
