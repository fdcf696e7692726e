using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.Recording;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.Sandbox;

/// <summary>
/// Everything the sandbox holds in memory: the requests received, the faults and settings in force, the seeded
/// Tracktile data and the ERP's effects. Thread-safe: every member takes one lock, and every view is a snapshot.
/// </summary>
public sealed partial class SandboxState
{
    private readonly Lock _gate = new();
    private readonly List<SandboxCall> _calls = [];
    private readonly List<FaultEntry> _faults = [];
    private readonly Dictionary<string, IdempotentResponse> _idempotentResponses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _idempotencyGates = new(StringComparer.Ordinal);
    private ProductPagination _productPagination;
    private TimeSpan? _latency;

    /// <param name="timeProvider">The clock for the times recorded; the system clock unless given.</param>
    public SandboxState(TimeProvider? timeProvider = null) => TimeProvider = timeProvider ?? TimeProvider.System;

    /// <summary>The clock for the times recorded.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Every request to <c>/tracktile/</c>, <c>/erp/</c>, <c>/bc/</c> and the Entra token endpoint, oldest first, faulted ones included.</summary>
    public IReadOnlyList<SandboxCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>How <c>GET /tracktile/products</c> pages its answer; <see cref="ProductPagination.BareArray"/> by default.</summary>
    public ProductPagination ProductPagination
    {
        get
        {
            lock (_gate)
            {
                return _productPagination;
            }
        }
        set
        {
            lock (_gate)
            {
                _productPagination = value;
            }
        }
    }

    /// <summary>A wait added before answering every request to <c>/tracktile/</c> and <c>/erp/</c>; none when null.</summary>
    public TimeSpan? Latency
    {
        get
        {
            lock (_gate)
            {
                return _latency;
            }
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value ?? TimeSpan.Zero, TimeSpan.Zero, nameof(value));
            lock (_gate)
            {
                _latency = value;
            }
        }
    }

    /// <summary>The fault rules still in force, in the order they are tried.</summary>
    public IReadOnlyList<ActiveFault> Faults
    {
        get
        {
            lock (_gate)
            {
                return [.. _faults.Select(f => new ActiveFault(f.Rule, f.Remaining))];
            }
        }
    }

    /// <summary>The requests whose method matches (case-insensitive) and whose path starts with <paramref name="pathPrefix"/>.</summary>
    public IReadOnlyList<SandboxCall> CallsTo(string method, string pathPrefix)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(pathPrefix);
        lock (_gate)
        {
            return
            [
                .. _calls.Where(c => string.Equals(c.Method, method, StringComparison.OrdinalIgnoreCase)
                                     && c.Path.StartsWith(pathPrefix, StringComparison.OrdinalIgnoreCase)),
            ];
        }
    }

    /// <summary>Adds a fault rule after those already in force.</summary>
    /// <exception cref="ArgumentException">The rule is incomplete or out of range.</exception>
    public void AddFault(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        rule.Validate();
        lock (_gate)
        {
            _faults.Add(new FaultEntry(rule));
        }
    }

    /// <summary>Removes every fault rule.</summary>
    public void ClearFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>
    /// Forgets everything: calls, faults, settings, seeded data, ERP effects, idempotency keys, Business Central's
    /// data, tokens, subscriptions and settings (back to the seeded company and the server's options), and Shopify's
    /// (back to the two seeded shops with their locations and static token), and ShipHero's (no products, orders,
    /// webhooks or tokens; default credits and settings), and QuickBooks' (the seeded company and app, no tokens, default
    /// settings), and Tracktile's webhook registrations (no hooks, deliveries or rotations; ids from <c>hook_1</c> again).
    /// </summary>
    public void Reset()
    {
        lock (_gate)
        {
            _calls.Clear();
            _faults.Clear();
            _idempotentResponses.Clear();
            _productPagination = ProductPagination.BareArray;
            _latency = null;
            ResetTracktile();
            ResetTracktileHooks();
            ResetErp();
            ResetBusinessCentral();
            ResetShopify();
            ResetShipHero();
            ResetQuickBooks();
        }
    }

    internal void RecordCall(SandboxCall call)
    {
        lock (_gate)
        {
            _calls.Add(call);
        }
    }

    /// <summary>Finds the first rule matching the request and uses it up by one.</summary>
    internal FaultRule? TakeFault(string method, string path)
    {
        lock (_gate)
        {
            var entry = _faults.Find(f => f.Rule.Matches(method, path));
            if (entry is null)
            {
                return null;
            }

            if (entry.Skip > 0)
            {
                entry.Skip--;
                return null;
            }

            if (entry.Remaining is not null && --entry.Remaining == 0)
            {
                _faults.Remove(entry);
            }

            return entry.Rule;
        }
    }

    /// <summary>One gate per idempotency key, so concurrent requests with the same key run one after the other.</summary>
    internal SemaphoreSlim IdempotencyGate(string key) => _idempotencyGates.GetOrAdd(key, static _ => new SemaphoreSlim(1, 1));

    internal bool TryGetIdempotentResponse(string key, [NotNullWhen(true)] out IdempotentResponse? response)
    {
        lock (_gate)
        {
            return _idempotentResponses.TryGetValue(key, out response);
        }
    }

    internal void StoreIdempotentResponse(string key, IdempotentResponse response)
    {
        lock (_gate)
        {
            _idempotentResponses[key] = response;
        }
    }

    private sealed class FaultEntry(FaultRule rule)
    {
        public FaultRule Rule { get; } = rule;

        public int? Remaining { get; set; } = rule.Times;

        public int Skip { get; set; } = rule.After;
    }
}

/// <summary>The first successful answer to an idempotency key, replayed for every repeat.</summary>
internal sealed record IdempotentResponse(string Method, string Path, int StatusCode, string? ContentType, byte[] Body);
