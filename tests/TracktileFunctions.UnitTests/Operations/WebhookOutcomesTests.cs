using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TracktileFunctions.BusinessCentral;
using TracktileFunctions.Operations;

// Not ...UnitTests.Operations: that namespace would hide TracktileFunctions.Operations from the other test folders (Operations.X).
namespace TracktileFunctions.UnitTests.Telemetry;

public sealed class WebhookOutcomesTests
{
    [Theory]
    [InlineData(200, "ok")]
    [InlineData(202, "ok")]
    [InlineData(204, "ok")]
    [InlineData(400, "invalid")]
    [InlineData(401, "signature")]
    [InlineData(404, "off")]
    [InlineData(413, "too-large")]
    [InlineData(503, "unavailable")]
    [InlineData(500, "status-500")]
    [InlineData(429, "status-429")]
    [InlineData(302, "status-302")]
    public void Of_StatusCode_MapsToAFixedReason(int status, string outcome)
        => Assert.Equal(outcome, WebhookOutcomes.Of(status));

    [Fact]
    public void Of_Success_IsTheActivityLogsOk()
        => Assert.Equal(ActivityLog.Ok, WebhookOutcomes.Of(200));

    [Fact]
    public async Task ReceiveAsync_Refused_CountsOneWebhookWithSourceAndReason()
    {
        using var capture = new TelemetryCapture();

        var reply = await WebhookOutcomes.ReceiveAsync("test-source", TestActivityLogs.Create(), () => Task.FromResult(new HttpReply(401, "invalid signature")), CancellationToken.None);

        Assert.Equal(401, reply.StatusCode);
        var (value, tags) = Assert.Single(capture.Of("tracktile.webhooks"));
        Assert.Equal(1, value);
        Assert.Equal(("test-source", "signature"), ((string?)tags["source"], (string?)tags["outcome"]));
    }

    [Fact]
    public async Task ReceiveAsync_Accepted_SpanTaggedWithSourceAndOutcome()
    {
        using var capture = new TelemetryCapture();

        await WebhookOutcomes.ReceiveAsync("test-source", TestActivityLogs.Create(), () =>
        {
            EventTracing.TagEvent("evt_1", "order.status.changed");
            return Task.FromResult(HttpReply.Accepted);
        }, CancellationToken.None);

        var span = Assert.Single(capture.Activities);
        Assert.Equal(EventTracing.WebhookActivityName, span.OperationName);
        Assert.Equal("test-source", span.GetTagItem(EventTracing.SourceTag));
        Assert.Equal(("evt_1", "order.status.changed"), (span.GetTagItem(EventTracing.EventIdTag), span.GetTagItem(EventTracing.EventKindTag)));
        Assert.Equal("ok", span.GetTagItem(EventTracing.OutcomeTag));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public async Task ReceiveAsync_ReceiverThrows_CountsTheStatus500AndRethrowsTheSameException()
    {
        using var capture = new TelemetryCapture();
        var error = new InvalidOperationException("boom");

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            WebhookOutcomes.ReceiveAsync("test-source", TestActivityLogs.Create(), () => Task.FromException<HttpReply>(error), CancellationToken.None));

        Assert.Same(error, thrown);
        Assert.Equal("status-500", Assert.Single(capture.Of("tracktile.webhooks")).Tags["outcome"]);
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(capture.Activities).Status);
    }

    [Fact]
    public async Task ReceiveAsync_CallerCancelled_CountsNothing()
    {
        using var capture = new TelemetryCapture();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            WebhookOutcomes.ReceiveAsync("test-source", TestActivityLogs.Create(), () => Task.FromCanceled<HttpReply>(cancelled.Token), cancelled.Token));

        Assert.Empty(capture.Of("tracktile.webhooks"));
    }

    [Fact]
    public async Task ReceiveAsync_BusinessCentralValidationHandshake_CountsOk()
    {
        using var capture = new TelemetryCapture();
        var options = new BusinessCentralOptions { Enabled = true, Webhook = { ClientStates = ["state-1"] } };
        var webhook = new BusinessCentralWebhook(UnreachableStorage.Publisher, Options.Create(options), TimeProvider.System,
            NullLogger<BusinessCentralWebhook>.Instance, TestActivityLogs.Create());

        var reply = await webhook.ReceiveAsync("token-123", 0, Stream.Null, CancellationToken.None);

        Assert.Equal((200, "token-123"), (reply.StatusCode, reply.Body));
        var (_, tags) = Assert.Single(capture.Of("tracktile.webhooks"));
        Assert.Equal(("businesscentral", "ok"), ((string?)tags["source"], (string?)tags["outcome"]));
    }
}
