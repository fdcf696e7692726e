using Azure;
using Azure.Data.Tables;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Processing;

/// <summary>
/// What the app last applied to a target system for one record (an order, a customer...), with optimistic
/// concurrency: a save fails, rather than overwrites, when someone else saved in between.
/// </summary>
public sealed class SyncStateStore(LazyTable table)
{
    /// <summary>The table's name.</summary>
    public const string TableName = "syncstate";

    /// <summary>The record for <paramref name="key"/> in <paramref name="scope"/>, or null.</summary>
    public async Task<SyncRecord?> GetAsync(string scope, string key, CancellationToken cancellationToken)
    {
        var found = await table.RunAsync(
            t => t.GetEntityIfExistsAsync<SyncRecord>(scope, TableKeys.Escape(key), cancellationToken: cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return found.HasValue ? found.Value : null;
    }

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
        PartitionKey = scope;
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

    /// <summary>The last applied event.</summary>
    public string? AppliedEventId { get; set; }

    /// <summary>The time of the last applied event: older events are stale.</summary>
    public DateTimeOffset? AppliedEventTime { get; set; }

    /// <summary>
    /// True when the applied event is newer than an event at <paramref name="eventTime"/> with id
    /// <paramref name="eventId"/>. Equal times are ordered by event id, so every instance agrees on one winner.
    /// </summary>
    public bool IsNewerThan(DateTimeOffset eventTime, string eventId)
        => AppliedEventTime is { } applied
            && (applied > eventTime || (applied == eventTime && string.CompareOrdinal(AppliedEventId, eventId) > 0));
}
