using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.BusinessCentral;
using TracktileFunctions.Processing;
using TracktileFunctions.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.BusinessCentral;

/// <summary>Business Central -> Tracktile customers: subscriptions (handshake, renewal), notifications, the echo guard, the reconciliation.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BusinessCentralCustomerTests(AzuriteFixture azurite, ITestOutputHelper output) : BusinessCentralTestBase(azurite, output)
{
    protected override void ConfigureSandbox(TracktileFunctions.Sandbox.SandboxState state)
    {
        base.ConfigureSandbox(state);
        state.SeedCustomer("cus_1", JsonElement.Parse("""{"id":"cus_1","name":"Acme Foods","email":"orders@acme.test"}"""));
    }

    private Guid CustomerId => Assert.Single(State.BcCustomers).Id;

    private int TracktilePuts => State.CallsTo("PUT", "/tracktile/customers/cus_1").Count;

    [Fact]
    public async Task Subscribe_Twice_HandshakeThenKeptThenRenewedWhenExpiring()
    {
        var first = await SubscribeAsync();

        Assert.Equal(["customers"], first.Created);
        var subscription = Assert.Single(State.BcSubscriptions);
        Assert.Equal($"/api/v2.0/companies({State.BcCompanyId:D})/customers", subscription.Resource);
        var handshake = Assert.Single(State.BcHandshakes);
        Assert.True(handshake.Succeeded);
        Assert.Equal(1, Webhook.Requests);

        var second = await SubscribeAsync();
        Assert.Equal(["customers"], second.Kept);
        Assert.Single(State.BcHandshakes);

        State.ExpireBcSubscriptions(); // expiring (or expired): renewed, with a new handshake
        var third = await SubscribeAsync();
        Assert.True(third.Renewed.Contains("customers") || third.Created.Contains("customers"), string.Join(",", third.Failed.Values));
        Assert.Equal(2, State.BcHandshakes.Count(h => h.Succeeded));
        Assert.True(Assert.Single(State.BcSubscriptions).ExpirationDateTime > DateTimeOffset.UtcNow.AddDays(2));
    }

    [Fact]
    public async Task CustomerEditedInBusinessCentral_Notification_TracktilePutOnceAndNoEcho()
    {
        await SubscribeAsync();
        await StartFunctionAsync("BusinessCentralNotificationsFunction");

        State.EditBcCustomer(CustomerId, c => c with { Email = "billing@acme.test", PhoneNumber = "+1 555 0100" });
        var deliveries = await Sandbox.DeliverBcNotificationsAsync();

        Assert.Equal(200, Assert.Single(deliveries).StatusCode);
        await DrainedAsync(QueueNames.BusinessCentralNotifications);
        Assert.Equal(1, TracktilePuts);
        var put = JsonElement.Parse(State.CallsTo("PUT", "/tracktile/customers/cus_1")[0].Body);
        Assert.Equal("billing@acme.test", put.GetProperty("email").GetString());
        Assert.Equal(CustomerId.ToString("D"), put.GetProperty("externalId").GetString());

        // Whatever our sync wrote to Business Central comes back as a notification: it changes nothing.
        await Sandbox.DeliverBcNotificationsAsync();
        await DrainedAsync(QueueNames.BusinessCentralNotifications);
        Assert.Equal(1, TracktilePuts);
        Assert.Single(State.BcSubscriptions); // never answered 4xx: the subscription lives
    }

    [Fact]
    public async Task NotificationLostForGood_Reconciliation_StillAppliesTheChange()
    {
        var reconciliation = App.GetRequiredService<BusinessCentralReconciliation>();
        Assert.Equal(0, await reconciliation.TickAsync(force: false, CancellationToken.None)); // the first run sets the starting point
        await SubscribeAsync();
        await StartFunctionAsync("BusinessCentralNotificationsFunction");

        State.SuppressBcNotifications(1);
        State.EditBcCustomer(CustomerId, c => c with { DisplayName = "Acme Foods Ltd" });
        await Sandbox.DeliverBcNotificationsAsync();
        Assert.Equal(0, TracktilePuts);

        Assert.Equal(1, await reconciliation.TickAsync(force: true, CancellationToken.None));
        await DrainedAsync(QueueNames.BusinessCentralNotifications);

        Assert.Equal(1, TracktilePuts);
        Assert.Equal("Acme Foods Ltd", JsonElement.Parse(State.CallsTo("PUT", "/tracktile/customers/cus_1")[0].Body).GetProperty("name").GetString());
        Assert.Null(await reconciliation.TickAsync(force: false, CancellationToken.None)); // not due again yet
    }

    [Fact]
    public async Task Webhook_Handshake_EchoesTheTokenAsPlainText()
    {
        var reply = await PostNotificationAsync("", validationToken: "tok-123");

        Assert.Equal(200, reply.StatusCode);
        Assert.Equal("tok-123", reply.Content);
        Assert.StartsWith("text/plain", reply.ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_UnknownClientState_RefusedAndNothingQueued()
    {
        var reply = await PostNotificationAsync($$"""{"value":[{"subscriptionId":"s","clientState":"guess","resource":"/api/v2.0/companies({{State.BcCompanyId}})/customers({{CustomerId}})","changeType":"updated","lastModifiedDateTime":"2024-01-01T00:00:00Z"}]}""");

        Assert.Equal(401, reply.StatusCode);
        Assert.Equal(0, await Azurite.MessageCountAsync(QueueNames.BusinessCentralNotifications));
    }

    [Fact]
    public async Task Webhook_BatchWithOurClientState_QueuedWithoutTheSecret()
    {
        var reply = await PostNotificationAsync($$"""{"value":[{"subscriptionId":"s","clientState":"{{ClientState}}","resource":"/api/v2.0/companies({{State.BcCompanyId}})/customers({{CustomerId}})","changeType":"updated","lastModifiedDateTime":"2024-01-01T00:00:00Z"},{"subscriptionId":"s","clientState":"{{ClientState}}","resource":"/api/v2.0/companies({{State.BcCompanyId}})/items({{Guid.NewGuid()}})","changeType":"created","lastModifiedDateTime":"2024-01-01T00:00:00Z"}]}""");

        Assert.Equal(200, reply.StatusCode);
        var messages = (await Azurite.Queue(QueueNames.BusinessCentralNotifications).ReceiveMessagesAsync(10)).Value;
        Assert.Equal(2, messages.Length);
        Assert.All(messages, m => Assert.DoesNotContain(ClientState, m.Body.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task CollectionNotification_ManyChanges_ExpandedAcrossPagesAndTheLinkedOneSynced()
    {
        await SubscribeAsync();
        await StartFunctionAsync("BusinessCentralNotificationsFunction");
        State.BcCollectionThreshold = 2;
        State.BcMaxPageSize = 1; // every page one customer: the expansion follows @odata.nextLink
        State.SeedBcCustomer("C20000", "Other 1");
        State.SeedBcCustomer("C30000", "Other 2");
        State.EditBcCustomer(State.BcCustomers.Single(c => c.Number == CustomerNumber).Id, c => c with { DisplayName = "Acme Foods Ltd" });

        var delivery = Assert.Single(await Sandbox.DeliverBcNotificationsAsync());
        Assert.Contains("\"changeType\":\"collection\"", delivery.Body, StringComparison.Ordinal);
        await DrainedAsync(QueueNames.BusinessCentralNotifications);

        Assert.Equal(1, TracktilePuts); // the two unlinked customers are skipped, the linked one synced
        Assert.Equal("Acme Foods Ltd", JsonElement.Parse(State.CallsTo("PUT", "/tracktile/customers/cus_1")[0].Body).GetProperty("name").GetString());
        Assert.True(State.CallsTo("GET", BcPath + "/customers").Count(c => c.Query.Contains("skiptoken", StringComparison.OrdinalIgnoreCase)) >= 2, "paged by nextLink");
    }

    [Fact]
    public async Task Webhook_EmptyBatch_AnsweredOkSoTheSubscriptionLives()
    {
        var reply = await PostNotificationAsync("""{"value":[]}""");

        Assert.Equal(200, reply.StatusCode);
    }
}
