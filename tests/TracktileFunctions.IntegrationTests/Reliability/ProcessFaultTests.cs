using System.Diagnostics;
using TracktileFunctions.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Reliability;

/// <summary>An Azurite of the test class's own, kept on disk (so it survives a stop) with a clock the test can move.</summary>
public sealed class DedicatedAzurite : IAsyncLifetime
{
    /// <summary>The emulator, once started.</summary>
    public AzuriteFixture Azurite { get; private set; } = null!;

    public async Task InitializeAsync() => Azurite = await AzuriteFixture.StartDedicatedAsync(new AzuriteOptions { OnDisk = true, AdjustableClock = true });

    public async Task DisposeAsync() => await Azurite.DisposeAsync();
}

/// <summary>
/// The burst while the processes under it fail: storage stopped for a few seconds during ingest, and the process
/// running the queue functions killed mid-burst and started again. Every event that got a 200 arrives, once.
/// </summary>
/// <remarks>
/// The queue trigger holds a message it took for a fixed 10 minutes (Azure's peek-lock, which cannot be changed), so
/// what a dead worker or a failed delete left behind comes back only then. The tests move the emulator's clock on by
/// those 10 minutes instead of waiting them out.
/// </remarks>
[Collection(AzuriteCollection.Name)]
public sealed class ProcessFaultTests(DedicatedAzurite dedicated, ITestOutputHelper output) : FleetTestBase(dedicated.Azurite, output), IClassFixture<DedicatedAzurite>
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task SendAsync_StorageStoppedDuringIngest_RefusedWith503AndEveryAcceptedEventArrivesOnce()
    {
        await PrepareAsync();
        await StartFleetAsync();
        var clock = Stopwatch.StartNew();
        Task? outage = null;
        var down = TimeSpan.Zero;

        var outcome = await Burst(maxAttempts: 20, afterSend: done =>
        {
            if (done == 300)
            {
                outage = Task.Run(async () =>
                {
                    var stopped = Stopwatch.StartNew();
                    await Azurite.StopGracefullyAsync();
                    await Task.Delay(TimeSpan.FromSeconds(4));
                    await Azurite.StartAgainAsync();
                    down = stopped.Elapsed;
                });
            }

            return Task.CompletedTask;
        }).SendAsync(Plan.Sends);
        await outage!;
        await ReleaseLeasesAsync();
        var tally = await SettledAsync(outcome.AcceptedIds, TimeSpan.FromMinutes(5));

        await ReportAsync("storage-outage", outcome, tally, clock.Elapsed, new Dictionary<string, object> { ["storageDownSeconds"] = Math.Round(down.TotalSeconds, 1) });
        Assert.True(outcome.Answers.GetValueOrDefault(503) > 0, "some webhooks were refused while storage was down");
        Assert.Equal(Plan.Unique.Count, outcome.AcceptedIds.Count); // the sender's retries got every event in
        Assert.True(tally.Exact, tally.ToString());
        Assert.Equal(0, await PoisonedAsync());
    }

    [Fact]
    public async Task SendAsync_WorkerKilledMidBurstAndRestarted_EveryEventOnceInEverySystem()
    {
        await PrepareAsync();
        var worker = await StartWorkerAsync();
        var clock = Stopwatch.StartNew();
        Task<AppWorkerProcess>? restarted = null;
        var processedAtKill = 0;

        try
        {
            var outcome = await Burst(afterSend: done =>
            {
                if (done == 400)
                {
                    processedAtKill = Tally(Plan.Unique.Select(e => e.Id).ToList()).Delivered;
                    worker.Kill(); // mid-burst, messages in its hands
                    restarted = Task.Run(async () =>
                    {
                        await ReleaseLeasesAsync(); // no live worker holds a message now
                        return await StartWorkerAsync();
                    });
                }

                return Task.CompletedTask;
            }).SendAsync(Plan.Sends);
            worker = await restarted!;
            var tally = await SettledAsync(outcome.AcceptedIds, TimeSpan.FromMinutes(5));

            await ReportAsync("worker-killed", outcome, tally, clock.Elapsed, new Dictionary<string, object> { ["effectsAtKill"] = processedAtKill, ["duplicatesSuppressed"] = "in the worker's log" });
            Assert.Equal(Plan.Sends.Count, outcome.Accepted);
            Assert.InRange(processedAtKill, 1, tally.Expected - 1); // killed while it had work done and work to do
            Assert.True(tally.Exact, tally.ToString());
            Assert.Equal(0, await PoisonedAsync());
        }
        finally
        {
            await worker.DisposeAsync();
        }
    }

    /// <summary>What the 10-minute lease does in Azure after a crash or a failed delete: the messages are visible again.</summary>
    private async Task ReleaseLeasesAsync()
    {
        await Task.Delay(TimeSpan.FromSeconds(2)); // let what is in flight in this process finish
        await Azurite.AdvanceClockAsync(Lease);
    }

    private Task<AppWorkerProcess> StartWorkerAsync()
        => AppWorkerProcess.StartAsync(new AppWorkerOptions(Azurite.ConnectionString, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress)
        {
            Functions = Functions,
            Settings = [.. Settings],
            LogLevel = "Warning",
        }, Output);
}
