using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.Processing;
using TracktileFunctions.Secrets;
using TracktileFunctions.Tracktile;
using TracktileFunctions.Webhooks;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Tracktile;

/// <summary>
/// The app registering and rotating its own Tracktile webhooks against the sandbox's Tracktile (which signs each delivery
/// with the current secret of the hook for its kind), with this app's Tracktile webhook served on a real port.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TracktileWebhookSetupTests(AzuriteFixture azurite, ITestOutputHelper output) : ConnectorTestBase(azurite, output, "webhooks/tracktile")
{
    private static readonly string[] DefaultKinds =
    [
        "inventory.destroyed", "inventory.modified", "inventory.moved", "inventory.produced", "inventory.received", "order.status.changed",
        "shipment.items.assigned", "shipment.status.changed",
    ];

    private CapturedLogs Logs { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Tracktile:Hooks:WebhookUrl", WebhookUrl.ToString()),
        new("Tracktile:Webhook:Secrets:0", null), // every secret the app accepts is one it stored itself
    ];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);

    protected override Task<IActionResult> InvokeWebhookAsync(HttpRequest request, CancellationToken cancellationToken)
        => ActivatorUtilities.CreateInstance<TracktileWebhookFunction>(App).RunAsync(request, cancellationToken);

    private TracktileWebhookSetup Setup => App.GetRequiredService<TracktileWebhookSetup>();

    [Fact]
    public async Task Setup_EmptyTracktile_OneHookPerRoutedKindWhoseDeliveriesAreAccepted()
    {
        var report = await Setup.EnsureAsync(CancellationToken.None);

        Assert.Equal(DefaultKinds, report.Created.Select(c => c.Split(':')[0]).Order(StringComparer.Ordinal));
        Assert.Equal(DefaultKinds, State.TracktileHooks.Select(h => h.On).Order(StringComparer.Ordinal));
        Assert.All(State.TracktileHooks, h => Assert.Equal(WebhookUrl, h.Url));
        Assert.Empty(report.Failed);

        var delivered = await State.DeliverTracktileEventAsync(OrderEvent("evt_1", "ord_1", "ready", DateTimeOffset.UtcNow));
        Assert.Equal([200], delivered.Select(d => d.Status ?? 0));
        Assert.Equal(1, await Azurite.MessageCountAsync(QueueNames.TracktileOrders));
    }

    [Fact]
    public async Task Setup_RunTwice_TheSecondChangesNothing()
    {
        await Setup.EnsureAsync(CancellationToken.None);
        var before = State.TracktileHooks.Select(h => (h.Id, h.Secret)).ToList();

        var again = await Setup.EnsureAsync(CancellationToken.None);

        Assert.Equal((0, 0, DefaultKinds.Length), (again.Created.Count, again.Rotated.Count, again.Kept.Count));
        Assert.Equal(before, State.TracktileHooks.Select(h => (h.Id, h.Secret)));
        Assert.Equal(0, State.TracktileHookRotations);
    }

    [Fact]
    public async Task Setup_HookElsewhereAndOneHereWhoseSecretTheAppNeverSaw_ElsewhereLeftAloneOursRotated()
    {
        var elsewhere = State.SeedTracktileHook("ERP's own", new Uri("https://erp.example.test/tracktile"), "order.status.changed");
        var handMade = State.SeedTracktileHook("made by hand", WebhookUrl, "shipment.status.changed");

        var report = await Setup.EnsureAsync(CancellationToken.None);

        Assert.Contains(report.Elsewhere, e => e.Contains(elsewhere.Id, StringComparison.Ordinal));
        Assert.Contains(report.Rotated, r => r.Contains(handMade.Id, StringComparison.Ordinal));
        Assert.Contains(report.Created, c => c.StartsWith("order.status.changed:", StringComparison.Ordinal)); // ours, beside the ERP's
        var untouched = State.TracktileHooks.Single(h => h.Id == elsewhere.Id);
        Assert.Equal((elsewhere.Url, elsewhere.Secret), (untouched.Url, untouched.Secret));
        Assert.Single(State.TracktileHooks, h => h.On == "shipment.status.changed");

        var delivered = await State.DeliverTracktileEventAsync(ShipmentEvent("evt_s1"));
        Assert.Equal([200], delivered.Select(d => d.Status ?? 0));
    }

    [Fact]
    public async Task Rotation_ByAnotherInstanceUnderASteadyStreamOf200Events_NoneRefusedAndEachQueuedOnce()
    {
        await Setup.EnsureAsync(CancellationToken.None);
        await using var other = TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress, Settings);
        var rotator = other.GetRequiredService<TracktileWebhookSetup>();
        var statuses = new List<int?>();
        var clock = Stopwatch.StartNew();
        var slowest = TimeSpan.Zero;

        var stream = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                var sent = clock.Elapsed;
                var answers = await State.DeliverTracktileEventAsync(OrderEvent($"evt_{i:D3}", $"ord_{i}", "ready", DateTimeOffset.UtcNow));
                slowest = clock.Elapsed - sent > slowest ? clock.Elapsed - sent : slowest;
                lock (statuses)
                {
                    statuses.AddRange(answers.Select(a => a.Status));
                }
            }
        });
        for (var round = 0; round < 3; round++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            var rotated = await rotator.RotateAsync(null, CancellationToken.None); // every registration, from the other instance
            Assert.Empty(rotated.Failed);
        }

        await stream;
        Output.WriteLine($"200 deliveries around {State.TracktileHookRotations} rotations: {statuses.Count(s => s == 401)} refused, slowest answer {slowest.TotalMilliseconds:F0} ms");
        Assert.Equal(200, statuses.Count);
        Assert.All(statuses, s => Assert.Equal(200, s));
        Assert.True(State.TracktileHookRotations >= 3 * DefaultKinds.Length);
        Assert.Equal(200, await Azurite.MessageCountAsync(QueueNames.TracktileOrders));
    }

    [Fact]
    public async Task Secrets_SetupRotationAndARefusal_NeverInAnAnswerOrALog()
    {
        var report = await Setup.EnsureAsync(CancellationToken.None);
        var rotation = await Setup.RotateAsync(State.TracktileHooks.First(h => h.On == "order.status.changed").Id, CancellationToken.None);
        var body = Encoding.UTF8.GetBytes(OrderEvent("evt_forged", "ord_1", "ready", DateTimeOffset.UtcNow));
        var refused = Assert.IsType<ContentResult>(await InvokeWebhookAsync(Webhooks.WebhookRequest.Signed(body, "a-secret-nobody-issued"), CancellationToken.None));

        Assert.Equal(401, refused.StatusCode);
        var answers = JsonSerializer.Serialize(report) + JsonSerializer.Serialize(rotation);
        var logs = string.Join('\n', Logs.Lines);
        var hook = State.TracktileHooks.First(h => h.On == "order.status.changed");
        Assert.Contains($"order.status.changed, whose registrations here are {hook.Id}", logs, StringComparison.Ordinal); // the refusal names the registration
        var stored = await App.GetRequiredService<ISecretStore>().GetAsync(TracktileHookSecrets.SecretName(hook.Id), CancellationToken.None);
        Assert.Contains(hook.Secret, stored, StringComparison.Ordinal);
        foreach (var secret in State.TracktileHooks.Select(h => h.Secret))
        {
            Assert.DoesNotContain(secret, answers, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }

    private static string ShipmentEvent(string id)
        => $$"""{"id":"{{id}}","kind":"shipment.status.changed","time":"2026-12-01T10:00:00Z","shipmentId":"shp_1","shipmentShortId":"SHP-001","previousShipmentStatus":"pending","currentShipmentStatus":"picking"}""";
}
