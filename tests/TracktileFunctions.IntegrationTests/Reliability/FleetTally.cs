using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using TracktileFunctions.Processing;

namespace TracktileFunctions.IntegrationTests.Reliability;

/// <summary>
/// One system's effects against what the accepted events should have made there: <see cref="Delivered"/> of
/// <see cref="Expected"/>, <see cref="Extra"/> applied beyond that (a second order, a movement counted twice). For
/// stock the unit is the quantity moved, for everything else the record made.
/// </summary>
public sealed record SystemTally(string Name, int Expected, int Delivered, int Extra)
{
    /// <summary>Expected effects that are not there.</summary>
    public int Lost => Expected - Delivered;

    /// <summary>Records keyed by what they are for (an order id, a shipment id): each expected key once, nothing else.</summary>
    public static SystemTally OfKeys(string name, IReadOnlySet<string> expected, IEnumerable<string> actual)
    {
        var records = actual.ToList();
        var delivered = expected.Count(records.Contains);
        return new(name, expected.Count, delivered, records.Count - delivered);
    }

    /// <summary>Records of which <paramref name="distinct"/> are different, against <paramref name="expected"/>.</summary>
    public static SystemTally OfCount(string name, int expected, int actual, int distinct)
    {
        var delivered = Math.Min(distinct, expected);
        return new(name, expected, delivered, actual - delivered);
    }

    /// <summary>A quantity moved, against the sum the events carry.</summary>
    public static SystemTally OfQuantity(string name, int expected, int actual)
        => new(name, expected, Math.Clamp(actual, 0, expected), Math.Max(0, actual - expected));
}

/// <summary>Every system's <see cref="SystemTally"/>.</summary>
public sealed record FleetTally(IReadOnlyList<SystemTally> Systems)
{
    /// <summary>Nothing expected is missing.</summary>
    public bool Complete => Systems.All(s => s.Lost == 0);

    /// <summary>Everything expected is there, once.</summary>
    public bool Exact => Complete && Systems.All(s => s.Extra == 0);

    public int Expected => Systems.Sum(s => s.Expected);

    public int Delivered => Systems.Sum(s => s.Delivered);

    public int Lost => Systems.Sum(s => s.Lost);

    public int Extra => Systems.Sum(s => s.Extra);

    public override string ToString()
    {
        var text = new StringBuilder("| System | Expected | Delivered | Applied twice | Lost |\n|---|---:|---:|---:|---:|\n");
        foreach (var s in Systems)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"| {s.Name} | {s.Expected} | {s.Delivered} | {s.Extra} | {s.Lost} |\n");
        }

        return text.ToString();
    }
}

/// <summary>Counts what the queue processor logged, by event: duplicates skipped, events done, poisoned, unreadable.</summary>
public sealed class ProcessorLog : ILoggerProvider
{
    private static readonly string Category = typeof(QueueEventProcessor).FullName!;
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _skipped = new();

    /// <summary>The lines of events a consumer skipped (its outcome starts with <c>skipped</c>), with the reason.</summary>
    public IReadOnlyCollection<string> Skipped => _skipped;

    /// <summary>Redeliveries the ledger turned away: already done, or in flight elsewhere.</summary>
    public int Duplicates => Count("LogDuplicate") + Count("LogInFlight");

    /// <summary>Events applied.</summary>
    public int Processed => Count("LogProcessed");

    /// <summary>Events moved to poison, unreadable messages included.</summary>
    public int Poisoned => Count("LogPoisoned") + Count("LogUnreadable");

    /// <summary>Every count, by the processor's log event name.</summary>
    public IReadOnlyDictionary<string, int> Counts => new SortedDictionary<string, int>(_counts, StringComparer.Ordinal);

    /// <summary>How many times the processor logged <paramref name="eventName"/>.</summary>
    public int Count(string eventName) => _counts.TryGetValue(eventName, out var n) ? n : 0;

    public ILogger CreateLogger(string categoryName) => categoryName == Category ? new Counter(this) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Counter(ProcessorLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name is { } name)
            {
                log._counts.AddOrUpdate(name, 1, (_, n) => n + 1);
                if (name == "LogProcessed" && state is IReadOnlyList<KeyValuePair<string, object?>> fields
                    && fields.FirstOrDefault(f => f.Key == "Outcome").Value is string outcome && outcome.StartsWith("skipped", StringComparison.Ordinal))
                {
                    log._skipped.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
