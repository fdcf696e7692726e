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
}
