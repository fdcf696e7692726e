using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Faults;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Reliability;

/// <summary>
/// The burst of <see cref="BurstTests"/> with faults: every target system answering 429, 500, timeouts and lost
/// answers for a stretch; senders whose clocks are off by more than the tolerance; messages in the queues that are not
/// base64 or not JSON. Nothing accepted is lost, nothing is applied twice, and what cannot be read is poisoned where a
/// person sees it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FaultTests(AzuriteFixture azurite, ITestOutputHelper output) : FleetTestBase(azurite, output)
{

    /// <summary>A stretch of faults at the start of each system's writes: the first that matches a request is used up by it.</summary>
    private static IEnumerable<FaultRule> Stretch(string method, string path, int errors, int throttles, int timeouts, int lostAnswers) =>
    [
        FaultRule.Error(method, path, 500, times: errors),
        FaultRule.RateLimit(method, path, TimeSpan.FromSeconds(1), times: throttles),
        FaultRule.Timeout(method, path, TimeSpan.FromSeconds(6), times: timeouts), // longer than every client's attempt timeout
        FaultRule.LostAnswer(method, path, TimeSpan.FromSeconds(1), times: lostAnswers), // applied, then the connection drops
        FaultRule.Error(method, path, 503, times: errors),
    ];

    [Fact]
    public async Task SendAsync_TargetsFailingForAStretch_EveryEventOnceInEverySystem()
    {
        await PrepareAsync();
        foreach (var rule in Stretch("POST", "/erp/", errors: 25, throttles: 25, timeouts: 10, lostAnswers: 10)
                     .Concat(Stretch("POST", "/quickbooks/v3/", errors: 15, throttles: 15, timeouts: 5, lostAnswers: 5))
                     .Concat(Stretch("POST", "/shopify/", errors: 15, throttles: 15, timeouts: 5, lostAnswers: 5))
                     .Concat(Stretch("POST", "/shiphero/graphql", errors: 10, throttles: 10, timeouts: 5, lostAnswers: 5)))
        {
            State.AddFault(rule);
        }

        await StartFleetAsync();
        var clock = Stopwatch.StartNew();

        var outcome = await Burst().SendAsync(Plan.Sends);
        var tally = await SettledAsync(outcome.AcceptedIds, TimeSpan.FromMinutes(6));

        var faulted = State.Calls.Count(c => c.Fault is not null);
        await ReportAsync("target-faults", outcome, tally, clock.Elapsed, new Dictionary<string, object> { ["faultsInjected"] = faulted, ["retriesScheduled"] = Log.Count("LogRetryScheduled") });
        Assert.Equal(Plan.Sends.Count, outcome.Accepted);
        Assert.True(tally.Exact, tally.ToString());
        Assert.Equal(0, await PoisonedAsync());
        Assert.True(faulted >= 200, $"{faulted} requests faulted");
    }

    [Theory]
    [InlineData(+400)]
    [InlineData(-400)]
    public async Task SendAsync_SenderClockOffByMoreThanTolerance_RefusedAndNothingQueued(int skewSeconds)
    {
        var sends = Plan.Unique.Take(100).ToList();

        var skewed = await Burst(clockSkew: TimeSpan.FromSeconds(skewSeconds)).SendAsync(sends);
        var within = await Burst(clockSkew: TimeSpan.FromSeconds(-Math.Sign(skewSeconds) * 240)).SendAsync(sends.Take(10).ToList());

        Assert.Equal(new Dictionary<int, int> { [401] = sends.Count }, skewed.Answers);
        Assert.Equal(10, within.Accepted); // 240 s off is within the 300 s tolerance
        // Only those ten orders were queued, once each for the ERP and for QuickBooks; no queue function runs here.
        Assert.Equal((10, 10, 20), (await Azurite.MessageCountAsync(QueueNames.TracktileOrders), await Azurite.MessageCountAsync(QueueNames.QuickBooksInvoices), await QueuedAsync()));
    }

    [Fact]
    public async Task SendAsync_UnreadableMessagesAmongTheBurst_EachPoisonedAndListedAndTheBurstUndisturbed()
    {
        await PrepareAsync();
        await StartFleetAsync();
        var raw = Azurite.Queue(QueueNames.TracktileOrders, QueueMessageEncoding.None);
        var encoded = Azurite.Queue(QueueNames.ShopifyInventory);
        var sends = Plan.Sends.Take(300).ToList();
        var clock = Stopwatch.StartNew();

        var outcome = await Burst(afterSend: async done =>
        {
            if (done % 100 == 50)
            {
                await raw.SendMessageAsync("this is not base64 {" + done + "}"); // the queue trigger cannot decode it
                await encoded.SendMessageAsync("{\"id\":\"evt_half_" + done + "\",\"kind\":"); // base64 of text that is not JSON
            }
        }).SendAsync(sends);
        var tally = await SettledAsync(outcome.AcceptedIds, TimeSpan.FromMinutes(3));

        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(QueueNames.TracktileOrders + "-poison") == 3
                                                && await Azurite.MessageCountAsync(QueueNames.ShopifyInventory + "-poison") == 3,
            TimeSpan.FromSeconds(60), "each unreadable message is in its queue's poison queue");
        var listing = await App.GetRequiredService<FailureList>().ListAsync(null, CancellationToken.None);
        await ReportAsync("unreadable-messages", outcome, tally, clock.Elapsed, new Dictionary<string, object> { ["sent"] = sends.Count, ["unreadableSent"] = 6 });
        Assert.True(tally.Exact, tally.ToString());
        using var json = JsonDocument.Parse(listing.Body);
        var poison = json.RootElement.GetProperty("poison").EnumerateArray().ToDictionary(p => p.GetProperty("queue").GetString()!, p => (p.GetProperty("depth").GetInt32(), p.GetProperty("recorded").GetInt32()));
        Assert.Equal((3, 0), poison[QueueNames.TracktileOrders]); // moved by the trigger before the app could read it: no reason recorded
        Assert.Equal((3, 3), poison[QueueNames.ShopifyInventory]);
        Assert.Equal(3, json.RootElement.GetProperty("failures").EnumerateArray().Count(f => f.GetProperty("reason").GetString()!.StartsWith("unreadable message", StringComparison.Ordinal)));
    }
}
