using Azure;
using Azure.Data.Tables;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Processing;

/// <summary>
/// The de-duplication ledger: which events each consumer has finished, kept in Table storage (durable, no expiry),
/// so N deliveries of one event have one effect however far apart they arrive.
/// </summary>
public sealed class ProcessedEventStore(LazyTable table, TimeProvider timeProvider)
{
    /// <summary>The table's name.</summary>
    public const string TableName = "processedevents";

    /// <summary>True when <paramref name="consumer"/> has finished <paramref name="eventId"/>.</summary>
    public async Task<bool> ContainsAsync(string consumer, string eventId, CancellationToken cancellationToken)
    {
        var found = await table.RunAsync(
            t => t.GetEntityIfExistsAsync<TableEntity>(consumer, TableKeys.Escape(eventId), ["PartitionKey"], cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return found.HasValue;
    }

    /// <summary>Records that <paramref name="consumer"/> finished <paramref name="eventId"/>, and how.</summary>
    public Task AddAsync(string consumer, string eventId, string kind, string outcome, CancellationToken cancellationToken)
        => table.RunAsync(
            t => t.UpsertEntityAsync(
                new TableEntity(consumer, TableKeys.Escape(eventId))
                {
                    ["EventId"] = eventId,
                    ["Kind"] = kind,
                    ["Outcome"] = outcome,
                    ["ProcessedAt"] = timeProvider.GetUtcNow(),
                },
                TableUpdateMode.Replace,
                cancellationToken),
            cancellationToken);
}
