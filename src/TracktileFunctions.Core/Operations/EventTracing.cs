using System.Diagnostics;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.Operations;

/// <summary>
/// The spans of an event's life, on <see cref="AppTelemetry.Source"/>: <c>webhook receive</c> when a sender's request
/// arrives, then <c>process &lt;queue&gt;</c> for every queue message it becomes, each a child of the span that queued
/// it (the context travels in the message). Both carry the event's id and kind, so one query finds the whole life.
/// </summary>
public static class EventTracing
{
    /// <summary>The span of one webhook request.</summary>
    public const string WebhookActivityName = "webhook receive";

    /// <summary>The prefix of the span of one queue message processed (<c>process tracktile-orders</c>).</summary>
    public const string ProcessActivityPrefix = "process ";

    /// <summary>The sender (<c>tracktile</c>, <c>shopify</c>...).</summary>
    public const string SourceTag = "tracktile.event.source";

    /// <summary>The event's id.</summary>
    public const string EventIdTag = "tracktile.event.id";

    /// <summary>The event's kind.</summary>
    public const string EventKindTag = "tracktile.event.kind";

    /// <summary>The queue a message came from (OpenTelemetry's messaging convention).</summary>
    public const string QueueTag = "messaging.destination.name";

    /// <summary>The attempt this processing is (1 for the first).</summary>
    public const string AttemptTag = "tracktile.attempt";

    /// <summary>What applies the event (<c>erp-orders</c>...).</summary>
    public const string ConsumerTag = "tracktile.consumer";

    /// <summary>How it ended: a webhook's outcome (<see cref="WebhookOutcomes"/>), or a message's (<c>processed</c>, <c>poisoned</c>...).</summary>
    public const string OutcomeTag = "tracktile.outcome";

    /// <summary>Starts the span of a webhook request from <paramref name="source"/> (null when nobody listens).</summary>
    public static Activity? StartWebhook(string source)
        => AppTelemetry.Source.StartActivity(WebhookActivityName, ActivityKind.Internal, parentContext: default,
            tags: [new(SourceTag, source)]);

    /// <summary>Tags the current span with the event it is about, if the span is one of the app's.</summary>
    public static void TagEvent(string eventId, string kind)
    {
        if (Activity.Current is { } activity && ReferenceEquals(activity.Source, AppTelemetry.Source))
        {
            activity.SetTag(EventIdTag, eventId);
            activity.SetTag(EventKindTag, kind);
        }
    }

    /// <summary>
    /// Starts the span of one queue message (kind Consumer): its parent is the context the message carries, so it
    /// joins the trace of the webhook that queued the event; a message without one is a child of the current span.
    /// A carried context also links to the current span (the function invocation), whose trace is a different one.
    /// </summary>
    public static Activity? StartProcessing(string queue, DecodedEventMessage message, int attempt, string consumer)
    {
        ArgumentNullException.ThrowIfNull(message);
        var parent = message.Trace?.ToActivityContext() ?? default;
        IEnumerable<ActivityLink>? links = parent != default && Activity.Current is { } current ? [new ActivityLink(current.Context)] : null;
        return AppTelemetry.Source.StartActivity(ProcessActivityPrefix + queue, ActivityKind.Consumer, parent,
            [
                new(QueueTag, queue),
                new(SourceTag, message.Source),
                new(EventIdTag, message.EventId),
                new(EventKindTag, message.Kind),
                new(AttemptTag, attempt),
                new(ConsumerTag, consumer),
            ],
            links);
    }

    /// <summary>Ends <paramref name="activity"/> with <paramref name="outcome"/>; an error sets its status (the reason as description).</summary>
    public static void End(Activity? activity, string outcome, string? error = null)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(OutcomeTag, outcome);
        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error);
        }
    }

    /// <summary>The log scope of an event (<c>EventId</c>, <c>EventKind</c>), as every log line about it carries.</summary>
    public static Dictionary<string, object> Scope(string eventId, string kind)
        => new(StringComparer.Ordinal) { ["EventId"] = eventId, ["EventKind"] = kind };
}
