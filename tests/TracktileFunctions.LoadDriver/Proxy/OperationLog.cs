using System.Collections.Concurrent;

namespace TracktileFunctions.LoadDriver.Proxy;

/// <summary>One storage request that went through the proxy, as it ended.</summary>
/// <param name="UtcTicks">When its answer ended (UTC ticks, the same clock as the child's run start).</param>
/// <param name="Status">The HTTP status answered (502 when the proxy could not reach Azurite).</param>
/// <param name="SubOperations">The operations inside a table batch (<c>$batch</c>); 0 for any other request.</param>
/// <param name="MessagesReturned">The messages a <c>get messages</c> or <c>peek messages</c> answer held.</param>
internal readonly record struct OperationRecord(
    long UtcTicks,
    StorageOperation Operation,
    int Status,
    int SubOperations,
    int MessagesReturned,
    long RequestBytes,
    long ResponseBytes);

/// <summary>Every storage request seen, in the order their answers ended; thread-safe, append-only.</summary>
internal sealed class OperationLog
{
    private readonly ConcurrentQueue<OperationRecord> _records = new();
    private long _progress;

    public void Add(OperationRecord record)
    {
        _records.Enqueue(record);
        if (record.Operation.Kind is StorageOperationClassifier.PutMessage or StorageOperationClassifier.DeleteMessage
            or StorageOperationClassifier.UpdateMessage or StorageOperationClassifier.Batch
            || record.Operation.Service == StorageService.Table && record.Operation.Kind is not ("point read" or "query"))
        {
            Interlocked.Increment(ref _progress);
        }
    }

    /// <summary>The writes seen so far (messages put, deleted or updated, table writes): idle polling does not move it.</summary>
    public long Progress => Interlocked.Read(ref _progress);

    public int Count => _records.Count;

    /// <summary>The records whose answers ended in [<paramref name="fromTicks"/>, <paramref name="toTicks"/>).</summary>
    public IReadOnlyList<OperationRecord> Between(long fromTicks, long toTicks)
        => [.. _records.Where(r => r.UtcTicks >= fromTicks && r.UtcTicks < toTicks)];
}
