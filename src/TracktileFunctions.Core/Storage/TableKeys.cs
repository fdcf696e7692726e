namespace TracktileFunctions.Storage;

/// <summary>Makes any id safe as a table PartitionKey or RowKey (which refuse <c>/ \ # ?</c> and control characters).</summary>
public static class TableKeys
{
    /// <summary>Escapes <paramref name="id"/> reversibly.</summary>
    public static string Escape(string id) => Uri.EscapeDataString(id);
}
