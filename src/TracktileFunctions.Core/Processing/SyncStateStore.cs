using Azure;
using Azure.Data.Tables;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Processing;

/// <summary>
/// What the app last applied to a target system for one record (an order, a customer...), with optimistic
/// concurrency: a save fails, rather than overwrites, when someone else saved in between. Events of one record are
/// applied one at a time under the record's lock (<see cref="UnderLockAsync{T}"/>), so a create is made once and a
/// newer write is never overtaken by an older one.
/// </summary>
public sealed class SyncStateStore(LazyTable table, TimeProvider timeProvider)
{
    /// <summary>The table's name.</summary>
    public const string TableName = "syncstate";

    /// <summary>
    /// How long a lock holds. The processor bounds every attempt below it, so a live holder never outlasts its lock; a
    /// holder that died leaves a lock that expires.
    /// </summary>
    public static readonly TimeSpan LockLease = ProcessedEventStore.Lease;

    /// <summary>How long a second event of the same record waits for the lock before its attempt is retried later.</summary>
    public static readonly TimeSpan MaxLockWait = TimeSpan.FromSeconds(30);

    /// <summary>Table storage takes at most 100 actions in one transaction.</summary>
    private const int MaxTransactionActions = 100;

    /// <summary>How many partitions the records of a sharded scope are spread over.</summary>
    public const int ShardCount = 16;

    /// <summary>
    /// The product scopes, which the product batch reads and writes a page at a time: their records are spread over
    /// <see cref="ShardCount"/> partitions by a hash of the key (the batch puts the products of one shard in a page). A
    /// query with an <c>or</c> of row keys is a scan of its whole partition, so a page is read from a partition of a
    /// 16th of the products, not of all of them.
    /// </summary>
    private static readonly HashSet<string> ShardedScopes = new([ErpProductConsumer.Scope, QuickBooks.QuickBooksItems.Scope], StringComparer.Ordinal);

    /// <summary>The shard of <paramref name="key"/> (the same in every sharded scope): 0 to <see cref="ShardCount"/> - 1.</summary>
    public static int ShardOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key), hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(hash) % ShardCount;
    }

    /// <summary>The table partition of <paramref name="key"/>'s record in <paramref name="scope"/>: the scope, or for a sharded scope its shard's.</summary>
    public static string PartitionOf(string scope, string key)
        => ShardedScopes.Contains(scope) ? $"{scope}-{ShardOf(key):D2}" : scope;


    /// <summary>
    /// Runs <paramref name="body"/> holding the lock of one record, then saves the record it returns (and releases the
    /// lock in the same write), or only releases the lock when it returns none. Another holder makes this wait (up to
    /// <see cref="MaxLockWait"/>, then <see cref="RecordBusyException"/>, a transient failure); a lock whose holder
    /// died is taken over once its lease runs out, and a holder retrying itself (<paramref name="holder"/> is the
    /// same) takes its own lock back at once.
    /// </summary>
    /// <param name="scope">The record's scope (table partition).</param>
    /// <param name="key">The record's key.</param>
    /// <param name="holder">Who locks: a consumer and an event, so the event's own retry can take its lock back.</param>
    /// <param name="body">Decides and applies; gets the current record (a new, empty one when there was none).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public async Task<T> UnderLockAsync<T>(
        string scope, string key, string holder, Func<SyncRecord, Task<(SyncRecord? Next, T Result)>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var locked = await LockAsync(scope, key, holder, cancellationToken).ConfigureAwait(false);
        (SyncRecord? Next, T Result) outcome;
        try
        {
            outcome = await body(locked).ConfigureAwait(false);
        }
        catch
        {
            await UnlockAsync(locked).ConfigureAwait(false);
            throw;
        }

        var next = outcome.Next ?? locked;
        next.PartitionKey = PartitionOf(scope, key);
        next.RowKey = TableKeys.Escape(key);
        next.Key = key;
        next.LockedBy = null;
        next.LockedUntil = null;
        next.ETag = locked.ETag;
        // The effects have happened: their record is saved even if the attempt is being cancelled.
        if (!await TrySaveAsync(next, CancellationToken.None).ConfigureAwait(false))
        {
            // Only after this holder outlived its lease: what it did is applied, but the record is someone else's now.
            throw new RecordBusyException($"{scope} {key}: the lock was taken over before the state was saved; retrying");
        }

        return outcome.Result;
    }

    /// <summary>
    /// Saves <paramref name="locked"/> (the record <see cref="UnderLockAsync{T}"/> handed the body) and keeps the lock:
    /// call it right after an effect that must never be repeated (a create), so a failure later in the body does not
    /// lose what was created.
    /// </summary>
    public async Task CheckpointAsync(SyncRecord locked)
    {
        ArgumentNullException.ThrowIfNull(locked);
        try
        {
            var response = await table.RunAsync(
                t => t.UpdateEntityAsync(locked, locked.ETag, TableUpdateMode.Replace, CancellationToken.None), CancellationToken.None).ConfigureAwait(false);
            locked.ETag = response.Headers.ETag ?? ETag.All;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            throw new RecordBusyException($"{locked.PartitionKey} {locked.Key}: the lock was taken over before a checkpoint; retrying");
        }
    }

    private async Task<SyncRecord> LockAsync(string scope, string key, string holder, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        var pause = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var current = await GetExactAsync(PartitionOf(scope, key), key, cancellationToken).ConfigureAwait(false);
            var now = timeProvider.GetUtcNow();
            if (current is { LockedBy: { } other, LockedUntil: { } until } && other != holder && until > now)
            {
                if (waited >= MaxLockWait)
                {
                    throw new RecordBusyException($"{scope} {key} is locked by another event; retrying later");
                }

                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                waited += pause;
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
                continue;
            }

            var candidate = current ?? await FromBeforeShardsAsync(scope, key, cancellationToken).ConfigureAwait(false) ?? new SyncRecord(scope, key);
            candidate.LockedBy = holder;
            candidate.LockedUntil = now + LockLease;
            try
            {
                var response = await table.RunAsync(
                    t => current is null
                        ? t.AddEntityAsync(candidate, cancellationToken)
                        : t.UpdateEntityAsync(candidate, candidate.ETag, TableUpdateMode.Replace, cancellationToken),
                    cancellationToken).ConfigureAwait(false);
                candidate.ETag = response.Headers.ETag ?? ETag.All;
                return candidate;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Someone locked or saved in between: look again.
            }
        }
    }

    private async Task UnlockAsync(SyncRecord locked)
    {
        locked.LockedBy = null;
        locked.LockedUntil = null;
        try
        {
            await table.RunAsync(t => t.UpdateEntityAsync(locked, locked.ETag, TableUpdateMode.Replace, CancellationToken.None), CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailure.Is(ex))
        {
            // Taken over already, or storage is failing: the lock expires by itself.
        }
    }

    /// <summary>
    /// Locks the records of many keys of one scope at once (a page of products): they are read in a few queries and
    /// locked in one transaction per 100, instead of two operations per record. A key another holder has locked, or
    /// that changed between the read and the lock, is answered busy, to be retried later on its own.
    /// </summary>
    /// <param name="scope">The records' scope (table partition).</param>
    /// <param name="keys">The keys (distinct).</param>
    /// <param name="holder">Who locks (see <see cref="UnderLockAsync{T}"/>).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The locked records by key (new, empty ones where there were none), and the busy keys.</returns>
    public async Task<(Dictionary<string, SyncRecord> Locked, List<string> Busy)> LockManyAsync(
        string scope, IReadOnlyCollection<string> keys, string holder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var current = await GetManyAsync(scope, keys, cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow();
        var busy = new List<string>();
        var candidates = new List<SyncRecord>(keys.Count);
        foreach (var key in keys)
        {
            var record = current.GetValueOrDefault(key);
            if (record is { LockedBy: { } other, LockedUntil: { } until } && other != holder && until > now)
            {
                busy.Add(key);
                continue;
            }

            record ??= new SyncRecord(scope, key);
            record.LockedBy = holder;
            record.LockedUntil = now + LockLease;
            candidates.Add(record);
        }

        var locked = new Dictionary<string, SyncRecord>(candidates.Count, StringComparer.Ordinal);
        busy.AddRange(await SubmitEachAsync(candidates, r => r.ETag == default
            ? new TableTransactionAction(TableTransactionActionType.Add, r)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, r, r.ETag), cancellationToken).ConfigureAwait(false));
        foreach (var record in candidates.Where(r => r.LockedBy == holder && r.ETag != default))
        {
            locked[record.Key] = record;
        }

        return (locked, busy);
    }

    /// <summary>
    /// Saves records locked by <see cref="LockManyAsync"/> and releases their locks, in one transaction per 100 (the
    /// effects have happened: this is not cancelled).
    /// </summary>
    /// <returns>The keys whose lock was taken over before the save (their records are someone else's now).</returns>
    public Task<List<string>> SaveManyAsync(IEnumerable<SyncRecord> locked)
    {
        ArgumentNullException.ThrowIfNull(locked);
        var records = locked.ToList();
        foreach (var record in records)
        {
            record.LockedBy = null;
            record.LockedUntil = null;
        }

        return SubmitEachAsync(records, r => new TableTransactionAction(TableTransactionActionType.UpdateReplace, r, r.ETag), CancellationToken.None);
    }

    /// <summary>The records of <paramref name="keys"/> in <paramref name="scope"/> that exist, by key (a few queries, not a read per key).</summary>
    public async Task<Dictionary<string, SyncRecord>> GetManyAsync(string scope, IEnumerable<string> keys, CancellationToken cancellationToken)
        => (await Task.WhenAll(keys.GroupBy(k => PartitionOf(scope, k), StringComparer.Ordinal)
                .Select(partition => table.GetManyAsync<SyncRecord>(partition.Key, partition.Select(TableKeys.Escape), cancellationToken))).ConfigureAwait(false))
            .SelectMany(found => found).ToDictionary(r => r.Key, StringComparer.Ordinal);

    /// <summary>
    /// Submits one action per record, 100 of one partition to a transaction. A record whose action is refused (409, 412: someone else
    /// wrote it) is left out and the rest submitted again; the others get their new ETag.
    /// </summary>
    /// <returns>The keys of the records left out (their <see cref="SyncRecord.ETag"/> is cleared).</returns>
    private async Task<List<string>> SubmitEachAsync(List<SyncRecord> records, Func<SyncRecord, TableTransactionAction> action, CancellationToken cancellationToken)
    {
        var refused = new List<string>();
        foreach (var chunk in records.GroupBy(r => r.PartitionKey, StringComparer.Ordinal).SelectMany(p => p.Chunk(MaxTransactionActions)))
        {
            var pending = chunk.ToList();
            while (pending.Count > 0)
            {
                try
                {
                    var responses = await table.RunAsync(t => t.SubmitTransactionAsync(pending.Select(action), cancellationToken), cancellationToken).ConfigureAwait(false);
                    for (var i = 0; i < pending.Count; i++)
                    {
                        pending[i].ETag = responses.Value[i].Headers.ETag ?? throw new InvalidOperationException("a table transaction answered without an ETag");
                    }

                    break;
                }
                catch (TableTransactionFailedException ex) when (ex.Status is 404 or 409 or 412)
                {
                    var failed = ex.FailedTransactionActionIndex is { } index && index < pending.Count ? [pending[index]] : pending.ToList();
                    foreach (var record in failed)
                    {
                        record.ETag = default;
                        record.LockedBy = null;
                        refused.Add(record.Key);
                        pending.Remove(record);
                    }
                }
            }
        }

        return refused;
    }

    /// <summary>The record for <paramref name="key"/> in <paramref name="scope"/>, or null.</summary>
    public async Task<SyncRecord?> GetAsync(string scope, string key, CancellationToken cancellationToken)
        => await GetExactAsync(PartitionOf(scope, key), key, cancellationToken).ConfigureAwait(false)
           ?? (ShardedScopes.Contains(scope) ? await GetExactAsync(scope, key, cancellationToken).ConfigureAwait(false) : null);

    private async Task<SyncRecord?> GetExactAsync(string partition, string key, CancellationToken cancellationToken)
    {
        var found = await table.RunAsync(
            t => t.GetEntityIfExistsAsync<SyncRecord>(partition, TableKeys.Escape(key), cancellationToken: cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return found.HasValue ? found.Value : null;
    }

    /// <summary>
    /// A sharded scope's record as it was kept before shards (in the scope's own partition), as a new record for its
    /// shard: taken over the first time it is locked. (A page's records are not looked for there: a product the batch
    /// writes again after an upgrade starts afresh, which costs one write of the same version.)
    /// </summary>
    private async Task<SyncRecord?> FromBeforeShardsAsync(string scope, string key, CancellationToken cancellationToken)
    {
        if (!ShardedScopes.Contains(scope) || await GetExactAsync(scope, key, cancellationToken).ConfigureAwait(false) is not { } before)
        {
            return null;
        }

        before.PartitionKey = PartitionOf(scope, key);
        before.ETag = default;
        before.LockedBy = null;
        before.LockedUntil = null;
        return before;
    }

    /// <summary>The first record of <paramref name="scope"/> whose <see cref="SyncRecord.TargetId"/> is <paramref name="targetId"/>, or null (a scan of one partition; not for the sharded product scopes).</summary>
    public async Task<SyncRecord?> FindByTargetAsync(string scope, string targetId, CancellationToken cancellationToken)
        => await table.RunAsync(async t =>
        {
            await foreach (var record in t.QueryAsync<SyncRecord>(r => r.PartitionKey == scope && r.TargetId == targetId, maxPerPage: 1, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                return record;
            }

            return null;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Every record of <paramref name="scope"/> (one partition): for small scopes only, such as the app's webhook registrations (not the sharded product scopes).</summary>
    public Task<List<SyncRecord>> ListAsync(string scope, CancellationToken cancellationToken)
        => table.RunAsync(async t =>
        {
            var records = new List<SyncRecord>();
            await foreach (var record in t.QueryAsync<SyncRecord>(r => r.PartitionKey == scope, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                records.Add(record);
            }

            return records;
        }, cancellationToken);

    /// <summary>Deletes the record of <paramref name="key"/> in <paramref name="scope"/>, if there is one.</summary>
    public Task DeleteAsync(string scope, string key, CancellationToken cancellationToken)
        => table.RunAsync(t => t.DeleteEntityAsync(PartitionOf(scope, key), TableKeys.Escape(key), Azure.ETag.All, cancellationToken), cancellationToken);

    /// <summary>
    /// Saves <paramref name="record"/>: inserts it when its <see cref="SyncRecord.ETag"/> is empty, otherwise replaces
    /// the stored one only if it is unchanged since it was read.
    /// </summary>
    /// <returns>False when another writer got there first (re-read and decide again).</returns>
    public async Task<bool> TrySaveAsync(SyncRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            await table.RunAsync(
                t => record.ETag == default
                    ? t.AddEntityAsync(record, cancellationToken)
                    : t.UpdateEntityAsync(record, record.ETag, TableUpdateMode.Replace, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }
}

/// <summary>One record's sync state.</summary>
public sealed class SyncRecord : ITableEntity
{
    /// <summary>Creates an empty record (for the table SDK).</summary>
    public SyncRecord()
    {
    }

    /// <summary>Creates a record for <paramref name="key"/> in <paramref name="scope"/>.</summary>
    public SyncRecord(string scope, string key)
    {
        PartitionKey = SyncStateStore.PartitionOf(scope, key);
        RowKey = TableKeys.Escape(key);
        Key = key;
    }

    /// <inheritdoc />
    public string PartitionKey { get; set; } = "";

    /// <inheritdoc />
    public string RowKey { get; set; } = "";

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>The record's id in the source system (unescaped).</summary>
    public string Key { get; set; } = "";

    /// <summary>The record's id in the target system, once it exists there.</summary>
    public string? TargetId { get; set; }

    /// <summary>The source status (or state) that the last applied event carried.</summary>
    public string? Status { get; set; }

    /// <summary>A hash of the synced fields last written (for echo suppression).</summary>
    public string? Hash { get; set; }

    /// <summary>Who holds the record's lock (a consumer and an event), while one does.</summary>
    public string? LockedBy { get; set; }

    /// <summary>When the lock expires if its holder dies.</summary>
    public DateTimeOffset? LockedUntil { get; set; }

    /// <summary>The last applied event.</summary>
    public string? AppliedEventId { get; set; }

    /// <summary>The time of the last applied event: older events are stale.</summary>
    public DateTimeOffset? AppliedEventTime { get; set; }

    /// <summary>
    /// True when an event at <paramref name="eventTime"/> is strictly older than the one last applied: it changes
    /// nothing. Equal times are not ordered (event ids carry no order): a consumer reads the source's current state
    /// to settle them.
    /// </summary>
    public bool IsNewerThan(DateTimeOffset eventTime) => AppliedEventTime is { } applied && applied > eventTime;

    /// <summary>True when an event at <paramref name="eventTime"/> has the same time as the applied one but is another event.</summary>
    public bool TiesWith(DateTimeOffset eventTime, string eventId) => AppliedEventTime == eventTime && AppliedEventId != eventId;
}

/// <summary>Another event of the same record holds its lock: a transient failure, retried later.</summary>
public sealed class RecordBusyException(string message) : Exception(message);
