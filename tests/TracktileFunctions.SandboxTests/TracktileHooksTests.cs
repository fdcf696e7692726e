using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.SandboxTests;

/// <summary>
/// The fake Tracktile's webhook registrations (<c>/tracktile/hooks</c>) and its signed deliveries. One sandbox serves
/// the whole class, reset before every test.
/// </summary>
public sealed partial class TracktileHooksTests(TracktileHooksFixture fixture) : IClassFixture<TracktileHooksFixture>, IAsyncLifetime, IDisposable
{
    private const string OrderKind = "order.status.changed";
    private const string OrderEvent = """
        {"id":"evt_abc123","kind":"order.status.changed","time":"2024-01-15T10:30:00Z","transactionId":"txn_xyz789","orderId":"ord_1","previousOrderStatus":"pending","currentOrderStatus":"ready"}
        """;

    private readonly HttpClient _tracktile = fixture.NewTracktileClient();

    private SandboxServer Server => fixture.Server;

    private SandboxState State => fixture.Server.State;

    private HttpClient Tracktile => _tracktile;

    public Task InitializeAsync()
    {
        State.Reset();
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _tracktile.Dispose();

    [Fact]
    public async Task CreateHook_ValidBody_Answers201WithSecret()
    {
        using var response = await PostHookAsync("erp", "http://127.0.0.1:7071/api/webhooks/tracktile", OrderKind);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.Equal("hook_1", body.GetProperty("id").GetString());
        Assert.Equal("erp", body.GetProperty("name").GetString());
        Assert.Equal("http://127.0.0.1:7071/api/webhooks/tracktile", body.GetProperty("url").GetString());
        Assert.Equal(OrderKind, body.GetProperty("on").GetString());
        Assert.True(body.GetProperty("createdAt").TryGetDateTimeOffset(out _));
        var secret = body.GetProperty("secret").GetString()!;
        Assert.Matches(SecretFormat(), secret);
        Assert.Equal(secret, Assert.Single(State.TracktileHooks).Secret);
    }

    [Fact]
    public async Task CreateHook_SameBodyTwice_MakesTwoHooksWithOwnSecrets()
    {
        var first = await ReadJsonAsync(await PostHookAsync("erp", "http://127.0.0.1:7071/hook", OrderKind));
        var second = await ReadJsonAsync(await PostHookAsync("erp", "http://127.0.0.1:7071/hook", OrderKind));

        Assert.Equal("hook_1", first.GetProperty("id").GetString());
        Assert.Equal("hook_2", second.GetProperty("id").GetString());
        Assert.NotEqual(first.GetProperty("secret").GetString(), second.GetProperty("secret").GetString());
        Assert.Equal(2, State.TracktileHooks.Count);
    }

    [Theory]
    [InlineData("""{"url":"http://127.0.0.1/h","on":"order.status.changed"}""", "name")]
    [InlineData("""{"name":"","url":"http://127.0.0.1/h","on":"order.status.changed"}""", "name")]
    [InlineData("""{"name":"erp","on":"order.status.changed"}""", "url")]
    [InlineData("""{"name":"erp","url":"/api/webhooks","on":"order.status.changed"}""", "url")]
    [InlineData("""{"name":"erp","url":"ftp://127.0.0.1/h","on":"order.status.changed"}""", "url")]
    [InlineData("""{"name":"erp","url":"http://127.0.0.1/h"}""", "on")]
    [InlineData("""{"name":"erp","url":"http://127.0.0.1/h","on":7}""", "on")]
    public async Task CreateHook_InvalidField_Answers400NamingIt(string json, string field)
    {
        using var response = await Tracktile.PostAsync("hooks", Json(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        Assert.StartsWith(field + " ", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(State.TracktileHooks);
    }

    [Fact]
    public async Task ListHooks_AfterCreate_AnswersBareArrayWithoutSecret()
    {
        var secret = (await ReadJsonAsync(await PostHookAsync("erp", "http://127.0.0.1:7071/hook", OrderKind))).GetProperty("secret").GetString()!;

        using var response = await Tracktile.GetAsync("hooks");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var hook = Assert.Single(JsonDocument.Parse(text).RootElement.EnumerateArray());
        Assert.Equal("hook_1", hook.GetProperty("id").GetString());
        Assert.Equal(OrderKind, hook.GetProperty("on").GetString());
        Assert.True(hook.TryGetProperty("createdAt", out _));
        Assert.False(hook.TryGetProperty("secret", out _));
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateHook_Known_ChangesGivenFieldsOnlyAndHidesSecret()
    {
        var seeded = State.SeedTracktileHook("erp", new Uri("http://127.0.0.1:7071/hook"), OrderKind);

        using var response = await Tracktile.PutAsync("hooks/" + seeded.Id, Json("""{"url":"http://127.0.0.1:7071/new","on":"shipment.created"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.Equal("erp", body.GetProperty("name").GetString());
        Assert.Equal("http://127.0.0.1:7071/new", body.GetProperty("url").GetString());
        Assert.Equal("shipment.created", body.GetProperty("on").GetString());
        Assert.False(body.TryGetProperty("secret", out _));
        var stored = Assert.Single(State.TracktileHooks);
        Assert.Equal(new Uri("http://127.0.0.1:7071/new"), stored.Url);
        Assert.Equal(seeded.Secret, stored.Secret);
    }

    [Fact]
    public async Task UpdateHook_BadUrl_Answers400AndKeepsHook()
    {
        var seeded = State.SeedTracktileHook("erp", new Uri("http://127.0.0.1:7071/hook"), OrderKind);

        using var response = await Tracktile.PutAsync("hooks/" + seeded.Id, Json("""{"url":"not a url"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("url ", (await ReadJsonAsync(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(seeded, Assert.Single(State.TracktileHooks));
    }

    [Fact]
    public async Task DeleteHook_Known_Answers204AndRemovesIt()
    {
        var seeded = State.SeedTracktileHook("erp", new Uri("http://127.0.0.1:7071/hook"), OrderKind);

        using var response = await Tracktile.DeleteAsync("hooks/" + seeded.Id);
        using var again = await Tracktile.DeleteAsync("hooks/" + seeded.Id);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Empty(State.TracktileHooks);
    }

    [Fact]
    public async Task HookById_Unknown_Answers404WithStatusAndMessage()
    {
        using var put = await Tracktile.PutAsync("hooks/hook_9", Json("""{"name":"x"}"""));
        using var delete = await Tracktile.DeleteAsync("hooks/hook_9");
        using var rotate = await Tracktile.PostAsync("hooks/hook_9/rotate", null);

        foreach (var response in new[] { put, delete, rotate })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var body = await ReadJsonAsync(response);
            Assert.Equal(404, body.GetProperty("status").GetInt32());
            Assert.Contains("hook_9", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(0, State.TracktileHookRotations);
    }

    [Fact]
    public async Task Hooks_NoToken_Answers401AndCreatesNothing()
    {
        using var anonymous = new HttpClient { BaseAddress = Server.TracktileBaseAddress };

        using var list = await anonymous.GetAsync("hooks");
        using var create = await anonymous.PostAsync("hooks", Json("""{"name":"erp","url":"http://127.0.0.1/h","on":"order.status.changed"}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, create.StatusCode);
        Assert.Equal(401, (await ReadJsonAsync(create)).GetProperty("status").GetInt32());
        Assert.Empty(State.TracktileHooks);
    }

    [Fact]
    public async Task CreateHook_FaultInjected_AnswersFaultAndCreatesNothing()
    {
        State.AddFault(FaultRule.Error("POST", "/tracktile/hooks", 503));

        using var faulted = await PostHookAsync("erp", "http://127.0.0.1/h", OrderKind);
        using var next = await PostHookAsync("erp", "http://127.0.0.1/h", OrderKind);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, faulted.StatusCode);
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
        Assert.Equal("hook_1", Assert.Single(State.TracktileHooks).Id);
    }

    [Fact]
    public async Task RotateHook_Known_NewSecretOnlyInAnswerAndOldOneStops()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/hook");
        var created = await ReadJsonAsync(await PostHookAsync("erp", receiver.Url.ToString(), OrderKind));
        var oldSecret = created.GetProperty("secret").GetString()!;

        using var rotate = await Tracktile.PostAsync("hooks/hook_1/rotate", null);
        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        var rotated = await ReadJsonAsync(rotate);
        var newSecret = rotated.GetProperty("secret").GetString()!;
        Assert.Equal("hook_1", rotated.GetProperty("id").GetString());
        Assert.Matches(SecretFormat(), newSecret);
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(1, State.TracktileHookRotations);
        Assert.DoesNotContain(newSecret, await Tracktile.GetStringAsync("hooks"), StringComparison.Ordinal);

        var results = await State.DeliverTracktileEventAsync(OrderEvent);

        Assert.Equal(("hook_1", (int?)200), Assert.Single(results));
        var delivery = Assert.Single(receiver.Requests);
        var header = delivery.Headers["X-Tracktile-Signature"];
        Assert.Equal(WebhookSignatureFailure.None, Verifier(newSecret).TryVerify(header, delivery.Body));
        Assert.Equal(WebhookSignatureFailure.NoMatchingSignature, Verifier(oldSecret).TryVerify(header, delivery.Body));
    }

    [Fact]
    public async Task RotateTracktileHook_AsUser_NextDeliverySignedWithNewSecret()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/hook");
        var hook = State.SeedTracktileHook("erp", receiver.Url, OrderKind);

        var newSecret = State.RotateTracktileHook(hook.Id);
        await State.DeliverTracktileEventAsync(OrderEvent);

        Assert.NotEqual(hook.Secret, newSecret);
        Assert.Equal(newSecret, Assert.Single(State.TracktileHooks).Secret);
        var delivery = Assert.Single(receiver.Requests);
        Assert.Equal(WebhookSignatureFailure.None, Verifier(newSecret).TryVerify(delivery.Headers["X-Tracktile-Signature"], delivery.Body));
        Assert.Equal(WebhookSignatureFailure.NoMatchingSignature, Verifier(hook.Secret).TryVerify(delivery.Headers["X-Tracktile-Signature"], delivery.Body));
        Assert.Throws<ArgumentException>(() => State.RotateTracktileHook("hook_9"));
    }

    [Fact]
    public async Task DeliverTracktileEvent_HooksOfSeveralKinds_PostsOnlyToThatKindSigned()
    {
        await using var orders = await WebhookReceiver.StartAsync("/orders");
        await using var shipments = await WebhookReceiver.StartAsync("/shipments");
        var first = State.SeedTracktileHook("erp", orders.Url, OrderKind);
        var other = State.SeedTracktileHook("wms", shipments.Url, "shipment.created");
        var second = State.SeedTracktileHook("erp again", orders.Url, OrderKind);

        var results = await State.DeliverTracktileEventAsync(OrderEvent);

        Assert.Equal([(first.Id, (int?)200), (second.Id, (int?)200)], results);
        Assert.Empty(shipments.Requests);
        Assert.Equal(2, orders.Requests.Count);
        var secrets = new[] { first.Secret, second.Secret };
        foreach (var request in orders.Requests)
        {
            Assert.Equal(Encoding.UTF8.GetBytes(OrderEvent), request.Body);
            Assert.Equal("application/json", request.Headers["Content-Type"]);
            Assert.Matches("^t=[0-9]+,v1=[0-9a-f]{64}$", request.Headers["X-Tracktile-Signature"]);
        }

        // Each request verifies with exactly one hook's secret, and each secret signs exactly one request.
        foreach (var secret in secrets)
        {
            Assert.Single(orders.Requests, r => Verifier(secret).TryVerify(r.Headers["X-Tracktile-Signature"], r.Body) == WebhookSignatureFailure.None);
        }

        Assert.All(orders.Requests, r => Assert.Equal(
            WebhookSignatureFailure.NoMatchingSignature, Verifier(other.Secret).TryVerify(r.Headers["X-Tracktile-Signature"], r.Body)));
        Assert.Collection(
            State.TracktileHookDeliveries,
            d => Assert.Equal((first.Id, OrderKind, "evt_abc123", (int?)200), (d.HookId, d.Kind, d.EventId, d.Status)),
            d => Assert.Equal((second.Id, OrderKind, "evt_abc123", (int?)200), (d.HookId, d.Kind, d.EventId, d.Status)));
    }

    [Fact]
    public async Task DeliverTracktileEvent_RotatedBetweenDeliveries_LaterOneUsesNewSecret()
    {
        string? rotatedSecret = null;
        await using var receiver = await WebhookReceiver.StartAsync("/hook", () =>
        {
            // While the first hook's delivery is being answered, a person rotates the second hook's secret.
            rotatedSecret ??= State.RotateTracktileHook("hook_2");
            return Results.Ok();
        });
        State.SeedTracktileHook("one", receiver.Url, OrderKind);
        var second = State.SeedTracktileHook("two", receiver.Url, OrderKind);

        await State.DeliverTracktileEventAsync(OrderEvent);

        Assert.NotNull(rotatedSecret);
        var late = receiver.Requests[1];
        Assert.Equal(WebhookSignatureFailure.None, Verifier(rotatedSecret).TryVerify(late.Headers["X-Tracktile-Signature"], late.Body));
        Assert.Equal(WebhookSignatureFailure.NoMatchingSignature, Verifier(second.Secret).TryVerify(late.Headers["X-Tracktile-Signature"], late.Body));
    }

    [Fact]
    public async Task DeliverTracktileEvent_ReceiverAnswers500_ReportsItWithoutRetry()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/hook", () => Results.StatusCode(500));
        var hook = State.SeedTracktileHook("erp", receiver.Url, OrderKind);

        var results = await State.DeliverTracktileEventAsync(OrderEvent);

        Assert.Equal((hook.Id, (int?)500), Assert.Single(results));
        Assert.Single(receiver.Requests);
        Assert.Equal(500, Assert.Single(State.TracktileHookDeliveries).Status);
    }

    [Fact]
    public async Task DeliverTracktileEvent_NotLoopbackOrNoHookOfKind_SendsNothing()
    {
        State.SeedTracktileHook("remote", new Uri("https://example.com/hook"), OrderKind);

        var results = await State.DeliverTracktileEventAsync(OrderEvent);
        var none = await State.DeliverTracktileEventAsync("""{"id":"evt_2","kind":"inventory.received"}""");

        Assert.Equal(("hook_1", (int?)null), Assert.Single(results));
        Assert.Empty(none);
        Assert.Null(Assert.Single(State.TracktileHookDeliveries).Status);
        await Assert.ThrowsAsync<ArgumentException>(() => State.DeliverTracktileEventAsync("""{"id":"evt_3"}"""));
    }

    [Fact]
    public async Task RecordedCalls_HookTraffic_NeverHoldASecret()
    {
        var created = await ReadJsonAsync(await PostHookAsync("erp", "http://127.0.0.1:7071/hook", OrderKind));
        var rotated = await ReadJsonAsync(await Tracktile.PostAsync("hooks/hook_1/rotate", null));
        const string Forged = "whsec_0123456789abcdef0123456789abcdef";
        using var put = await Tracktile.PutAsync("hooks/hook_1", Json($$"""{"name":"renamed","secret":"{{Forged}}"}"""));
        using var list = await Tracktile.GetAsync("hooks");
        var secrets = new[] { created.GetProperty("secret").GetString()!, rotated.GetProperty("secret").GetString()!, Forged };

        var calls = State.Calls.Where(c => c.Path.StartsWith("/tracktile/hooks", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, calls.Count);
        Assert.Single(State.CallsTo("POST", "/tracktile/hooks/hook_1/rotate"));
        Assert.Contains("\"secret\":\"***\"", Assert.Single(calls, c => c.Method == "PUT").Body, StringComparison.Ordinal);
        var recorded = JsonSerializer.Serialize(State.Calls) + await Tracktile.GetStringAsync(new Uri(Server.BaseAddress, "_sandbox/calls"));
        Assert.All(secrets, s => Assert.DoesNotContain(s, recorded, StringComparison.Ordinal));
        Assert.Equal(secrets[1], Assert.Single(State.TracktileHooks).Secret); // the PUT could not set it
    }

    [Fact]
    public async Task Reset_WithHooks_ClearsHooksDeliveriesAndRotations()
    {
        await using var receiver = await WebhookReceiver.StartAsync("/hook");
        var hook = State.SeedTracktileHook("erp", receiver.Url, OrderKind);
        State.RotateTracktileHook(hook.Id);
        await State.DeliverTracktileEventAsync(OrderEvent);

        State.Reset();
        using var list = await Tracktile.GetAsync("hooks");
        var next = State.SeedTracktileHook("erp", receiver.Url, OrderKind);

        Assert.Equal("[]", await list.Content.ReadAsStringAsync());
        Assert.Empty(State.TracktileHookDeliveries);
        Assert.Equal(0, State.TracktileHookRotations);
        Assert.Equal("hook_1", next.Id);
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static WebhookSignatureVerifier Verifier(string secret) => new([secret], TimeSpan.FromMinutes(5), TimeProvider.System);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private Task<HttpResponseMessage> PostHookAsync(string name, string url, string on)
        => Tracktile.PostAsync("hooks", Json(JsonSerializer.Serialize(new { name, url, on })));

    [GeneratedRegex("^whsec_[0-9a-f]{32}$")]
    private static partial Regex SecretFormat();
}

/// <summary>One sandbox for <see cref="TracktileHooksTests"/>.</summary>
public sealed class TracktileHooksFixture : IAsyncLifetime
{
    public SandboxServer Server { get; private set; } = null!;

    /// <summary>A Tracktile client that sends the sandbox's default token.</summary>
    public HttpClient NewTracktileClient()
    {
        var client = new HttpClient { BaseAddress = Server.TracktileBaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "api-sandbox-token");
        return client;
    }

    public async Task InitializeAsync() => Server = await SandboxServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
