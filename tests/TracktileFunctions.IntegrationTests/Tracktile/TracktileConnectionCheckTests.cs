using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.Operations;
using TracktileFunctions.Secrets;
using TracktileFunctions.Tracktile;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Tracktile;

/// <summary>The status page's view of Tracktile: its API token (configured) and the webhook registrations the setup stored.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TracktileConnectionCheckTests(AzuriteFixture azurite, ITestOutputHelper output) : ConnectorTestBase(azurite, output, "webhooks/tracktile")
{
    private const string Kinds = "inventory.destroyed, inventory.modified, inventory.moved, inventory.produced, inventory.received, order.status.changed, shipment.items.assigned, shipment.status.changed";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Tracktile:Hooks:WebhookUrl", WebhookUrl.ToString()),
        new("Tracktile:Webhook:Secrets:0", null), // every secret the app accepts is one it stored itself
    ];

    protected override Task<IActionResult> InvokeWebhookAsync(HttpRequest request, CancellationToken cancellationToken)
        => ActivatorUtilities.CreateInstance<TracktileWebhookFunction>(App).RunAsync(request, cancellationToken);

    private string Api => $"API token configured (Tracktile:Api:Token) for {Sandbox.TracktileBaseAddress}";

    private static Task<ConnectionHealth> CheckAsync(IServiceProvider app)
        => Assert.Single(app.GetServices<IConnectionCheck>(), c => c.System == "tracktile").CheckAsync(CancellationToken.None);

    private ServiceProvider Build(params KeyValuePair<string, string?>[] settings)
        => TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress, settings);

    [Fact]
    public async Task CheckAsync_NoRegistrations_UnhealthyNamingTheMissingKinds()
    {
        var health = await CheckAsync(App);

        Assert.False(health.Healthy);
        Assert.Equal([Api, $"0 of 8 webhook kinds registered (their secrets stored); missing: {Kinds}: run POST /api/setup/tracktile"], health.Details);
    }

    [Fact]
    public async Task CheckAsync_AfterSetup_HealthyEveryKindRegistered()
    {
        var report = await App.GetRequiredService<TracktileWebhookSetup>().EnsureAsync(CancellationToken.None);
        Assert.Empty(report.Failed);

        var health = await CheckAsync(App);

        Assert.True(health.Healthy, string.Join(" | ", health.Details));
        Assert.Equal([Api, "8 of 8 webhook kinds registered (their secrets stored)"], health.Details);
    }

    [Fact]
    public async Task CheckAsync_ConfiguredSecretWithoutWebhookUrl_Healthy()
    {
        await using var app = Build();

        var health = await CheckAsync(app);

        Assert.True(health.Healthy);
        Assert.Equal(
        [
            Api,
            "1 webhook secret(s) configured (Tracktile:Webhook:Secrets)",
            "Tracktile:Hooks:WebhookUrl is not set: the app registers no webhooks (0 registration(s) stored, 0 kind(s) with a stored secret)",
        ], health.Details);
    }

    [Fact]
    public async Task CheckAsync_NoSecretAndNoWebhookUrl_UnhealthyAcceptingNothing()
    {
        await using var app = Build(new KeyValuePair<string, string?>("Tracktile:Webhook:Secrets:0", null));

        var health = await CheckAsync(app);

        Assert.False(health.Healthy);
        Assert.Equal(
            "no webhook secret configured or stored: Tracktile's webhook accepts nothing; set Tracktile:Hooks:WebhookUrl and run POST /api/setup/tracktile",
            health.Details[^1]);
    }

    [Fact]
    public async Task CheckAsync_AfterSetup_DetailsNameNoTokenOrSecret()
    {
        await App.GetRequiredService<TracktileWebhookSetup>().EnsureAsync(CancellationToken.None);
        var store = App.GetRequiredService<ISecretStore>();
        List<string> secrets = [TestApp.TracktileToken, .. State.TracktileHooks.Select(h => h.Secret)];
        foreach (var hook in State.TracktileHooks)
        {
            Assert.NotNull(await store.GetAsync(TracktileHookSecrets.SecretName(hook.Id), CancellationToken.None)); // stored, so the check could have shown it
        }

        var health = await CheckAsync(App);

        Assert.True(health.Healthy);
        Assert.All(secrets, secret => Assert.DoesNotContain(health.Details, d => d.Contains(secret, StringComparison.Ordinal)));
    }
}
