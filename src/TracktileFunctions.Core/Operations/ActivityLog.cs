using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Operations;

/// <summary>
/// What this instance saw, for the status page: per subject (an outside system's calls, a webhook source's requests)
/// the last success, the last failure and its reason, and counts by outcome over a recent window. Kept in memory
/// (recording costs no storage operation) and written to the table <c>operations</c> at most once per flush interval,
/// one row per subject and instance, so every instance's view is read back together.
/// </summary>
public sealed class ActivityLog(LazyTable table, TimeProvider timeProvider, OperationsOptions options) : IDisposable
{
    /// <summary>The table's name.</summary>
    public const string TableName = "operations";

    /// <summary>The partition of the rows this log writes.</summary>
    public const string Partition = "activity";

    /// <summary>The outcome recorded for a success.</summary>
    public const string Ok = "ok";

    private readonly ConcurrentDictionary<string, Subject> _subjects = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flushing = new(1, 1);

    /// <summary>This instance's name in the rows it writes.</summary>
    public string Instance { get; } = options.InstanceId;

    /// <summary>The subject of an outside system's calls.</summary>
    public static string SystemSubject(string system) => "system:" + system;

    /// <summary>The subject of a webhook source's requests.</summary>
    public static string WebhookSubject(string source) => "webhook:" + source;

    /// <summary>Counts one outcome of <paramref name="subject"/>: <see cref="Ok"/>, or a short fixed reason (<c>429</c>, <c>timeout</c>).</summary>
    public void Record(string subject, string outcome)
    {
        var now = timeProvider.GetUtcNow();
        _subjects.GetOrAdd(subject, static _ => new Subject()).Add(now, outcome, options.Window);
    }

    /// <summary>Writes the subjects that changed since the last flush (one upsert each).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = timeProvider.GetUtcNow();
            foreach (var (name, subject) in _subjects)
            {
                if (subject.TakeSnapshot(now, options.Window) is not { } snapshot)
                {
                    continue;
                }

                var entity = new TableEntity(Partition, TableKeys.Escape(name + "|" + Instance))
                {
                    ["Subject"] = name,
                    ["Instance"] = Instance,
                    ["LastSuccessAt"] = snapshot.LastSuccessAt,
                    ["LastFailureAt"] = snapshot.LastFailureAt,
                    ["LastFailure"] = snapshot.LastFailure,
                    ["Counts"] = JsonSerializer.Serialize(snapshot.Counts),
                    ["FlushedAt"] = now,
                };
                await table.RunAsync(t => t.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>Every instance's rows, merged per subject; counts from a row flushed before the window began are left out.</summary>
    public async Task<IReadOnlyDictionary<string, ActivitySummary>> ReadAsync(CancellationToken cancellationToken)
    {
        var since = timeProvider.GetUtcNow() - options.Window;
        var merged = new Dictionary<string, ActivitySummary>(StringComparer.Ordinal);
        await table.RunAsync(async t =>
        {
            await foreach (var row in t.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (row.GetString("Subject") is not { } subject)
                {
                    continue;
                }

                var counts = row.GetDateTimeOffset("FlushedAt") >= since && row.GetString("Counts") is { } json
                    ? JsonSerializer.Deserialize<Dictionary<string, long>>(json) ?? []
                    : [];
                var summary = new ActivitySummary(row.GetDateTimeOffset("LastSuccessAt"), row.GetDateTimeOffset("LastFailureAt"), row.GetString("LastFailure"), counts);
                merged[subject] = merged.TryGetValue(subject, out var other) ? other.Merge(summary) : summary;
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
        return merged;
    }

    /// <inheritdoc />
    public void Dispose() => _flushing.Dispose();

    private sealed class Subject
    {
        private readonly Lock _lock = new();
        private readonly Queue<(DateTimeOffset At, string Outcome)> _recent = new();
        private DateTimeOffset? _lastSuccessAt;
        private DateTimeOffset? _lastFailureAt;
        private string? _lastFailure;
        private bool _dirty;

        // Per-outcome counts of the events in _recent, kept as they are added and expire.
        private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

        public void Add(DateTimeOffset at, string outcome, TimeSpan window)
        {
            lock (_lock)
            {
                if (outcome == Ok)
                {
                    _lastSuccessAt = at;
                }
                else
                {
                    _lastFailureAt = at;
                    _lastFailure = outcome;
                }

                _recent.Enqueue((at, outcome));
                _counts[outcome] = _counts.GetValueOrDefault(outcome) + 1;
                Expire(at - window);
                // A busy subject keeps the queue bounded: beyond this many, the oldest entries are folded away early.
                while (_recent.Count > MaxRemembered)
                {
                    Drop();
                }

                _dirty = true;
            }
        }

        public ActivitySummary? TakeSnapshot(DateTimeOffset now, TimeSpan window)
        {
            lock (_lock)
            {
                var expired = Expire(now - window);
                if (!_dirty && !expired)
                {
                    return null;
                }

                _dirty = false;
                return new ActivitySummary(_lastSuccessAt, _lastFailureAt, _lastFailure, new Dictionary<string, long>(_counts, StringComparer.Ordinal));
            }
        }

        private const int MaxRemembered = 100_000;

        private bool Expire(DateTimeOffset before)
        {
            var any = false;
            while (_recent.TryPeek(out var oldest) && oldest.At < before)
            {
                Drop();
                any = true;
            }

            return any;
        }

        private void Drop()
        {
            var (_, outcome) = _recent.Dequeue();
            if (--_counts[outcome] == 0)
            {
                _counts.Remove(outcome);
            }
        }
    }
}

/// <summary>One subject's activity: its last success, its last failure and why, and its counts by outcome in the window.</summary>
public sealed record ActivitySummary(DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt, string? LastFailure, IReadOnlyDictionary<string, long> Counts)
{
    /// <summary>Two instances' views of one subject, together.</summary>
    public ActivitySummary Merge(ActivitySummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var counts = new Dictionary<string, long>(Counts, StringComparer.Ordinal);
        foreach (var (outcome, n) in other.Counts)
        {
            counts[outcome] = counts.GetValueOrDefault(outcome) + n;
        }

        var failureIsOther = other.LastFailureAt > LastFailureAt || LastFailureAt is null;
        return new ActivitySummary(
            Max(LastSuccessAt, other.LastSuccessAt),
            failureIsOther ? other.LastFailureAt : LastFailureAt,
            failureIsOther ? other.LastFailure : LastFailure,
            counts);
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    /// <summary>The counts formatted for a log line (never a payload).</summary>
    public override string ToString()
        => string.Join(", ", Counts.Select(c => c.Key + "=" + c.Value.ToString(CultureInfo.InvariantCulture)));
}
