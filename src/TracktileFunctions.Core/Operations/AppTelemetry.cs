using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TracktileFunctions.Operations;

/// <summary>
/// The app's own traces and metrics, by the names OpenTelemetry subscribes to (<see cref="Name"/>). Everything here
/// is plain <c>System.Diagnostics</c>: recording costs nothing when nobody listens, and the class library needs no
/// OpenTelemetry reference.
/// </summary>
public static class AppTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "TracktileFunctions";

    /// <summary>The app's spans: a webhook received, a queue message processed, a product page handed on.</summary>
    public static ActivitySource Source { get; } = new(Name);

    /// <summary>The app's instruments.</summary>
    public static Meter Meter { get; } = new(Name);

    /// <summary>Webhooks by <c>source</c> and <c>outcome</c> (<c>accepted</c>, or why they were refused).</summary>
    public static Counter<long> Webhooks { get; } = Meter.CreateCounter<long>("tracktile.webhooks", "{request}", "Webhook requests by source and outcome");

    /// <summary>Outbound calls by <c>system</c>, <c>operation</c> and <c>outcome</c>.</summary>
    public static Counter<long> OutboundCalls { get; } = Meter.CreateCounter<long>("tracktile.outbound.calls", "{call}", "Calls to outside systems by system, operation and outcome");

    /// <summary>Outbound call duration by <c>system</c>, <c>operation</c> and <c>outcome</c>.</summary>
    public static Histogram<double> OutboundDuration { get; } = Meter.CreateHistogram<double>("tracktile.outbound.duration", "s", "Duration of calls to outside systems");

    /// <summary>Messages moved to a poison queue, by <c>queue</c>.</summary>
    public static Counter<long> Poisoned { get; } = Meter.CreateCounter<long>("tracktile.messages.poisoned", "{message}", "Messages moved to a poison queue");

    /// <summary>Messages replayed from a poison queue, by <c>queue</c>.</summary>
    public static Counter<long> Replayed { get; } = Meter.CreateCounter<long>("tracktile.messages.replayed", "{message}", "Messages replayed from a poison queue");
}
