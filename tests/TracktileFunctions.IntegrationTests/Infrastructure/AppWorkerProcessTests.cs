using System.Diagnostics;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Tracktile;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// The app's queue functions in a child process (the load driver's <c>child-app</c>) against the collection's Azurite
/// and the sandbox: a webhook's event reaches the ERP through it, the product batch runs in it, and a kill ends it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AppWorkerProcessTests(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 15, 10, 0, 0, TimeSpan.Zero);

    private AppWorkerOptions Options(params string[] functions) =>
        new(Azurite.ConnectionString, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress) { Functions = functions };

    [Fact]
    public async Task StartAsync_OrderEventPosted_ChildCreatesSalesOrderAndKillEndsIt()
    {
        SeedOrder("ord_w1");
        await using var worker = await AppWorkerProcess.StartAsync(Options("OrderEventsFunction"), Output);
        Assert.Equal(QueueNames.TracktileOrders, worker.Queues["OrderEventsFunction"]);

        await PostTracktileAsync(OrderEvent("evt_w1", "ord_w1", "ready", T0));

        await Eventually.UntilAsync(() => State.SalesOrders.Count == 1, Timeout, "the child has created the sales order");
        Assert.Equal(("ord_w1", "ready"), (State.SalesOrders[0].ExternalId, State.SalesOrders[0].Status));
        await DrainedAsync(QueueNames.TracktileOrders);

        var pid = worker.ProcessId;
        worker.Kill();

        Assert.True(worker.HasExited);
        Assert.NotEqual(0, worker.ExitCode);
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(pid)); // no such process any more
    }

    [Fact]
    public async Task RunBatchAsync_ProductsInTracktile_ReturnsResultThenStopsWithCodeZero()
    {
        State.SeedProducts(Enumerable.Range(0, 7).Select(i =>
            new TracktileProduct($"prod_w{i}", $"SKU-W{i}", $"Product {i}", "kg", true, T0.AddMinutes(i))));
        await using var worker = await AppWorkerProcess.StartAsync(Options(), Output);

        var result = await worker.RunBatchAsync();

        Assert.True(result["succeeded"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Equal((7, 7), (result["seen"]!.GetValue<long>(), result["handedOff"]!.GetValue<long>()));
        Assert.True(await Azurite.MessageCountAsync(QueueNames.TracktileProducts) > 0);
        Assert.Equal(0, await worker.StopAsync());
        Assert.NotNull(await worker.WaitForAsync(AppWorkerEvents.Result, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void RequireDriver_MissingDll_SaysToBuildTheSolution()
    {
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "TracktileFunctions.LoadDriver.dll");

        var error = Assert.Throws<InvalidOperationException>(() => AppWorkerProcess.RequireDriver(missing));

        Assert.Contains(AppWorkerProcess.BuildFirst, error.Message, StringComparison.Ordinal);
    }
}
