using System.Diagnostics;

namespace TracktileFunctions.Messaging;

/// <summary>
/// The W3C trace context an event's queue message carries (<c>traceparent</c>, and <c>tracestate</c> when there is
/// one), so the consumer's span continues the trace of the webhook that queued it. A queue message has no headers:
/// the context travels in the record itself (<see cref="EventMessageCodec"/>).
/// </summary>
/// <param name="TraceParent">The <c>traceparent</c> value: <c>00-&lt;trace id&gt;-&lt;span id&gt;-&lt;flags&gt;</c>, 55 characters.</param>
/// <param name="TraceState">The <c>tracestate</c> value, if any.</param>
public sealed record MessageTraceContext(string TraceParent, string? TraceState)
{
    /// <summary>The length of a version 00 <c>traceparent</c>.</summary>
    public const int TraceParentLength = 55;

    /// <summary>
    /// The longest <c>tracestate</c> carried; a longer one is left out (W3C lets a hop drop it), so the fields a message
    /// gains for its trace stay small next to <see cref="EventMessageCodec.MaxMessageBytes"/>.
    /// </summary>
    public const int MaxTraceStateLength = 256;

    /// <summary>The context of <see cref="Activity.Current"/>; null when there is none (or it is not W3C).</summary>
    public static MessageTraceContext? Current => From(Activity.Current);

    /// <summary>The context of <paramref name="activity"/>; null when there is none (or it is not W3C).</summary>
    public static MessageTraceContext? From(Activity? activity)
        => activity is { IdFormat: ActivityIdFormat.W3C, Id: { Length: TraceParentLength } id }
            ? new MessageTraceContext(id, activity.TraceStateString is { Length: > 0 and <= MaxTraceStateLength } state ? state : null)
            : null;

    /// <summary>The context read back from a message; null when <paramref name="traceParent"/> is missing or malformed.</summary>
    public static MessageTraceContext? Parse(string? traceParent, string? traceState)
        => traceParent is { Length: TraceParentLength } && ActivityContext.TryParse(traceParent, null, isRemote: true, out _)
            ? new MessageTraceContext(traceParent, traceState is { Length: > 0 and <= MaxTraceStateLength } ? traceState : null)
            : null;

    /// <summary>The context as the parent of a new span (remote: it came from another process).</summary>
    public ActivityContext ToActivityContext()
        => ActivityContext.TryParse(TraceParent, TraceState, isRemote: true, out var context) ? context : default;
}
