using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Store;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Processing;

/// <summary>
/// The pipeline with a connected system that calls back: this app's webhook function for it served on a real port (so
/// the sandbox's fake reaches it as the real system would), and the products the SKU index knows.
/// </summary>
public abstract class ConnectorTestBase(AzuriteFixture azurite, ITestOutputHelper output, string webhookRoute) : PipelineTestBase(azurite, output)
{
    private HttpFunctionHost? _webhook;

    /// <summary>The app's webhook, as the system calls it.</summary>
    protected HttpFunctionHost Webhook => _webhook ?? throw new InvalidOperationException("not started");

    /// <summary>The webhook's public URL.</summary>
    protected Uri WebhookUrl => new(Webhook.BaseAddress, "api/" + webhookRoute);

    /// <summary>Runs the system's webhook function for one request.</summary>
    protected abstract Task<IActionResult> InvokeWebhookAsync(HttpRequest request, CancellationToken cancellationToken);

    protected override async Task BeforeAppAsync() => _webhook = await HttpFunctionHost.StartAsync(webhookRoute, InvokeWebhookAsync);

    protected override async Task DisposeMoreAsync()
    {
        if (_webhook is not null)
        {
            await _webhook.DisposeAsync();
        }
    }

    /// <summary>What the product batch would have indexed: Tracktile products and their SKUs.</summary>
    protected async Task IndexProductsAsync()
    {
        var index = App.GetRequiredService<ProductSkuIndex>();
        await index.SetAsync("prod_jam", "JAM-250", CancellationToken.None);
        await index.SetAsync("prod_honey", "HONEY-500", CancellationToken.None);
    }

    /// <summary>A Tracktile lot event.</summary>
    protected static string InventoryEvent(string id, string kind, string lot, string product, decimal quantity, string node, string extra = "", int minute = 0)
        => $$"""{"id":"{{id}}","kind":"{{kind}}","time":"2026-12-01T09:{{minute:D2}}:00Z","transactionId":"t","flowId":"f","entity":{"id":"ent_{{lot}}","name":"{{lot}}","productId":"{{product}}","quantity":{{quantity}}},"node":{{node}}{{extra}}}""";
}
