using System.Text.Json.Nodes;
using TracktileFunctions.LoadDriver.Proxy;

namespace TracktileFunctions.LoadDriver.Report;

/// <summary>Memory of one child process, as it reported it when it stopped.</summary>
internal sealed record MemoryFigures(long PeakWorkingSetBytes, long GcHeapAfterGcPeakBytes, long GcManagedInUsePeakBytes, long GcAllocatedBytes, JsonObject Raw)
{
    public static MemoryFigures? From(JsonObject? result) => result is null
        ? null
        : new MemoryFigures(
            Long(result, "peakWorkingSetBytes"),
            Long(result, "gcHeapAfterGcPeakBytes"),
            Long(result, "gcManagedInUsePeakBytes"),
            Long(result, "gcAllocatedBytes"),
            result);

    private static long Long(JsonObject o, string name) => o[name]?.GetValue<long>() ?? 0;
}

/// <summary>The seed's sequential loop at one size.</summary>
internal sealed class SeedOutcome
{
    public required int Size { get; init; }

    /// <summary>Products the loop wrote (fewer than <see cref="Size"/> with <c>--seed-max</c>).</summary>
    public int Products { get; init; }

    public double Seconds { get; init; }

    public double ProductsPerSecond { get; init; }

    public int TracktilePages { get; init; }

    public int ErpPutCalls { get; init; }

    public double ChildCpuSeconds { get; init; }

    public MemoryFigures? Memory { get; init; }

    public string? Error { get; init; }
}

/// <summary>Storage operations of one kind in one phase.</summary>
internal sealed record OperationCount(
    string Service, string Kind, long Count, long Errors, long SubOperations, long MessagesReturned, long EmptyAnswers, long RequestBytes, long ResponseBytes);

/// <summary>What happened on one queue in one phase.</summary>
internal sealed record QueueCount(string Queue, long Puts, long Gets, long EmptyGets, long MessagesReceived, long Deletes, long Updates, long Other);

/// <summary>The storage operations of one phase of the app's run.</summary>
internal sealed record StoragePhase(string Name, long Total, IReadOnlyList<OperationCount> ByKind, IReadOnlyList<QueueCount> ByQueue)
{
    public static StoragePhase From(string name, IReadOnlyList<OperationRecord> records)
    {
        var byKind = records
            .GroupBy(r => (r.Operation.Service, r.Operation.Kind))
            .Select(g => new OperationCount(
                g.Key.Service.ToString(),
                g.Key.Kind,
                g.LongCount(),
                g.LongCount(r => r.Status >= 400),
                g.Sum(r => (long)r.SubOperations),
                g.Sum(r => (long)r.MessagesReturned),
                g.LongCount(r => r.Operation.Kind == StorageOperationClassifier.GetMessages && r.MessagesReturned == 0 && r.Status < 400),
                g.Sum(r => r.RequestBytes),
                g.Sum(r => r.ResponseBytes)))
            .OrderBy(c => c.Service, StringComparer.Ordinal).ThenByDescending(c => c.Count)
            .ToList();
        var byQueue = records
            .Where(r => r.Operation.Service == StorageService.Queue && r.Operation.Resource.Length > 0)
            .GroupBy(r => r.Operation.Resource)
            .Select(g => new QueueCount(
                g.Key,
                g.LongCount(r => r.Operation.Kind == StorageOperationClassifier.PutMessage),
                g.LongCount(r => r.Operation.Kind == StorageOperationClassifier.GetMessages),
                g.LongCount(r => r.Operation.Kind == StorageOperationClassifier.GetMessages && r.MessagesReturned == 0 && r.Status < 400),
                g.Where(r => r.Operation.Kind == StorageOperationClassifier.GetMessages).Sum(r => (long)r.MessagesReturned),
                g.LongCount(r => r.Operation.Kind == StorageOperationClassifier.DeleteMessage),
                g.LongCount(r => r.Operation.Kind == StorageOperationClassifier.UpdateMessage),
                g.LongCount(r => r.Operation.Kind is not (StorageOperationClassifier.PutMessage or StorageOperationClassifier.GetMessages
                    or StorageOperationClassifier.DeleteMessage or StorageOperationClassifier.UpdateMessage))))
            .OrderByDescending(q => q.Puts + q.Gets + q.Deletes + q.Updates + q.Other)
            .ToList();
        return new StoragePhase(name, records.Count, byKind, byQueue);
    }
}

/// <summary>The app's product batch at one size.</summary>
internal sealed class AppOutcome
{
    public required int Size { get; init; }

    public IReadOnlyList<string> Functions { get; init; } = [];

    public IReadOnlyList<string> HostedServices { get; init; } = [];

    /// <summary>From the child's start to its <c>ready</c>: the app built, its hosted services and queue hosts started.</summary>
    public double SetupSeconds { get; init; }

    /// <summary>From the run's start to the ERP's last write.</summary>
    public double Seconds { get; init; }

    public double ProductsPerSecond { get; init; }

    /// <summary>From the run's start until <c>RunAsync</c> returned (every product handed off, the watermark saved).</summary>
    public double BatchSeconds { get; init; }

    public JsonNode? BatchResult { get; init; }

    /// <summary>From the run's start until the ERP was complete and the queues drained (checked, with a grace period).</summary>
    public double DrainedSeconds { get; init; }

    public int ErpProducts { get; init; }

    public long ErpUpserts { get; init; }

    public int ErpPutCalls { get; init; }

    public int TracktilePages { get; init; }

    public IReadOnlyDictionary<string, int> PoisonMessages { get; init; } = new Dictionary<string, int>();

    public IReadOnlyDictionary<string, int> LeftInQueues { get; init; } = new Dictionary<string, int>();

    /// <summary>CPU seconds in [run start, drained]: the app's process, the driver's (sandbox, proxy, checks), Azurite's.</summary>
    public double AppCpuSeconds { get; init; }

    public double DriverCpuSeconds { get; init; }

    public double? AzuriteCpuSeconds { get; init; }

    public MemoryFigures? Memory { get; init; }

    /// <summary>Null when run with <c>--no-proxy</c> (nothing counted).</summary>
    public IReadOnlyList<StoragePhase>? Storage { get; init; }

    /// <summary>Storage operations in [run start, drained], the figure per product is taken from.</summary>
    public long? RunOperations { get; init; }

    /// <summary>Of <see cref="RunOperations"/>, those after the ERP's last write (draining, idle polling).</summary>
    public long? RunOperationsAfterLastWrite { get; init; }

    public string? Error { get; init; }
}

/// <summary>
/// The hand-off at one size: the batch alone (<c>RunAsync</c>, no queue function running) from the run's start to its
/// return, against raw enqueue of the very messages it enqueued, same concurrency, same Azurite through the same proxy.
/// </summary>
internal sealed class HandOffOutcome
{
    public required int Size { get; init; }

    /// <summary>The sandbox's delay on every answer in this scenario (0: Tracktile's reads at full speed).</summary>
    public double LatencyMs { get; init; }

    /// <summary>Enqueues in flight at once, in both (<c>ProductSync:MaxConcurrentHandOffs</c>).</summary>
    public int Concurrency { get; init; }

    /// <summary>The messages the batch enqueued (read back from Azurite), and their bodies' bytes as sent (before base64).</summary>
    public int Messages { get; init; }

    public long MessageBytes { get; init; }

    /// <summary>Each round's time from the run's start until <c>RunAsync</c> returned (pages read, every page enqueued, the watermark saved).</summary>
    public IReadOnlyList<double> BatchRoundSeconds { get; init; } = [];

    public JsonNode? BatchResult { get; init; }

    /// <summary>Product pages the batch read in one round.</summary>
    public int TracktilePages { get; init; }

    /// <summary>Each round's raw enqueue of the same messages: from its first send to its last answer.</summary>
    public IReadOnlyList<double> RawRoundSeconds { get; init; } = [];

    /// <summary>The batch's figure: the median of the rounds after the first (the first is a fresh process's), or the only one.</summary>
    public double BatchSeconds => WarmMedian(BatchRoundSeconds);

    public double RawSeconds => WarmMedian(RawRoundSeconds);

    /// <summary>Every product page read alone, one after the other (no parsing into products, no enqueue), after the raw enqueue.</summary>
    public double? ReadAloneSeconds { get; init; }

    public double BatchMessagesPerSecond => Messages / BatchSeconds;

    public double RawMessagesPerSecond => Messages / RawSeconds;

    /// <summary>The hand-off's rate over raw enqueue's (the target: at least 0.8).</summary>
    public double Ratio => RawSeconds / BatchSeconds;

    /// <summary>
    /// The hand-off's rate over the fastest a hand-off could be that has to read the pages too: the longer of the
    /// pages read alone and the raw enqueue (reading and enqueueing overlapped perfectly).
    /// </summary>
    public double? RatioToReadOrRaw => ReadAloneSeconds is { } read ? Math.Max(read, RawSeconds) / BatchSeconds : null;

    /// <summary>CPU seconds over each of the two windows: the measured child, the driver (sandbox, proxy), Azurite.</summary>
    public double BatchAppCpuSeconds { get; init; }

    public double RawChildCpuSeconds { get; init; }

    public double BatchDriverCpuSeconds { get; init; }

    public double RawDriverCpuSeconds { get; init; }

    public double? BatchAzuriteCpuSeconds { get; init; }

    public double? RawAzuriteCpuSeconds { get; init; }

    /// <summary>The storage operations of each window (null with <c>--no-proxy</c>).</summary>
    public StoragePhase? BatchStorage { get; init; }

    public StoragePhase? RawStorage { get; init; }

    public string? Error { get; init; }

    private static double WarmMedian(IReadOnlyList<double> rounds)
    {
        var warm = rounds.Count > 1 ? rounds.Skip(1).Order().ToList() : [.. rounds];
        return warm.Count == 0 ? double.NaN : warm.Count % 2 == 1 ? warm[warm.Count / 2] : (warm[warm.Count / 2 - 1] + warm[warm.Count / 2]) / 2;
    }
}
