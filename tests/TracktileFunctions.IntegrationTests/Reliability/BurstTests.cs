using System.Diagnostics;
using TracktileFunctions.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Reliability;

/// <summary>
/// 1,000 signed webhooks (orders, shipments, lot movements; 10 % of them sent twice; shuffled) posted by 16 concurrent
/// callers: every accepted event reaches each of its systems exactly once in effect, and nothing is poisoned or lost.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BurstTests(AzuriteFixture azurite, ITestOutputHelper output) : FleetTestBase(azurite, output)
{

    [Fact]
    public async Task SendAsync_ThousandWebhooksWithDuplicates_EveryEventOnceInEverySystem()
    {
        await PrepareAsync();
        await StartFleetAsync();
        var clock = Stopwatch.StartNew();

        var outcome = await Burst().SendAsync(Plan.Sends);
        var tally = await SettledAsync(outcome.AcceptedIds, TimeSpan.FromMinutes(5));

        await ReportAsync("burst", outcome, tally, clock.Elapsed);
        Assert.Equal((Plan.Sends.Count, 0), (outcome.Accepted, outcome.Refused));
        Assert.Equal(Plan.Unique.Count, outcome.AcceptedIds.Count);
        Assert.True(tally.Exact, tally.ToString());
        Assert.Equal(0, await PoisonedAsync());
        Assert.True(Log.Duplicates >= Plan.Duplicates, $"{Log.Duplicates} redeliveries turned away by the ledger, {Plan.Duplicates} sent");
    }
}
