using System.Text;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Webhooks;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Processing;

/// <summary>
/// The whole pipeline on real parts: a signed webhook through the HTTP function into Azurite, the queue function run by
/// the real queue extension (base64, dequeue counts, poison), and the sandbox playing Tracktile's API and the ERP.
/// </summary>
public abstract class PipelineTestBase(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    protected static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    private readonly List<IAsyncDisposable> _hosts = [];

    protected AzuriteFixture Azurite => azurite;

    protected ITestOutputHelper Output => output;

    protected SandboxServer Sandbox { get; private set; } = null!;

    protected SandboxState State => Sandbox.State;

    protected ServiceProvider App { get; private set; } = null!;

    /// <summary>Settings a test class adds to the app's configuration.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    /// <summary>Adds services before the app's own (e.g. a transport that trusts the sandbox's certificate).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Sets up the sandbox before the app is built.</summary>
    protected virtual void ConfigureSandbox(SandboxState state)
    {
    }

    public async Task InitializeAsync()
    {
        await azurite.ResetAsync();
        Sandbox = await SandboxServer.StartAsync();
        ConfigureSandbox(Sandbox.State);
        await BeforeAppAsync();
        App = TestApp.Build(azurite.ConnectionString, output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress, Settings, services: ConfigureServices);
    }

    /// <summary>Runs after the sandbox started and before the app is built (e.g. to start servers the settings name).</summary>
    protected virtual Task BeforeAppAsync() => Task.CompletedTask;

    /// <summary>Releases what <see cref="BeforeAppAsync"/> started, after the app and the sandbox.</summary>
    protected virtual Task DisposeMoreAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await App.DisposeAsync();
        await Sandbox.DisposeAsync();
        await DisposeMoreAsync();
    }

    /// <summary>Starts the queue function <paramref name="functionName"/> under the real queue extension.</summary>
    /// <param name="functionName">The function's name.</param>
    /// <param name="hostLogs">Whether the queue extension's own logs go to the test output.</param>
    protected async Task<WebJobsQueueHost> StartFunctionAsync(string functionName, bool hostLogs = true)
    {
        var function = IsolatedQueueFunction.Find(typeof(TracktileWebhookFunction).Assembly, functionName);
        var host = await WebJobsQueueHost.StartAsync(function, App, azurite.ConnectionString, hostLogs ? output : null, WebJobsQueueHost.FastRetries);
        _hosts.Add(host);
        return host;
    }

    /// <summary>Posts a signed Tracktile webhook through the HTTP function; asserts it was accepted.</summary>
    protected async Task PostTracktileAsync(string json)
    {
        var function = ActivatorUtilities.CreateInstance<TracktileWebhookFunction>(App);
        var result = Assert.IsType<ContentResult>(await function.RunAsync(WebhookRequest.Signed(Encoding.UTF8.GetBytes(json), TestApp.TracktileSecret), CancellationToken.None));
        Assert.Equal(200, result.StatusCode);
    }

    /// <summary>Waits until <paramref name="queue"/> is empty, then a grace period in which it must stay so.</summary>
    protected async Task DrainedAsync(string queue)
    {
        await Eventually.UntilAsync(async () => await azurite.MessageCountAsync(queue) == 0, Timeout, $"{queue} is empty");
        await Eventually.HoldsAsync(async () => await azurite.MessageCountAsync(queue) == 0, Grace, $"{queue} stays empty");
    }

    /// <summary>The reasons recorded in the failures table for <paramref name="queue"/>.</summary>
    protected async Task<IReadOnlyList<TableEntity>> FailuresAsync(string queue)
    {
        var table = new TableClient(azurite.ConnectionString, FailureLog.TableName);
        var rows = new List<TableEntity>();
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == queue))
            {
                rows.Add(row);
            }
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            // No failure was ever recorded: the table does not exist yet.
        }

        return rows;
    }

    protected static string OrderEvent(string id, string orderId, string status, DateTimeOffset time, string previous = "pending")
        => $$"""{"id":"{{id}}","kind":"order.status.changed","time":"{{time:O}}","transactionId":"txn_{{id}}","orderId":"{{orderId}}","previousOrderStatus":"{{previous}}","currentOrderStatus":"{{status}}"}""";

    /// <summary>Puts an order in the sandbox's Tracktile; <paramref name="status"/> is its current status there.</summary>
    protected void SeedOrder(string id, string status = "ready") => State.SeedOrders(new TracktileFunctions.Sandbox.Tracktile.TracktileOrder(
        id, "SO-" + id, "cus_1", new DateOnly(2024, 2, 1), "USD", status,
        [new TracktileFunctions.Sandbox.Tracktile.TracktileOrderItem("prod_1", 2, 9.5m), new TracktileFunctions.Sandbox.Tracktile.TracktileOrderItem("prod_2", 1, 4m)]));
}
