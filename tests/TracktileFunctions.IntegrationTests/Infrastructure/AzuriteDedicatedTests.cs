using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// Dedicated Azurites (<see cref="AzuriteFixture.StartDedicatedAsync"/>): data on disk through a graceful stop and a
/// start, and a clock moved past a 10-minute visibility lease. Each test starts its own, so none uses the collection's.
/// </summary>
public sealed class AzuriteDedicatedTests(ITestOutputHelper output)
{
    private const int Burst = 500;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task StopGracefullyAsync_OnDiskRightAfterBurstAcknowledged_EveryMessageEntityAndBlobThereAfterStartAgain()
    {
        await using var azurite = await AzuriteFixture.StartDedicatedAsync(new AzuriteOptions { OnDisk = true });
        // A long network timeout: a send the client gave up on and retried would be stored twice, which is not what
        // this test is about (under load, 500 sends at once once gave 681 messages with the fixture's 10 s).
        var queue = new QueueClient(azurite.ConnectionString, "burst", new QueueClientOptions { Retry = { NetworkTimeout = TimeSpan.FromSeconds(60) } });
        await queue.CreateAsync();
        var table = new TableClient(azurite.ConnectionString, "burst");
        await table.CreateAsync();
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("burst");
        await container.CreateAsync();

        var started = DateTime.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, Burst), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, cancellationToken) => await queue.SendMessageAsync($"message {i:D3}", cancellationToken));
        await table.AddEntityAsync(new TableEntity("p", "last") { ["Value"] = "written last" });
        await container.UploadBlobAsync("last.txt", BinaryData.FromString("uploaded last"));
        output.WriteLine($"{Burst} sends, an entity and a blob acknowledged in {(DateTime.UtcNow - started).TotalMilliseconds:0} ms");
        var stopping = Stopwatch.StartNew();
        await azurite.StopGracefullyAsync();
        Assert.False(azurite.IsRunning);
        output.WriteLine($"stopped gracefully in {stopping.ElapsedMilliseconds} ms");
        var starting = Stopwatch.StartNew();
        await azurite.StartAgainAsync();
        output.WriteLine($"started again in {starting.ElapsedMilliseconds} ms");

        var bodies = await ReceiveAllAsync(queue);
        output.WriteLine($"{bodies.Count}/{Burst} messages after the restart, {bodies.Distinct().Count()} distinct");
        Assert.Equal(Enumerable.Range(0, Burst).Select(i => $"message {i:D3}"), bodies.Order(StringComparer.Ordinal));
        Assert.Equal("written last", (await table.GetEntityAsync<TableEntity>("p", "last")).Value["Value"]);
        Assert.Equal("uploaded last", (await container.GetBlobClient("last.txt").DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task StopAsync_OnDiskRightAfterWrites_LosesWhatWasNotYetSaved()
    {
        // The control for the test above: a kill is a crash, and Azurite saves its databases only every 5 s.
        await using var azurite = await AzuriteFixture.StartDedicatedAsync(new AzuriteOptions { OnDisk = true });
        var queue = azurite.Queue("crash");
        await queue.CreateAsync();
        await azurite.StopGracefullyAsync(); // the queue itself is saved
        await azurite.StartAgainAsync();

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => queue.SendMessageAsync($"unsaved {i}")));
        await azurite.StopAsync();
        await azurite.StartAgainAsync();

        var left = await azurite.MessageCountAsync("crash");
        output.WriteLine($"{left}/50 messages after a kill");
        Assert.True(left < 50, $"All 50 messages survived a kill: {left}.");
    }

    [Fact]
    public async Task ResetAsync_OnDiskAfterStop_StartsEmpty()
    {
        await using var azurite = await AzuriteFixture.StartDedicatedAsync(new AzuriteOptions { OnDisk = true });
        await azurite.Queue("kept").CreateAsync();
        await azurite.StopGracefullyAsync();

        await azurite.ResetAsync();

        Assert.True(azurite.IsRunning);
        Assert.False(await azurite.QueueExistsAsync("kept"));
    }

    [Fact]
    public async Task AdvanceClockAsync_MessageReceivedWithTenMinuteLease_VisibleAgainOnlyOnceLeaseHasPassed()
    {
        await using var azurite = await AzuriteFixture.StartDedicatedAsync(new AzuriteOptions { AdjustableClock = true });
        var queue = azurite.Queue("leased");
        await queue.CreateAsync();
        await queue.SendMessageAsync("in flight");
        var first = (await queue.ReceiveMessageAsync(Lease)).Value;
        Assert.Equal("in flight", first.Body.ToString());

        Assert.Null((await queue.ReceiveMessageAsync(Lease)).Value);
        await azurite.AdvanceClockAsync(TimeSpan.FromMinutes(9));
        Assert.Null((await queue.ReceiveMessageAsync(Lease)).Value); // 9 of the 10 minutes: still leased
        await azurite.AdvanceClockAsync(TimeSpan.FromMinutes(1));

        var again = (await queue.ReceiveMessageAsync(Lease)).Value;
        Assert.NotNull(again);
        Assert.Equal(("in flight", 2L), (again.Body.ToString(), again.DequeueCount));
        Assert.Equal(TimeSpan.FromMinutes(10), azurite.ClockOffset);
        Assert.InRange(again.NextVisibleOn!.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(19), TimeSpan.FromMinutes(21));
        // Shared key requests still pass with the shifted clock (Azurite does not compare x-ms-date with its time).
        var stale = await Assert.ThrowsAsync<RequestFailedException>(() => queue.DeleteMessageAsync(first.MessageId, first.PopReceipt));
        Assert.Equal((400, "PopReceiptMismatch"), (stale.Status, stale.ErrorCode)); // the first receive's lease is over, as in Azure
        await queue.DeleteMessageAsync(again.MessageId, again.PopReceipt);
        Assert.Equal(0, await azurite.MessageCountAsync("leased"));
        var table = new TableClient(azurite.ConnectionString, "afterShift");
        await table.CreateAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));
        Assert.Single(await table.QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task StartAgainAsync_OnDiskAfterClockAdvanced_KeepsOffsetSoLeasedMessageStaysVisible()
    {
        await using var azurite = await AzuriteFixture.StartDedicatedAsync(new AzuriteOptions { OnDisk = true, AdjustableClock = true });
        var queue = azurite.Queue("leased-restart");
        await queue.CreateAsync();
        await queue.SendMessageAsync("in flight");
        Assert.NotNull((await queue.ReceiveMessageAsync(Lease)).Value);
        await azurite.AdvanceClockAsync(Lease);

        await azurite.StopGracefullyAsync();
        await azurite.StartAgainAsync();

        var again = (await queue.ReceiveMessageAsync(Lease)).Value;
        Assert.NotNull(again);
        Assert.Equal(2L, again.DequeueCount);
    }

    [Fact]
    public async Task AdvanceClockAsync_WithoutAdjustableClock_Throws()
    {
        using var azurite = new AzuriteFixture();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => azurite.AdvanceClockAsync(TimeSpan.FromMinutes(1)));

        Assert.Contains(nameof(AzuriteOptions.AdjustableClock), error.Message, StringComparison.Ordinal);
    }

    /// <summary>Every message body in <paramref name="queue"/>, received 32 at a time with a lease long enough for the test.</summary>
    private static async Task<List<string>> ReceiveAllAsync(QueueClient queue)
    {
        var bodies = new List<string>();
        for (var round = 0; round < 100; round++)
        {
            QueueMessage[] batch = await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5));
            if (batch.Length == 0)
            {
                return bodies;
            }

            bodies.AddRange(batch.Select(m => m.Body.ToString()));
        }

        throw new InvalidOperationException("The queue did not empty within 100 receives.");
    }
}
