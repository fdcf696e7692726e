using System.Text;
using Azure.Core.Pipeline;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.BusinessCentral;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.IntegrationTests.Webhooks;
using TracktileFunctions.Processing;
using TracktileFunctions.Sync;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.BusinessCentral;

/// <summary>
/// The app with <c>Erp:Provider=BusinessCentral</c> against the sandbox's Business Central: Entra tokens from its
/// HTTPS token endpoint through Azure.Identity, the API over HTTP, and this app's Business Central webhook served on a
/// real port so the fake's handshakes and notifications reach it.
/// </summary>
public abstract class BusinessCentralTestBase(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    protected const string ClientState = "it-bc-client-state";
    protected const string CustomerNumber = "C10000";

    private HttpFunctionHost? _webhook;

    /// <summary>The app's Business Central webhook, as Business Central calls it.</summary>
    protected HttpFunctionHost Webhook => _webhook ?? throw new InvalidOperationException("not started");

    protected string BcPath => $"/bc/v2.0/sandbox-tenant/production/api/v2.0/companies({State.BcCompanyId:D})";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Erp:Provider", "BusinessCentral"),
        new("BusinessCentral:BaseUrl", Sandbox.BusinessCentralBaseAddress.ToString().TrimEnd('/')),
        new("BusinessCentral:TenantId", "sandbox-tenant"),
        new("BusinessCentral:Environment", "production"),
        new("BusinessCentral:CompanyName", State.BcCompanyName),
        new("BusinessCentral:Auth:Mode", "ClientSecret"),
        new("BusinessCentral:Auth:ClientId", "00000000-0000-0000-0000-00000000b0c1"),
        new("BusinessCentral:Auth:ClientSecret", "bc-sandbox-secret"),
        new("BusinessCentral:Auth:AuthorityHost", Sandbox.EntraAuthorityHost.ToString()),
        new("BusinessCentral:Auth:DisableInstanceDiscovery", "true"),
        new("BusinessCentral:Resilience:BaseDelaySeconds", "0.05"),
        new("BusinessCentral:Resilience:AttemptTimeoutSeconds", "5"),
        new("BusinessCentral:Resilience:MaxRetries", "5"),
        new("BusinessCentral:Orders:CustomerNumbers:cus_1", CustomerNumber),
        new("BusinessCentral:Webhook:ClientStates:0", ClientState),
        new("BusinessCentral:Webhook:NotificationUrl", new Uri(Webhook.BaseAddress, "api/webhooks/businesscentral").ToString()),
        .. MoreSettings,
    ];

    /// <summary>Settings a test class adds.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> MoreSettings => [];

    protected override async Task BeforeAppAsync()
        => _webhook = await HttpFunctionHost.StartAsync("webhooks/businesscentral",
            (request, ct) => ActivatorUtilities.CreateInstance<BusinessCentralWebhookFunction>(App).RunAsync(request, ct));

    protected override void ConfigureServices(IServiceCollection services)
    {
        // Azure.Identity needs HTTPS for its authority: trust the sandbox's self-signed certificate, and only it.
        var thumbprint = Sandbox.Certificate.GetCertHashString();
        services.AddKeyedSingleton<HttpPipelineTransport>(BusinessCentralCredential.TransportKey, new HttpClientTransport(new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint },
        })));
    }

    protected override void ConfigureSandbox(Sandbox.SandboxState state)
    {
        state.SeedBcCustomer(CustomerNumber, "Acme Foods", email: "orders@acme.test");
        state.SeedBcItem("FLOUR-25", "Flour 25 kg");
        state.SeedBcItem("SUGAR-10", "Sugar 10 kg");
    }

    protected override async Task DisposeMoreAsync()
    {
        if (_webhook is not null)
        {
            await _webhook.DisposeAsync();
        }
    }

    /// <summary>Records what the product batch would: Tracktile product -> item number.</summary>
    protected async Task LinkProductsAsync()
    {
        var store = App.GetRequiredService<SyncStateStore>();
        await store.TrySaveAsync(new SyncRecord(ErpProductConsumer.Scope, "prod_1") { TargetId = "FLOUR-25" }, CancellationToken.None);
        await store.TrySaveAsync(new SyncRecord(ErpProductConsumer.Scope, "prod_2") { TargetId = "SUGAR-10" }, CancellationToken.None);
    }

    /// <summary>
    /// The common start: Tracktile order <paramref name="orderId"/> (status ready) with its products linked to BC items,
    /// the order queue function running, and its first event applied (<c>evt_1</c> at <paramref name="time"/>).
    /// </summary>
    protected async Task CreateOrderInBusinessCentralAsync(DateTimeOffset time, string orderId = "ord_1")
    {
        SeedOrder(orderId);
        await LinkProductsAsync();
        await StartFunctionAsync("OrderEventsFunction");
        await PostTracktileAsync(OrderEvent("evt_1", orderId, "ready", time));
        await DrainedAsync(QueueNames.TracktileOrders);
    }

    protected int CallsTo(string method, string entityPath) => State.CallsTo(method, $"{BcPath}/{entityPath}").Count;

    protected Task<BusinessCentralSubscriptionReport> SubscribeAsync() => App.GetRequiredService<BusinessCentralSubscriptions>().EnsureAsync(CancellationToken.None);

    /// <summary>Posts to the app's Business Central webhook through the function class.</summary>
    protected async Task<ContentResult> PostNotificationAsync(string json, string? validationToken = null)
    {
        var request = WebhookRequest.Create(Encoding.UTF8.GetBytes(json));
        if (validationToken is not null)
        {
            request.QueryString = new Microsoft.AspNetCore.Http.QueryString("?validationToken=" + Uri.EscapeDataString(validationToken));
        }

        return Assert.IsType<ContentResult>(await ActivatorUtilities.CreateInstance<BusinessCentralWebhookFunction>(App).RunAsync(request, CancellationToken.None));
    }
}
