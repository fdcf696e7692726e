using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Operations;

/// <summary>
/// One event's trace on real parts: a signed Tracktile webhook through the app's receiver, the queue function under the
/// real queue extension, the sandbox's Tracktile and ERP over real HTTP, the spans exported in memory.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TelemetryTests(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 15, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The exporter's list, appended to from whichever thread ends a span (other tests' too: listeners are process-wide).</summary>
    private sealed class Spans : System.Collections.ObjectModel.Collection<Activity>
    {
        private readonly Lock _lock = new();

        public Activity[] Snapshot()
        {
            lock (_lock)
            {
                return [.. Items];
            }
        }

        protected override void InsertItem(int index, Activity item)
        {
            lock (_lock)
            {
                base.InsertItem(index, item);
            }
        }
    }

    [Fact]
    public async Task OrderWebhook_QueuedAndAppliedToTheErp_OneTraceFromTheWebhookToTheErpCall()
    {
        var spans = new Spans();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(AppTelemetry.Name)
            .AddSource("Microsoft.AspNetCore") // the sandbox's server spans: their parent is the traceparent header it received
            .AddHttpClientInstrumentation()
            .AddInMemoryExporter(spans)
            .Build();
        SeedOrder("ord_trace");
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_trace", "ord_trace", "ready", T0));
        await DrainedAsync(QueueNames.TracktileOrders);

        // Other tests' spans land in the same list: this test's are those of its event's trace.
        var webhook = Assert.Single(spans.Snapshot(), s => s.OperationName == EventTracing.WebhookActivityName && Equals(s.GetTagItem(EventTracing.EventIdTag), "evt_trace"));
        Activity[] trace = [];
        await Eventually.UntilAsync(() =>
        {
            trace = [.. spans.Snapshot().Where(s => s.TraceId == webhook.TraceId)];
            return Task.FromResult(trace.Any(IsErpOrderCall) && trace.Any(s => s.Kind == ActivityKind.Server && s.ParentSpanId == trace.First(IsErpOrderCall).SpanId));
        }, Timeout, "the trace holds the ERP call and the sandbox's side of it");

        Assert.Equal(("tracktile", "order.status.changed", "ok"),
            (webhook.GetTagItem(EventTracing.SourceTag), webhook.GetTagItem(EventTracing.EventKindTag), webhook.GetTagItem(EventTracing.OutcomeTag)));
        var process = Assert.Single(trace, s => s.OperationName == EventTracing.ProcessActivityPrefix + QueueNames.TracktileOrders);
        Assert.Equal((ActivityKind.Consumer, webhook.SpanId), (process.Kind, process.ParentSpanId)); // the context travelled in the message
        Assert.Equal(("evt_trace", "order.status.changed", 1, "processed"),
            (process.GetTagItem(EventTracing.EventIdTag), process.GetTagItem(EventTracing.EventKindTag), process.GetTagItem(EventTracing.AttemptTag), process.GetTagItem(EventTracing.OutcomeTag)));
        Assert.Equal(QueueNames.TracktileOrders, process.GetTagItem(EventTracing.QueueTag));

        var erpCall = Assert.Single(trace, IsErpOrderCall);
        Assert.True(IsWithin(erpCall, process, trace), "the ERP call is part of the queue processing");
        Assert.Contains(trace, s => s.Kind == ActivityKind.Client && Path(s) == "/tracktile/orders/ord_trace" && IsWithin(s, process, trace));
        // The sandbox read the traceparent header: its server span is the ERP call's child, in the same trace.
        var received = Assert.Single(trace, s => s.Kind == ActivityKind.Server && s.ParentSpanId == erpCall.SpanId);
        Assert.Equal(webhook.TraceId, received.TraceId);
        Assert.Single(State.CallsTo("POST", "/erp/sales-orders"));

        // The status page saw the same life: one webhook accepted, one call to each system.
        var log = App.GetRequiredService<ActivityLog>();
        await log.FlushAsync(CancellationToken.None);
        var activity = await log.ReadAsync(CancellationToken.None);
        Assert.Equal(1, activity[ActivityLog.WebhookSubject("tracktile")].Counts[ActivityLog.Ok]);
        Assert.Equal(1, activity[ActivityLog.SystemSubject("erp")].Counts[ActivityLog.Ok]);
        Assert.Equal(1, activity[ActivityLog.SystemSubject("tracktile")].Counts[ActivityLog.Ok]);
    }

    private static string? Path(Activity span)
        => span.GetTagItem("url.full") is string url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.AbsolutePath : null;

    private static bool IsErpOrderCall(Activity span)
        => span.Kind == ActivityKind.Client && Equals(span.GetTagItem("http.request.method"), "POST") && Path(span) == "/erp/sales-orders";

    /// <summary>Whether <paramref name="span"/> descends from <paramref name="ancestor"/> through the spans of <paramref name="trace"/>.</summary>
    private static bool IsWithin(Activity span, Activity ancestor, IReadOnlyCollection<Activity> trace)
    {
        for (var current = span; current is not null; current = trace.FirstOrDefault(s => s.SpanId == current.ParentSpanId))
        {
            if (current.ParentSpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
