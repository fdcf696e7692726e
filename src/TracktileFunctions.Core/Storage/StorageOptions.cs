using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Storage;

/// <summary>Where the app keeps its own queues, blobs and tables. Bound from <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Storage";

    /// <summary>
    /// The name of the connection setting, as the Functions host reads it: either a connection string, or
    /// <c>&lt;name&gt;__accountName</c> / <c>&lt;name&gt;__queueServiceUri</c> (and blob, table) for a managed identity.
    /// The queue triggers use <c>AzureWebJobsStorage</c>, so the default keeps the app and its triggers on one account.
    /// </summary>
    [Required]
    public string Connection { get; set; } = "AzureWebJobsStorage";

    /// <summary>The blob container for payloads too large for a queue message (claim checks).</summary>
    [Required]
    [RegularExpression("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    public string PayloadContainer { get; set; } = "webhook-payloads";
}
