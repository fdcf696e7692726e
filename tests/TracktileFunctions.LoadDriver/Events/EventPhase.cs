using System.Globalization;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>
/// One end-to-end phase: <see cref="Count"/> events of <see cref="Kinds"/> (cycled), sent when the driver says
/// <see cref="GoCommand"/>. Passed to the child as <c>name:count</c>; the name says the kinds.
/// </summary>
internal sealed record EventPhase(string Name, int Count)
{
    /// <summary>The untimed phase first: it runs every path once (JIT, connection pools, tables created) before anything is measured.</summary>
    public const string WarmUp = "warmup";

    /// <summary>The phases there are, by name: one per event kind, and all three interleaved.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<EventKind>> Known = new Dictionary<string, IReadOnlyList<EventKind>>(StringComparer.Ordinal)
    {
        ["orders"] = [EventKind.Order],
        ["shipments"] = [EventKind.Shipment],
        ["inventory"] = [EventKind.Inventory],
        ["mixed"] = EventBodies.AllKinds,
        [WarmUp] = EventBodies.AllKinds,
    };

    public IReadOnlyList<EventKind> Kinds => Known[Name];

    public string GoCommand => "go " + Name;

    public string StartedEvent => "started:" + Name;

    public string PostedEvent => "posted:" + Name;

    public IReadOnlyList<LoadEvent> Events() => EventBodies.Phase(Name, Kinds, Count);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}:{Count}");

    public static EventPhase Parse(string text)
    {
        var parts = text.Split(':');
        return parts.Length == 2 && Known.ContainsKey(parts[0]) && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0
            ? new EventPhase(parts[0], count)
            : throw new UsageException($"a phase is one of {string.Join(", ", Known.Keys)} with a count (name:count), not '{text}'");
    }
}
