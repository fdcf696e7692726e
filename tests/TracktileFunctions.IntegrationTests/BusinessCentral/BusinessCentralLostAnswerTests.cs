using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Faults;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.BusinessCentral;

/// <summary>A create that Business Central commits after the app stopped waiting for its answer is found, never made twice.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BusinessCentralLostAnswerTests(AzuriteFixture azurite, ITestOutputHelper output) : BusinessCentralTestBase(azurite, output)
{
    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings =>
    [
        new("BusinessCentral:Resilience:AttemptTimeoutSeconds", "1"),
        new("Processing:RetryBaseDelaySeconds", "1"),
        new("Processing:RetryMaxDelaySeconds", "1"),
        new("Processing:MaxAttempts", "5"),
    ];

    [Fact]
    public async Task OrderCreate_AnswerLostButCommitted_FoundByLookUpAndNotPostedAgain()
    {
        SeedOrder("ord_1");
        await LinkProductsAsync();
        // Applied, but its answer never comes: the app gives up after 1 s (a POST is not retried by the HTTP pipeline).
        State.AddFault(FaultRule.LostAnswer("POST", $"{BcPath}/salesOrders", TimeSpan.FromSeconds(3)));
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_1", "ord_1", "ready", new DateTimeOffset(2024, 1, 15, 10, 0, 0, TimeSpan.Zero)));

        await Eventually.UntilAsync(async () => State.BcSalesOrders.Count == 1 && await Azurite.MessageCountAsync(QueueNames.TracktileOrders) == 0,
            TimeSpan.FromSeconds(60), "the order exists and the event is done");
        await DrainedAsync(QueueNames.TracktileOrders);
        Assert.Single(State.BcSalesOrders);
        Assert.Single(State.CallsTo("POST", $"{BcPath}/salesOrders"));
        Assert.DoesNotContain(await FailuresAsync(QueueNames.TracktileOrders), f => f.GetBoolean("Poisoned") == true);
    }
}
