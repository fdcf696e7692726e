using Azure;
using Azure.Data.Tables;
using Azure.Data.Tables.Models;

namespace TracktileFunctions.Storage;

/// <summary>A table that is created the first time an operation finds it missing.</summary>
public sealed class LazyTable(TableClient table)
{
    /// <summary>The table.</summary>
    public TableClient Client => table;

    /// <summary>Runs <paramref name="operation"/>, creating the table and running it again if the table is missing.</summary>
    public async Task<T> RunAsync<T>(Func<TableClient, Task<T>> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            return await operation(table).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == TableErrorCode.TableNotFound)
        {
            await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
            return await operation(table).ConfigureAwait(false);
        }
    }

    /// <summary>A query filter holds at most 15 comparisons: the partition and 14 row keys.</summary>
    public const int MaxRowKeysPerQuery = 14;

    /// <summary>
    /// The entities of <paramref name="rowKeys"/> (already escaped) in one partition that exist: one query per
    /// <see cref="MaxRowKeysPerQuery"/> keys, run together, instead of a point read per key.
    /// </summary>
    public async Task<List<T>> GetManyAsync<T>(string partitionKey, IEnumerable<string> rowKeys, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        ArgumentNullException.ThrowIfNull(rowKeys);
        var chunks = await Task.WhenAll(rowKeys.Chunk(MaxRowKeysPerQuery).Select(chunk => RunAsync(async t =>
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}") + " and ("
                + string.Join(" or ", chunk.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}"))) + ")";
            var found = new List<T>(chunk.Length);
            await foreach (var entity in t.QueryAsync<T>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                found.Add(entity);
            }

            return found;
        }, cancellationToken))).ConfigureAwait(false);
        return [.. chunks.SelectMany(c => c)];
    }
}
