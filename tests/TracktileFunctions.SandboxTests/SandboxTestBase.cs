using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using TracktileFunctions.Sandbox;

namespace TracktileFunctions.SandboxTests;

/// <summary>Starts a fresh <see cref="SandboxServer"/> per test, with clients for its two sides.</summary>
public abstract class SandboxTestBase : IAsyncLifetime
{
    private SandboxServer? _server;

    protected SandboxServer Server => _server ?? throw new InvalidOperationException("The sandbox is not started.");

    protected SandboxState State => Server.State;

    protected HttpClient Erp { get; private set; } = null!;

    /// <summary>A Tracktile client that sends the sandbox's default token.</summary>
    protected HttpClient Tracktile { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await SandboxServer.StartAsync();
        Erp = new HttpClient { BaseAddress = _server.ErpBaseAddress };
        Tracktile = new HttpClient { BaseAddress = _server.TracktileBaseAddress };
        Tracktile.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "api-sandbox-token");
    }

    public async Task DisposeAsync()
    {
        Erp.Dispose();
        Tracktile.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Sends <paramref name="json"/> to the ERP, with an <c>Idempotency-Key</c> when one is given.</summary>
    protected Task<HttpResponseMessage> SendErpAsync(HttpMethod method, string path, string json, string? idempotencyKey = null, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return (client ?? Erp).SendAsync(request);
    }

    protected static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    protected static string SalesOrderJson(string orderId, string status = "ready", string eventId = "evt_abc123")
        => $$"""
           {
             "externalId": "{{orderId}}", "orderNumber": "SO-1001", "customerId": "cus_1", "dueDate": "2024-02-01",
             "currency": "USD", "status": "{{status}}",
             "lines": [ { "lineNumber": 1, "productId": "prod_1", "quantity": 2, "unitPrice": 9.5 } ],
             "sourceEventId": "{{eventId}}", "sourceEventTime": "2024-01-15T10:30:00Z"
           }
           """;

    protected static string MovementJson(string type, decimal quantity, string? from, string? to, string lot = "BATCH-001")
        => JsonSerializer.Serialize(new
        {
            movementType = type,
            productId = "prod_1",
            lotCode = lot,
            quantity,
            unit = "kg",
            fromLocation = from,
            toLocation = to,
            sourceEventId = "evt_inv_001",
            eventTime = "2024-01-15T09:00:00Z",
        });
}
