using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Storage;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Storage;

/// <summary>The app's queues exist from the start, so idle queue triggers poll quietly (no 404 warnings).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueueProvisionerTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    public Task InitializeAsync() => azurite.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task StartAsync_EmptyAccount_CreatesEveryQueueAndPoisonQueueTheAppUses()
    {
        await using var app = TestApp.Build(azurite.ConnectionString, output, settings: new Dictionary<string, string?>
        {
            ["Tracktile:Webhook:Routes:0:Kind"] = "customer.updated",
            ["Tracktile:Webhook:Routes:0:Queues:0"] = "accounting-customers",
        });
        var provisioner = app.GetServices<IHostedService>().OfType<QueueProvisioner>().Single();

        string[] expected =
        [
            "tracktile-orders", "tracktile-orders-poison", "tracktile-shipments-poison", "tracktile-inventory-poison", "tracktile-products-poison",
            "product-sync-requests", "erp-customers-poison", "tracktile-customers-poison", "tracktile-unrouted", "erp-unrouted",
            "accounting-customers", "accounting-customers-poison",
        ];

        await provisioner.StartAsync(CancellationToken.None);
        // The queues are created one after another in the background: wait for all of them, not the first.
        await Eventually.UntilAsync(async () => (await QueuesAsync()).IsSupersetOf(provisioner.QueueNamesToCreate()), TimeSpan.FromSeconds(20), "the queues are created");
        await provisioner.StopAsync(CancellationToken.None);

        var queues = await QueuesAsync();
        Assert.DoesNotContain("tracktile-unrouted-poison", queues);
        Assert.Equal(0, await provisioner.CreateMissingAsync(CancellationToken.None)); // a second start creates nothing
    }

    private async Task<HashSet<string>> QueuesAsync()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var queue in new QueueServiceClient(azurite.ConnectionString).GetQueuesAsync())
        {
            names.Add(queue.Name);
        }

        return names;
    }
}
