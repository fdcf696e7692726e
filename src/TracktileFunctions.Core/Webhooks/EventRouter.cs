using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace TracktileFunctions.Webhooks;

/// <summary>Resolves an event kind to the queues that receive it.</summary>
public sealed partial class EventRouter
{
    private readonly FrozenDictionary<string, string[]> _exact;
    private readonly (string Prefix, string[] Queues)[] _prefixes;
    private readonly string _unroutedQueue;
    private readonly ConcurrentDictionary<string, Route> _cache = new(StringComparer.Ordinal);

    /// <summary>Builds the router; throws <see cref="ArgumentException"/> naming any invalid route.</summary>
    public EventRouter(IEnumerable<EventRoute> routes, string unroutedQueue)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var exact = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var prefixes = new List<(string, string[])>();
        foreach (var route in routes)
        {
            if (string.IsNullOrWhiteSpace(route.Kind) || route.Queues.Count == 0)
            {
                throw new ArgumentException($"Route '{route.Kind}' needs a kind and at least one queue.", nameof(routes));
            }

            foreach (var queue in route.Queues)
            {
                EnsureQueueName(queue);
            }

            if (route.Kind == "*" || route.Kind.EndsWith(".*", StringComparison.Ordinal))
            {
                prefixes.Add((route.Kind[..^1], route.Queues.ToArray()));
            }
            else
            {
                if (!exact.TryGetValue(route.Kind, out var list))
                {
                    exact[route.Kind] = list = [];
                }

                list.AddRange(route.Queues);
            }
        }

        EnsureQueueName(unroutedQueue);
        _exact = exact.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        _prefixes = prefixes.ToArray();
        _unroutedQueue = unroutedQueue;
    }

    /// <summary>The default Tracktile routing table.</summary>
    public static IReadOnlyList<EventRoute> TracktileDefaults { get; } =
    [
        new() { Kind = "order.status.changed", Queues = ["tracktile-orders"] },
        new() { Kind = "shipment.status.changed", Queues = ["tracktile-shipments"] },
        new() { Kind = "shipment.items.assigned", Queues = ["tracktile-shipments"] },
        new() { Kind = "inventory.*", Queues = ["tracktile-inventory"] },
    ];

    /// <summary>The default ERP routing table.</summary>
    public static IReadOnlyList<EventRoute> ErpDefaults { get; } =
    [
        new() { Kind = "customer.updated", Queues = ["erp-customers"] },
    ];

    /// <summary>The queues for <paramref name="kind"/>; <see cref="Route.IsRouted"/> is false when only the unrouted queue applies.</summary>
    public Route Resolve(string kind) => _cache.GetOrAdd(kind, Build);

    private Route Build(string kind)
    {
        var queues = new List<string>();
        if (_exact.TryGetValue(kind, out var exact))
        {
            queues.AddRange(exact);
        }

        foreach (var (prefix, prefixQueues) in _prefixes)
        {
            if (kind.StartsWith(prefix, StringComparison.Ordinal))
            {
                queues.AddRange(prefixQueues);
            }
        }

        return queues.Count == 0
            ? new Route([_unroutedQueue], IsRouted: false)
            : new Route(queues.Distinct(StringComparer.Ordinal).ToArray(), IsRouted: true);
    }

    private static void EnsureQueueName(string queue)
    {
        if (queue is null || !QueueName().IsMatch(queue))
        {
            throw new ArgumentException($"'{queue}' is not a valid Azure Storage queue name.");
        }
    }

    [GeneratedRegex(EventRoute.QueueNamePattern)]
    private static partial Regex QueueName();

    /// <summary>Where one kind of event goes.</summary>
    public sealed record Route(IReadOnlyList<string> Queues, bool IsRouted);
}
