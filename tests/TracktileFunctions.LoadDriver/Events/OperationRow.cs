using TracktileFunctions.LoadDriver.Proxy;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using C = TracktileFunctions.LoadDriver.Proxy.StorageOperationClassifier;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>
/// The storage requests of one kind (<see cref="StorageOperationClassifier"/>) on one queue, table or container, with
/// what they are for in the event path. <see cref="EmptyAnswers"/> are dequeues that found nothing (polling).
/// </summary>
internal sealed record OperationRow(string Service, string Kind, string Resource, long Count, long Errors, long EmptyAnswers, long MessagesReturned, string Purpose)
{
    /// <summary>The requests of <paramref name="records"/>, by service, kind and resource, most first.</summary>
    public static IReadOnlyList<OperationRow> From(IEnumerable<OperationRecord> records)
        => [.. records
            .GroupBy(r => r.Operation)
            .Select(g => new OperationRow(
                g.Key.Service.ToString(), g.Key.Kind, g.Key.Resource, g.LongCount(), g.LongCount(r => r.Status >= 400),
                g.LongCount(IsEmptyDequeue), g.Sum(r => (long)r.MessagesReturned), PurposeOf(g.Key)))
            .OrderBy(r => r.Service, StringComparer.Ordinal).ThenByDescending(r => r.Count)];

    /// <summary>A dequeue that returned no message: the queue extension polling an empty queue.</summary>
    public static bool IsEmptyDequeue(OperationRecord record)
        => record.Operation.Kind == C.GetMessages && record.MessagesReturned == 0 && record.Status < 400;

    /// <summary>What a request is for, read from the app's code paths (src/TracktileFunctions.Core).</summary>
    private static string PurposeOf(StorageOperation op) => (op.Service, op.Kind, op.Resource) switch
    {
        (StorageService.Queue, C.PutMessage, var q) when q.EndsWith("-poison", StringComparison.Ordinal) => "poison copy of a failed event (FailureLog.PoisonAsync)",
        (StorageService.Queue, C.PutMessage, _) => "ingest: the event's message (EventPublisher.SendAsync); or a delayed retry's copy",
        (StorageService.Queue, C.GetMessages, _) => "queue extension: dequeue, up to 16 messages a call (empty ones: polling)",
        (StorageService.Queue, C.DeleteMessage, _) => "queue extension: delete once the function returned",
        (StorageService.Queue, C.UpdateMessage, _) => "queue extension: visibility renewal or release of a failed message",
        (StorageService.Queue, "create queue", _) => "create a queue (start-up provisioning, or first use)",
        (StorageService.Table, "insert entity", ProcessedEventStore.TableName) => "ledger claim (ProcessedEventStore.TryClaimAsync; 409 when claimed before)",
        (StorageService.Table, "point read", ProcessedEventStore.TableName) => "ledger: the existing claim, after a 409",
        (StorageService.Table, "upsert entity (insert or replace)", ProcessedEventStore.TableName) => "ledger complete (ProcessedEventStore.CompleteAsync)",
        (StorageService.Table, "delete entity", ProcessedEventStore.TableName) => "ledger release after a failure",
        (StorageService.Table, "point read", SyncStateStore.TableName) => "sync state reads: the order's record before its lock, its customer's and products' ERP links (SyncStateStore.GetAsync)",
        (StorageService.Table, "insert entity", SyncStateStore.TableName) => "lock a new order's record (SyncStateStore.LockAsync)",
        (StorageService.Table, "update entity (replace, If-Match)", SyncStateStore.TableName) => "save the order's record and release its lock (UnderLockAsync), or a checkpoint",
        (StorageService.Table, _, FailureLog.TableName) => "failure log (a retry or poison recorded)",
        (StorageService.Table, _, ActivityLog.TableName) => "status page activity, flushed every 30 s (not per event)",
        (StorageService.Table, "create table", _) => "create a table on first use (LazyTable)",
        (StorageService.Blob, _, _) => "claim-check payload (a body too large for a message)",
        _ => "",
    };
}
