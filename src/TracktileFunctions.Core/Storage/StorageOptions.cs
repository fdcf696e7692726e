using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Storage;

/// <summary>Where the app keeps its own queues, blobs and tables. Bound from <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Storage";

    /// <summary>The one connection the app and its queue triggers share.</summary>
    public const string TriggerConnection = "AzureWebJobsStorage";

    /// <summary>
    /// The name of the storage connection setting. It can only be <c>AzureWebJobsStorage</c>, the connection the queue
    /// triggers listen on: a publisher writing to another account would acknowledge webhooks that nothing ever
    /// processes, so any other value stops the app at start. Configure the account itself through
    /// <c>AzureWebJobsStorage</c> (a connection string, or <c>AzureWebJobsStorage__accountName</c> for a managed identity).
    /// </summary>
    [Required]
    [RegularExpression("^" + TriggerConnection + "$", ErrorMessage = "Storage:Connection must be AzureWebJobsStorage (or unset): the queue triggers listen on AzureWebJobsStorage, and events queued in another account would be acknowledged but never processed.")]
    public string Connection { get; set; } = TriggerConnection;

    /// <summary>The blob container for payloads too large for a queue message (claim checks).</summary>
    [Required]
    [RegularExpression("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    public string PayloadContainer { get; set; } = "webhook-payloads";
}
