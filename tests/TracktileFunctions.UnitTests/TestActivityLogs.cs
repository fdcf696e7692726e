using Azure.Data.Tables;
using TracktileFunctions.Operations;
using TracktileFunctions.Storage;

namespace TracktileFunctions.UnitTests;

/// <summary>Activity logs for receivers under test: recording is in memory; nothing here ever flushes to the table.</summary>
internal static class TestActivityLogs
{
    public static ActivityLog Create(TimeProvider? timeProvider = null)
        => new(new LazyTable(new TableClient("UseDevelopmentStorage=true", ActivityLog.TableName)), timeProvider ?? TimeProvider.System, new OperationsOptions());
}
